"""Excluded words, brands and categories are filtered inside both channels, before the cut."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from retrieval import (
    HashingEmbedder,
    HybridSearch,
    Ingestor,
    Product,
    RetrievalSettings,
    SearchFilters,
    make_store,
)
from retrieval.feed import FeedReport


def _p(pid: str, title: str, brand: str = "", category: str = "Kitchen > Teapots") -> Product:
    return Product(
        id=pid, title=title, brand=brand, category=category, price=Decimal("5"), currency="GBP"
    )


# Most teapots are red: a top-k cut before the exclusion would leave a short page.
CATALOG = [
    *(_p(f"R{i}", f"Red Spotty Teapot {i}", "Potter") for i in range(12)),
    _p("W1", "White Teapot", "Potter"),
    _p("B1", "Blue Teapot", "Kiln"),
    _p("G1", "Green Teapot", "Kiln"),
    _p("C1", "Teapot Cosy", "Knit", "Kitchen > Textiles"),
]


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> HybridSearch:
    settings = RetrievalSettings(data_dir=Path(tmp_path_factory.mktemp("exclusions")))
    Ingestor(make_store(settings), HashingEmbedder(), settings).ingest(
        FeedReport(products=CATALOG, rows=len(CATALOG))
    )
    return HybridSearch(make_store(settings), HashingEmbedder(), settings)


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "vector"])
def test_an_excluded_word_is_never_returned_and_the_page_stays_full(
    search: HybridSearch, mode: str
) -> None:
    page = search.search("teapot", SearchFilters(exclude_terms=["red"]), 4, mode=mode)  # type: ignore[arg-type]
    ids = [h.product.id for h in page.hits]
    assert len(ids) == 4
    assert not [i for i in ids if i.startswith("R")]


def test_excluded_brands_and_categories(search: HybridSearch) -> None:
    page = search.search(
        "teapot",
        SearchFilters(exclude_brands=["potter"], exclude_categories=["Kitchen > Textiles"]),
        10,
    )
    assert {h.product.id for h in page.hits} == {"B1", "G1"}


def test_exclusions_use_the_catalogs_stems(search: HybridSearch) -> None:
    page = search.search("teapot", SearchFilters(exclude_terms=["teapots"]), 10)
    assert page.hits == []


@pytest.mark.parametrize("word", ["spots", "spot", "spotty"])
def test_excluding_a_word_excludes_the_adjective_made_from_it(
    search: HybridSearch, word: str
) -> None:
    # "Not the spotty ones", "no spots": the Red Spotty Teapots either way.
    page = search.search("teapot", SearchFilters(exclude_terms=[word]), 10)
    ids = {h.product.id for h in page.hits}
    assert ids == {"W1", "B1", "G1", "C1"}

"""One contract for every ProductSearch: embedded Chroma, a real `chroma run`, and over HTTP.

Runs with the real bundled MiniLM model, as shoppers get it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from retrieval import (
    HttpProductSearch,
    HybridSearch,
    Ingestor,
    Product,
    ProductSearch,
    RetrievalSettings,
    SearchFilters,
    make_store,
)
from retrieval.app import create_app
from retrieval.feed import FeedReport
from tests.integration.servers import chroma_server, serve_app

ROWS = [
    # id, title, category, price, in stock, brand, rating, color
    ("c1", "Red Heart Scented Candle", "Home > Candles", "4.50", True, "Glow", 4.5, "red"),
    ("c2", "White Pillar Candle Large", "Home > Candles", "7.95", True, "Glow", 3.9, "white"),
    (
        "c3",
        "Vanilla Tea Light Candles Set of 12",
        "Home > Candles",
        "2.95",
        True,
        "Glow",
        4.1,
        "ivory",
    ),
    ("c4", "Lavender Soy Candle in Tin", "Home > Candles", "5.25", False, "Calm", 4.8, "purple"),
    ("c5", "Glass T-Light Holder", "Home > Candles > Holders", "2.10", True, "Glow", 4.0, "clear"),
    (
        "c6",
        "Zinc Lantern Candle Holder",
        "Home > Candles > Holders",
        "9.95",
        True,
        "Calm",
        3.5,
        "grey",
    ),
    ("m1", "Red Spotty Ceramic Mug", "Kitchen > Mugs", "2.50", True, "Dotty", 4.2, "red"),
    ("m2", "Blue Enamel Camping Mug", "Kitchen > Mugs", "3.25", True, "Trail", 4.6, "blue"),
    ("m3", "Bone China Tea Cup and Saucer", "Kitchen > Mugs", "6.50", True, "Dotty", None, "white"),
    ("k1", "Vintage Tea Towel Set", "Kitchen > Textiles", "2.95", True, "Dotty", 3.8, "green"),
    ("k2", "Cotton Apron with Pocket", "Kitchen > Textiles", "8.50", False, "Dotty", 4.4, "red"),
    ("k3", "Cake Stand Three Tier", "Kitchen > Baking", "12.95", True, "Bake", 4.9, "pink"),
    (
        "k4",
        "Baking Cupcake Cases Pack of 60",
        "Kitchen > Baking",
        "0.85",
        True,
        "Bake",
        4.0,
        "pink",
    ),
    (
        "b1",
        "Jumbo Shopping Bag Red Retrospot",
        "Bags > Shopping",
        "1.95",
        True,
        "Dotty",
        4.3,
        "red",
    ),
    ("b2", "Lunch Bag Dinosaur Design", "Bags > Lunch", "1.65", True, "Dino", 4.7, "green"),
    ("b3", "Canvas Tote Bag Birds", "Bags > Shopping", "3.75", True, "Trail", None, "cream"),
    ("b4", "Childrens School Backpack", "Bags > Kids", "9.50", True, "Dino", 4.1, "blue"),
    (
        "x1",
        "Christmas Tree Bauble Set Gold",
        "Christmas > Decorations",
        "4.95",
        True,
        "Noel",
        4.6,
        "gold",
    ),
    (
        "x2",
        "Hanging Star Decoration Silver",
        "Christmas > Decorations",
        "1.25",
        True,
        "Noel",
        3.7,
        "silver",
    ),
    (
        "x3",
        "Advent Calendar Wooden House",
        "Christmas > Calendars",
        "14.95",
        False,
        "Noel",
        4.9,
        "red",
    ),
    ("s1", "Gift Wrap Roses Sheet", "Stationery > Wrap", "0.42", True, "Paper", None, "pink"),
    (
        "s2",
        "Birthday Card Vintage Bicycle",
        "Stationery > Cards",
        "0.65",
        True,
        "Paper",
        4.0,
        "blue",
    ),
    (
        "s3",
        "Notebook A5 Lined Floral",
        "Stationery > Notebooks",
        "2.25",
        True,
        "Paper",
        4.2,
        "pink",
    ),
    ("g1", "Garden Watering Can Zinc", "Garden > Tools", "7.50", True, "Grow", 4.5, "grey"),
    ("g2", "Bird Feeder Hanging Metal", "Garden > Wildlife", "5.95", True, "Grow", 4.4, "green"),
]


def products() -> list[Product]:
    return [
        Product(
            id=i,
            title=t,
            category=c,
            price=Decimal(p),
            in_stock=s,
            brand=b,
            rating=r,
            currency="GBP",
            attributes={"color": col},
            url=f"/products/{i}",
        )
        for i, t, c, p, s, b, r, col in ROWS
    ]


def ingest(settings: RetrievalSettings, embedder: object) -> HybridSearch:
    store = make_store(settings)
    Ingestor(store, embedder, settings).ingest(FeedReport(products=products()))  # type: ignore[arg-type]
    return HybridSearch(store, embedder, settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=["embedded", "server", "http"])
def search(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, st_embedder: object
) -> Iterator[ProductSearch]:
    tmp: Path = tmp_path_factory.mktemp(request.param)
    if request.param == "server":
        with chroma_server(tmp / "chroma") as url:
            yield ingest(RetrievalSettings(chroma_url=url, data_dir=tmp), st_embedder)
        return
    embedded = ingest(RetrievalSettings(data_dir=tmp), st_embedder)
    if request.param == "embedded":
        yield embedded
        return
    with serve_app(create_app(RetrievalSettings(data_dir=tmp), search=embedded)) as url:
        client = HttpProductSearch(url)
        yield client
        client.close()


def ids(page: object) -> list[str]:
    return [h.product.id for h in page.hits]  # type: ignore[attr-defined]


def test_finds_what_the_shopper_named(search: ProductSearch) -> None:
    hits = search.search("candle", k=5).hits
    assert all("Candle" in h.product.title for h in hits[:4])
    assert search.search("dinosaur lunch bag", k=3).hits[0].product.id == "b2"


def test_misspelled_query_still_finds_it(search: ProductSearch) -> None:
    page = search.search("candel holder", k=3)
    assert page.hits[0].product.id in {"c5", "c6"}
    assert page.corrected_query == "candle holder"


def test_meaning_without_shared_words(search: ProductSearch) -> None:
    # No title says "christmas ornament"; the vector channel knows baubles are.
    assert "x1" in ids(search.search("ornaments for the christmas tree", k=3))


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (SearchFilters(price_max=3), lambda p: p.price <= 3),
        (SearchFilters(price_min=5, price_max=10), lambda p: 5 <= p.price <= 10),
        (SearchFilters(in_stock=True), lambda p: p.in_stock),
        (SearchFilters(category="Kitchen"), lambda p: p.category.startswith("Kitchen")),
        (
            SearchFilters(category="home > candles > holders"),
            lambda p: p.category.endswith("Holders"),
        ),
        (SearchFilters(brands=["dotty", "Trail"]), lambda p: p.brand in {"Dotty", "Trail"}),
        (SearchFilters(min_rating=4.5), lambda p: p.rating is not None and p.rating >= 4.5),
        (SearchFilters(attributes={"color": "Red"}), lambda p: p.attributes["color"] == "red"),
    ],
)
def test_every_hit_satisfies_the_filters_and_the_page_is_full(search, filters, check) -> None:
    expected = [p for p in products() if check(p)]
    page = search.search("gift", filters, k=5)
    assert all(check(h.product) for h in page.hits)
    assert len(page.hits) == min(5, len(expected)), (
        "filters must not empty a page that could be full"
    )


def test_filters_apply_before_the_cut(search: ProductSearch) -> None:
    # Every candle outranks every bag for this query; a filter applied after a
    # top-k cut would come back empty.
    page = search.search("scented candle", SearchFilters(category="Bags"), k=4)
    assert len(page.hits) == 4 and all(h.product.category.startswith("Bags") for h in page.hits)


def test_pages_do_not_overlap(search: ProductSearch) -> None:
    first, second = search.search("kitchen", k=4), search.search("kitchen", k=4, offset=4)
    assert len(ids(second)) == 4 and not set(ids(first)) & set(ids(second))


def test_empty_query_browses_the_filtered_catalog(search: ProductSearch) -> None:
    page = search.search("", SearchFilters(category="Christmas"), k=10)
    assert sorted(ids(page)) == ["x1", "x2", "x3"]
    assert ids(page)[-1] == "x3", "out of stock comes last"


def test_facets_count_the_result_set(search: ProductSearch) -> None:
    facets = search.facets("", SearchFilters(category="Kitchen"))
    assert facets.total == 7
    counts = {f.value: f.count for f in facets.category}
    assert (
        counts["Kitchen"] == 7 and counts["Kitchen > Mugs"] == 3 and counts["Kitchen > Baking"] == 2
    )
    assert {f.value: f.count for f in facets.brand}["Dotty"] == 4
    assert {f.value: f.count for f in facets.price_band} == {"under 5": 4, "5-10": 2, "10-25": 1}


def test_lookup_by_id(search: ProductSearch) -> None:
    product = search.get("m2")
    assert product is not None and product.title == "Blue Enamel Camping Mug"
    assert product.price == Decimal("3.25") and product.currency == "GBP"
    assert search.get("nope") is None
    assert [p.id for p in search.get_many(["k3", "nope", "c1"])] == ["k3", "c1"]


def test_modes_and_stats(search: ProductSearch) -> None:
    keyword = search.search("zinc", k=5, mode="keyword")
    assert set(ids(keyword)) == {"c6", "g1"} and all(
        h.channels == ["keyword"] for h in keyword.hits
    )
    assert all(h.channels == ["vector"] for h in search.search("zinc", k=5, mode="vector").hits)
    stats = search.stats()
    assert stats.products == len(ROWS) and stats.model == "st:all-MiniLM-L6-v2"


def test_vocabulary_names_what_shoppers_can_ask_for(search: ProductSearch) -> None:
    vocab = search.vocabulary()
    assert vocab.categories["Home"] == 6 and vocab.categories["Home > Candles > Holders"] == 2
    assert vocab.brands["Dotty"] == 5 and vocab.attributes["color"]["red"] == 5
    assert (vocab.price_min, vocab.price_max, vocab.currency) == (0.42, 14.95, "GBP")
    assert vocab.products == len(ROWS)

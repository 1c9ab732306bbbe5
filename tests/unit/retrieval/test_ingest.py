"""Ingest: incremental by content hash, atomic by build-then-swap, and searches follow it."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from retrieval import (
    CatalogRejected,
    HashingEmbedder,
    HybridSearch,
    Ingestor,
    RetrievalSettings,
    RowError,
    make_store,
)
from retrieval.store import ChromaStore
from tests.unit.retrieval.conftest import catalog, feed


def ingestor(settings: RetrievalSettings, embedder: HashingEmbedder, store: Any = None) -> Ingestor:
    return Ingestor(store or make_store(settings), embedder, settings)


def search(settings: RetrievalSettings, embedder: HashingEmbedder) -> HybridSearch:
    return HybridSearch(make_store(settings), embedder, settings)


def test_first_ingest_then_unchanged_catalog_embeds_nothing(settings, embedder) -> None:
    first = ingestor(settings, embedder).ingest(feed(catalog()))
    assert (first.added, first.embedded, first.swapped) == (8, 8, True)

    again = ingestor(settings, embedder).ingest(feed(catalog()))
    assert (again.unchanged, again.embedded, again.swapped) == (8, 0, False)
    assert again.collection == first.collection


def test_changed_added_and_removed_products(settings, embedder) -> None:
    ingestor(settings, embedder).ingest(feed(catalog()))
    products = [
        p
        for p in catalog(c1={"price": Decimal("3.99")}, m1={"title": "Red Dotty Mug"})
        if p.id != "t1"
    ]
    products.append(products[0].model_copy(update={"id": "c9", "title": "Beeswax Candle"}))

    report = ingestor(settings, embedder).ingest(feed(products))

    assert (report.changed, report.added, report.removed, report.unchanged) == (2, 1, 1, 5)
    assert report.embedded == 3
    s = search(settings, embedder)
    assert s.get("t1") is None
    assert s.get("c1") is not None and s.get("c1").price == Decimal("3.99")  # type: ignore[union-attr]
    assert s.search("beeswax").hits[0].product.id == "c9"


def test_missing_products_can_be_marked_instead(settings, embedder) -> None:
    ingestor(settings, embedder).ingest(feed(catalog()))
    report = ingestor(settings, embedder).ingest(
        feed([p for p in catalog() if p.id != "t1"]), on_missing="mark"
    )
    assert report.marked == 1 and report.embedded == 0
    s = search(settings, embedder)
    assert s.get("t1") is not None, "a marked product can still be looked up"
    assert "t1" not in [h.product.id for h in s.search("tea towel", k=8).hits]
    assert s.stats().active == 7 and s.stats().products == 8


def test_bad_rows_fail_the_ingest_and_write_nothing(settings, embedder) -> None:
    ingestor(settings, embedder).ingest(feed(catalog()))
    live = make_store(settings).live(settings.collection_prefix)
    bad = feed(catalog(c1={"price": Decimal("1")}))
    bad.errors.append(RowError(4, "price 'abc' is not a number", "x9"))

    with pytest.raises(CatalogRejected, match=r"row 4 \(id x9\): price 'abc' is not a number"):
        ingestor(settings, embedder).ingest(bad)
    assert make_store(settings).live(settings.collection_prefix) == live

    skipped = ingestor(settings, embedder).ingest(bad, on_error="skip")
    assert skipped.changed == 1 and [e.row for e in skipped.skipped_rows] == [4]


class FailingStore(ChromaStore):
    """Dies on the n-th write, like a process killed mid-ingest."""

    def __init__(self, inner: ChromaStore, fail_on: int) -> None:
        self.__dict__.update(inner.__dict__)
        self._batch = 3  # small pages so that an ingest makes several writes
        self.writes, self.fail_on = 0, fail_on

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.writes += 1
        if self.writes == self.fail_on:
            raise OSError("disk full")
        super().add(*args, **kwargs)


def test_a_crash_mid_write_leaves_the_previous_version_live(settings, embedder) -> None:
    s = search(settings, embedder)
    ingestor(settings, embedder).ingest(feed(catalog()))
    before = [h.product.id for h in s.search("candle").hits]
    changed = catalog(**{pid: {"title": f"Changed {pid}"} for pid in ("c1", "c2", "m1", "m2")})
    store = FailingStore(make_store(settings), fail_on=2)

    with pytest.raises(OSError, match="disk full"):
        Ingestor(store, embedder, settings).ingest(feed(changed))

    fresh = make_store(settings)
    assert fresh.collections(settings.collection_prefix) == [fresh.live(settings.collection_prefix)]
    assert [h.product.id for h in search(settings, embedder).search("candle").hits] == before
    assert search(settings, embedder).get("c1").title == "Red Heart Candle"  # type: ignore[union-attr]


def test_a_running_search_picks_up_a_new_version(settings, embedder) -> None:
    ingestor(settings, embedder).ingest(feed(catalog()))
    s = search(settings, embedder)
    assert s.get("c9") is None
    products = catalog() + [catalog()[0].model_copy(update={"id": "c9", "title": "Soy Candle"})]
    ingestor(settings, embedder).ingest(feed(products))

    deadline = time.monotonic() + 10
    while s.get("c9") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert s.get("c9") is not None
    assert s.stats().products == 9

"""A new embedding model goes live whole: no search mixes two models' vectors."""

from __future__ import annotations

import threading

from retrieval import HashingEmbedder, HybridSearch, Ingestor, RetrievalSettings, make_store
from tests.unit.retrieval.conftest import catalog, feed


def test_no_search_sees_a_mixed_index_while_a_new_model_is_swapped_in(
    settings: RetrievalSettings,
) -> None:
    # Two "models" whose vectors share nothing: a query embedded by one finds nothing
    # sensible among the other's vectors, so a mixed search would miss its product.
    old, new = HashingEmbedder(), HashingEmbedder(salt="v2")
    models = {old.name: old, new.name: new}
    store = make_store(settings)
    Ingestor(store, old, settings).ingest(feed(catalog()))
    first = store.live("products")
    search = HybridSearch(
        make_store(settings), old, settings, embedders=lambda name: models[name or old.name]
    )
    titles = {p.id: p.title for p in catalog()}
    misses: list[tuple[str, str, list[str]]] = []
    served: list[str] = []
    stop = threading.Event()

    def shop() -> None:
        while not stop.is_set():
            for pid, title in titles.items():
                hits = search.search(title, k=1, mode="vector").hits
                if [h.product.id for h in hits] != [pid]:
                    misses.append((search.stats().collection, title, [h.product.id for h in hits]))
            served.append(search.stats().collection)

    shopper = threading.Thread(target=shop)
    shopper.start()
    try:
        while first not in served and shopper.is_alive():  # shoppers are searching the old one
            stop.wait(0.01)
        rebuilt = Ingestor(make_store(settings), new, settings).rebuild()
        assert rebuilt.swapped and rebuilt.collection != first
        # Wait for what must come after the swap: rounds of searches on the new version.
        done = threading.Event()

        def seen_new() -> None:
            while served.count(rebuilt.collection) < 3 and shopper.is_alive():
                stop.wait(0.01)
            done.set()

        threading.Thread(target=seen_new, daemon=True).start()
        assert done.wait(60), "the search never moved to the new model's collection"
    finally:
        stop.set()
        shopper.join()
    assert first in served and rebuilt.collection in served
    assert misses == []
    assert search.stats().model == new.name
    assert make_store(settings).collection_model(rebuilt.collection) == new.name


def test_a_rebuild_keeps_products_marked_gone_hidden(settings: RetrievalSettings) -> None:
    old, new = HashingEmbedder(), HashingEmbedder(salt="v2")
    store = make_store(settings)
    Ingestor(store, old, settings).ingest(feed(catalog()))
    Ingestor(store, old, settings).ingest(
        feed([p for p in catalog() if p.id != "m1"]), on_missing="mark"
    )
    Ingestor(store, new, settings).rebuild()
    search = HybridSearch(make_store(settings), new, settings)
    assert search.stats().products == len(catalog())
    assert "m1" not in [h.product.id for h in search.search("red spotty mug", k=8).hits]
    assert search.stats().model == new.name

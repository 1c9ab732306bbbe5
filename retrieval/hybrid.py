"""Hybrid product search: BM25 and vectors, filtered inside each channel, then fused."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from retrieval.analyzer import Analyzer
from retrieval.catalog import CatalogTable, from_metadata, keyword_fields, where_clause
from retrieval.embedder import Embedder, Vectors
from retrieval.errors import BadQuery, IndexNotReady
from retrieval.fusion import FusionParams, fuse
from retrieval.keyword import KeywordIndex
from retrieval.models import EmbedderPool
from retrieval.product import (
    Facets,
    Hit,
    IndexStats,
    Product,
    SearchFilters,
    SearchMode,
    SearchPage,
    Vocabulary,
)
from retrieval.settings import RetrievalSettings
from retrieval.store import VectorStore

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 500
MAX_PAGE = 100


class ProductSearch(Protocol):
    """What the assistant and the gateway ask of the catalog, in-process or over HTTP."""

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 10,
        offset: int = 0,
        mode: SearchMode = "hybrid",
        facets: bool = False,
    ) -> SearchPage:
        """One page of products for a query (an empty query browses the filtered catalog)."""
        ...

    def get(self, product_id: str) -> Product | None:
        """A product by id, or None when the catalog does not carry it."""
        ...

    def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        """The products the catalog carries among `product_ids`, in that order."""
        ...

    def facets(self, query: str, filters: SearchFilters | None = None) -> Facets:
        """Counts by category, brand and price band over a query's result set."""
        ...

    def stats(self) -> IndexStats:
        """What the live index holds; raises when it cannot be reached."""
        ...

    def vocabulary(self) -> Vocabulary:
        """The catalog's categories, brands, attribute values and price range."""
        ...


@dataclass(frozen=True)
class _Snapshot:
    """One live version, loaded: swapped whole when a new version goes live."""

    collection: str
    table: CatalogTable
    keyword: KeywordIndex
    analyzer: Analyzer
    embedder: Embedder  # the model that embedded this collection: queries use it too
    vocabulary: Vocabulary | None = None


def fusion_params(settings: RetrievalSettings) -> FusionParams:
    """The tuned fusion defaults, with any override from settings."""
    overrides: dict[str, Any] = {}
    for name in ("method", "keyword_weight", "vector_weight", "rrf_k"):
        value = getattr(settings, "fusion_method" if name == "method" else name)
        if value is not None and name in {f.name for f in dataclasses.fields(FusionParams)}:
            overrides[name] = value
    return dataclasses.replace(FusionParams(), **overrides)


class HybridSearch:
    """The in-process ProductSearch over a VectorStore and an Embedder.

    `embedders` gives the embedder a collection was made with, by the name the collection
    records; by default an `EmbedderPool` that loads fine-tuned versions from the models
    folder. A catalog version and its query model are loaded and swapped in together.
    """

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        settings: RetrievalSettings,
        embedders: Callable[[str | None], Embedder] | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._embedders = embedders or EmbedderPool(settings, embedder)
        self._settings = settings
        self._params = fusion_params(settings)
        self._snap: _Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._loading = False

    def use_fusion(self, params: FusionParams) -> None:
        """Fuse the channels with these parameters from now on (evaluation re-tunes them)."""
        self._params = params

    # -- the live version ---------------------------------------------------

    def load(self, collection: str | None = None) -> None:
        """Load a version (by default the live one) now, in this thread."""
        name = collection or self._store.live(self._settings.collection_prefix)
        if name is None:
            raise IndexNotReady("no catalog has been ingested yet: run `aisle ingest FEED`")
        started = time.perf_counter()
        model = self._store.collection_model(name)
        if model is None or model == self._embedder.name:
            embedder = self._embedder
        else:
            embedder = self._embedders(model)
        products: list[Product] = []
        active: list[bool] = []
        for batch in self._store.scan(name):
            for meta in batch.metadatas:
                products.append(from_metadata(meta))
                active.append(bool(meta.get("active", True)))
        analyzer = Analyzer(self._settings.language)
        keyword = KeywordIndex.build([keyword_fields(p) for p in products], analyzer=analyzer)
        table = CatalogTable(products, active)
        table.index_terms(analyzer)
        self._snap = _Snapshot(name, table, keyword, analyzer, embedder)
        self._checked = time.monotonic()
        log.info(
            "loaded %s (%s): %d products in %.1fs",
            name,
            embedder.name,
            len(products),
            time.perf_counter() - started,
        )

    def _current(self) -> _Snapshot:
        snap = self._snap
        if snap is None:
            with self._lock:
                if self._snap is None:
                    self.load()
            assert self._snap is not None
            return self._snap
        if time.monotonic() - self._checked >= self._settings.reload_interval_s:
            self._checked = time.monotonic()
            self._maybe_reload(snap.collection)
        return snap

    def _maybe_reload(self, loaded: str) -> None:
        try:
            live = self._store.live(self._settings.collection_prefix)
        except Exception:
            log.warning(
                "could not check the live catalog version; serving %s", loaded, exc_info=True
            )
            return
        if live is None or live == loaded or self._loading:
            return
        self._loading = True

        def reload() -> None:
            try:
                self.load(live)
            except Exception:
                log.exception("loading catalog version %s failed; still serving %s", live, loaded)
            finally:
                self._loading = False

        # Searches keep running on the old version while the new one loads.
        threading.Thread(target=reload, name="catalog-reload", daemon=True).start()

    # -- ProductSearch --------------------------------------------------------

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 10,
        offset: int = 0,
        mode: SearchMode = "hybrid",
        facets: bool = False,
    ) -> SearchPage:
        if len(query) > MAX_QUERY_CHARS:
            raise BadQuery(f"query is longer than {MAX_QUERY_CHARS} characters")
        if not 1 <= k <= MAX_PAGE or offset < 0:
            raise BadQuery(f"k must be 1..{MAX_PAGE} and offset >= 0")
        snap = self._current()
        query = " ".join(query.split())
        mask = snap.table.mask(filters)
        depth = max(offset + k, self._settings.facet_depth if facets else 0)
        corrected: str | None = None
        if not query:
            ranked = _browse(snap.table, mask, depth, filters.order if filters else "default")
        else:
            corrected = snap.analyzer.correct(query)
            ranked = self._rank(snap, query, corrected, filters, mask, depth, mode, None)
        hits = [
            Hit(product=snap.table.products[i], score=round(s, 6), channels=ch)
            for i, s, ch in ranked[offset : offset + k]
        ]
        return SearchPage(
            query=query,
            corrected_query=corrected if corrected and corrected != query.lower() else None,
            mode=mode if query else "hybrid",
            hits=hits,
            offset=offset,
            facets=(
                snap.table.facets([i for i, _, _ in ranked[:depth]], self._settings.price_bands)
                if facets
                else None
            ),
        )

    def search_many(
        self, queries: Sequence[str], k: int, mode: SearchMode = "hybrid"
    ) -> list[list[str]]:
        """Product ids for many queries at once (query vectors embedded in one batch)."""
        snap = self._current()
        mask = snap.table.mask(None)
        corrected = [snap.analyzer.correct(q) for q in queries]
        vecs = snap.embedder.embed_queries(corrected) if mode != "keyword" else None
        out = []
        for n, query in enumerate(queries):
            vec = None if vecs is None else vecs[n]
            ranked = self._rank(snap, query, corrected[n], None, mask, k, mode, vec)
            out.append([snap.table.products[i].id for i, _, _ in ranked[:k]])
        return out

    def _rank(
        self,
        snap: _Snapshot,
        query: str,
        corrected: str,
        filters: SearchFilters | None,
        mask: np.ndarray,
        depth: int,
        mode: SearchMode,
        vector: Vectors | None,
    ) -> list[tuple[int, float, list[Any]]]:
        n = max(self._settings.candidates, depth)
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        kw = snap.keyword.top(query, n, mask) if mode != "vector" else empty
        vec = empty
        if mode != "keyword":
            emb = vector if vector is not None else snap.embedder.embed_query(corrected)
            where = where_clause(filters, active_only=not snap.table.all_active)
            # Excluded words have no Chroma filter: fetch deeper and mask the hits.
            deep = n * 3 if filters is not None and filters.exclude_terms else n
            found = self._store.query(snap.collection, emb, deep, where)
            # A version swapped in meanwhile may hold ids this snapshot lacks.
            pairs = [
                (snap.table.index[i], s)
                for i, s in found
                if i in snap.table.index and mask[snap.table.index[i]]
            ][:n]
            if pairs:
                vec = (
                    np.asarray([i for i, _ in pairs], dtype=np.int64),
                    np.asarray([s for _, s in pairs], dtype=np.float32),
                )
        kw_set, vec_set = set(kw[0].tolist()), set(vec[0].tolist())
        if mode == "keyword":
            fused = list(zip(kw[0].tolist(), kw[1].tolist(), strict=True))
        elif mode == "vector":
            fused = list(zip(vec[0].tolist(), vec[1].tolist(), strict=True))
        else:
            fused = fuse(kw, vec, depth, self._params)
        return [
            (
                i,
                float(s),
                [c for c, hit in (("keyword", i in kw_set), ("vector", i in vec_set)) if hit],
            )
            for i, s in fused[:depth]
        ]

    def get(self, product_id: str) -> Product | None:
        snap = self._current()
        i = snap.table.index.get(product_id)
        return None if i is None else snap.table.products[i]

    def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        snap = self._current()
        return [
            snap.table.products[snap.table.index[p]] for p in product_ids if p in snap.table.index
        ]

    def facets(self, query: str, filters: SearchFilters | None = None) -> Facets:
        page = self.search(query, filters, k=1, facets=True)
        assert page.facets is not None
        return page.facets

    def vocabulary(self) -> Vocabulary:
        snap = self._current()
        if snap.vocabulary is None:
            # Computed once per loaded version, on first use.
            object.__setattr__(snap, "vocabulary", snap.table.vocabulary())
        assert snap.vocabulary is not None
        return snap.vocabulary

    def stats(self) -> IndexStats:
        self._store.ping()
        snap = self._current()
        return IndexStats(
            products=len(snap.table),
            active=int(snap.table.active.sum()),
            collection=snap.collection,
            model=snap.embedder.name,
        )


def _browse(
    table: CatalogTable, mask: np.ndarray, depth: int, order: str = "default"
) -> list[tuple[int, float, list[Any]]]:
    """An empty query lists the filtered catalog: in stock first, best rated, then by title,
    or in the order asked for (price, rating, most rated) over every product that passes."""
    idx = np.flatnonzero(mask)
    ps = table.products
    keys: dict[str, Any] = {
        "default": lambda i: (not table.in_stock[i], -table.rating[i], ps[i].title.lower()),
        "price_asc": lambda i: (table.price[i], not table.in_stock[i]),
        "price_desc": lambda i: (-table.price[i], not table.in_stock[i]),
        "rating_desc": lambda i: (-table.rating[i], -ps[i].rating_count, not table.in_stock[i]),
        "popularity": lambda i: (-ps[i].rating_count, not table.in_stock[i]),
    }
    ordered = sorted(idx.tolist(), key=keys.get(order, keys["default"]))
    return [(i, 0.0, ["browse"]) for i in ordered[:depth]]

"""Incremental, atomic catalog ingest: embed only what changed, build a new version, swap.

The live collection is never written to. An ingest reads the live version's
content hashes, and when anything differs it builds a complete new collection
(copying the vectors of unchanged products, embedding new and changed ones)
and then points the live pointer at it in one write. A crash at any point
leaves the previous version live; a half-built collection is dropped by the
next ingest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from retrieval.catalog import (
    content_hash,
    embedding_text,
    from_metadata,
    record_hash,
    to_metadata,
)
from retrieval.embedder import Embedder, Vectors
from retrieval.errors import CatalogRejected
from retrieval.feed import FeedReport, RowError
from retrieval.product import Product
from retrieval.settings import RetrievalSettings
from retrieval.store import VectorStore

log = logging.getLogger(__name__)

OnMissing = Literal["remove", "mark"]
OnError = Literal["fail", "skip"]
Progress = Callable[[int, int], None]  # (done, total) embedded so far


@dataclass
class IngestReport:
    """What an ingest did."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    marked: int = 0
    embedded: int = 0
    skipped_rows: list[RowError] = field(default_factory=list)
    collection: str | None = None
    swapped: bool = False
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Products live after the ingest (marked ones included)."""
        return self.added + self.changed + self.unchanged + self.marked


class Ingestor:
    """Turns a feed into the live product collection of a store."""

    def __init__(self, store: VectorStore, embedder: Embedder, settings: RetrievalSettings) -> None:
        self._store = store
        self._embedder = embedder
        self._settings = settings
        self._key = settings.collection_prefix

    def _live_hashes(self, live: str | None) -> dict[str, tuple[str, bool]]:
        if live is None:
            return {}
        hashes: dict[str, tuple[str, bool]] = {}
        for batch in self._store.scan(live):
            for pid, meta in zip(batch.ids, batch.metadatas, strict=True):
                hashes[pid] = (record_hash(meta), bool(meta.get("active", True)))
        return hashes

    def ingest(
        self,
        feed: FeedReport,
        *,
        on_error: OnError = "fail",
        on_missing: OnMissing = "remove",
        progress: Progress | None = None,
    ) -> IngestReport:
        """Bring the live collection in line with the feed; see the module docstring."""
        started = time.perf_counter()
        if feed.errors and on_error == "fail":
            shown = "; ".join(str(e) for e in feed.errors[:10])
            more = f" (and {len(feed.errors) - 10} more)" if len(feed.errors) > 10 else ""
            raise CatalogRejected(f"{len(feed.errors)} bad rows, nothing ingested: {shown}{more}")
        report = IngestReport(skipped_rows=list(feed.errors))
        live = self._store.live(self._key)
        old = self._live_hashes(live)
        model, desc_chars = self._embedder.name, self._settings.max_description_chars
        digests = {p.id: content_hash(p, model, desc_chars) for p in feed.products}

        fresh: list[Product] = []
        kept: dict[str, str] = {}  # id -> digest, records copied from the live version
        for p in feed.products:
            before = old.get(p.id)
            if before is not None and before[0] == digests[p.id] and before[1]:
                kept[p.id] = digests[p.id]
                report.unchanged += 1
            else:
                fresh.append(p)
                if before is None:
                    report.added += 1
                else:
                    report.changed += 1
        missing = [pid for pid in old if pid not in digests]
        if on_missing == "mark":
            report.marked = len(missing)
        else:
            report.removed = len(missing)
        already_marked = all(not old[pid][1] for pid in missing) if missing else True
        if not fresh and (not missing or (on_missing == "mark" and already_marked)):
            report.collection = live
            report.seconds = time.perf_counter() - started
            log.info("catalog unchanged (%d products): nothing to do", report.unchanged)
            return report

        self._drop_unfinished(live)
        target = self._store.new_collection(self._key, model=self._embedder.name)
        report.collection = target
        try:
            if live is not None:
                mark = set(missing) if on_missing == "mark" else set()
                self._copy(live, target, kept, mark)
            report.embedded = self._embed_into(target, fresh, digests, progress)
            held = self._store.count(target)
            if held != report.total:
                raise RuntimeError(f"new collection holds {held} records, expected {report.total}")
        except BaseException:
            log.warning("ingest failed; %s stays live, dropping %s", live, target)
            try:
                self._store.drop(target)
            except Exception:  # the next ingest drops it; the original error matters more
                log.exception("could not drop unfinished collection %s", target)
            raise
        self._store.set_live(self._key, target)
        report.swapped = True
        self._prune(target)
        report.seconds = time.perf_counter() - started
        log.info("ingest done: %s", report)
        return report

    def live_catalog(self, source: str | None = None) -> tuple[str, list[Product], list[bool]]:
        """The live collection's (or `source`'s) name, products and active flags, in order."""
        live = source or self._store.live(self._key)
        if live is None:
            raise CatalogRejected("no catalog has been ingested yet: run `aisle ingest FEED`")
        products: list[Product] = []
        active: list[bool] = []
        for batch in self._store.scan(live):
            for meta in batch.metadatas:
                products.append(from_metadata(meta))
                active.append(bool(meta.get("active", True)))
        return live, products, active

    def rebuild(
        self,
        progress: Progress | None = None,
        vectors: Mapping[str, Vectors] | None = None,
        source: str | None = None,
    ) -> IngestReport:
        """Re-embed the whole live catalog with this ingestor's embedder, then swap it in.

        The new collection is built beside the live one, which keeps serving until the
        new one holds every product; products marked gone stay marked. `vectors` are
        already computed embeddings by product id (from this embedder) to write as they
        are. `source` reads the products from another collection than the live one. This
        is how a new embedding model goes live, and how a rollback returns to an old one
        whose collection was pruned.
        """
        started = time.perf_counter()
        source, products, active = self.live_catalog(source)
        live = self._store.live(self._key)
        report = IngestReport(unchanged=0, changed=len(products))
        model, desc_chars = self._embedder.name, self._settings.max_description_chars
        digests = {p.id: content_hash(p, model, desc_chars) for p in products}
        inactive = {p.id for p, on in zip(products, active, strict=True) if not on}
        self._drop_unfinished(live)
        target = self._store.new_collection(self._key, model=model)
        report.collection = target
        try:
            report.embedded = self._embed_into(
                target, products, digests, progress, inactive=inactive, vectors=vectors
            )
            held = self._store.count(target)
            if held != len(products):
                raise RuntimeError(f"new collection holds {held} records, expected {len(products)}")
        except BaseException:
            log.warning("re-embedding failed; %s stays live, dropping %s", source, target)
            try:
                self._store.drop(target)
            except Exception:
                log.exception("could not drop unfinished collection %s", target)
            raise
        self._store.set_live(self._key, target)
        report.swapped = True
        self._prune(target)
        report.seconds = time.perf_counter() - started
        log.info("re-embedded %d products with %s into %s", len(products), model, target)
        return report

    def _copy(self, live: str, target: str, kept: dict[str, str], mark: set[str]) -> None:
        """Copy the records of unchanged (and marked-gone) products, vectors and all."""
        for batch in self._store.scan(live, embeddings=True):
            assert batch.embeddings is not None
            rows = [i for i, pid in enumerate(batch.ids) if pid in kept or pid in mark]
            if not rows:
                continue
            metas = []
            for i in rows:
                meta = dict(batch.metadatas[i])
                if batch.ids[i] in mark:
                    meta["active"] = False
                metas.append(meta)
            self._store.add(
                target, [batch.ids[i] for i in rows], batch.embeddings[rows], None, metas
            )

    def _embed_into(
        self,
        target: str,
        products: Sequence[Product],
        digests: dict[str, str],
        progress: Progress | None,
        *,
        inactive: set[str] | None = None,
        vectors: Mapping[str, Vectors] | None = None,
    ) -> int:
        """Embed products (longest text first, so batches pad little), then write them.

        Products with a vector in `vectors` are written with it instead of being embedded.
        """
        if not products:
            return 0
        desc_chars = self._settings.max_description_chars
        given = vectors or {}
        out = np.empty((len(products), self._embedder.dim), dtype=np.float32)
        todo = []
        for i, p in enumerate(products):
            if p.id in given:
                out[i] = given[p.id]
            else:
                todo.append(i)
        texts = {i: embedding_text(products[i], desc_chars) for i in todo}
        order = sorted(todo, key=lambda i: len(texts[i]), reverse=True)
        chunk = max(self._settings.batch_size * 4, 128)
        for start in range(0, len(order), chunk):
            idx = order[start : start + chunk]
            out[idx] = self._embedder.embed_documents([texts[i] for i in idx])
            if progress is not None:
                progress(start + len(idx), len(order))
        # Written after embedding, not beside it: Chroma holds the GIL while it
        # writes, and interleaving the two cost more (0.80-0.86x of bare encoding
        # on 5,000 titles) than writing at the end (0.93x). No documents: the
        # product is in the metadata, and Chroma would index the text for a
        # full-text search we never use.
        gone = inactive or set()
        self._store.add(
            target,
            [p.id for p in products],
            out,
            None,
            [to_metadata(p, digests[p.id], active=p.id not in gone) for p in products],
        )
        return len(order)

    def _drop_unfinished(self, live: str | None) -> None:
        """Drop versions newer than the live one: leftovers of an ingest that died."""
        for name in self._store.collections(self._key):
            if live is None or name > live:
                log.warning("dropping unfinished collection %s", name)
                self._store.drop(name)

    def _prune(self, live: str) -> None:
        older = [n for n in self._store.collections(self._key) if n < live]
        for name in older[: max(0, len(older) - (self._settings.keep_versions - 1))]:
            self._store.drop(name)

"""Adapting the embedder to the shop: train, decide on held-out pairs, publish, re-embed, roll back.

`train_embedder` is what `aisle train embedder` and the chart's CronJob run:

1. merge the pairs (one per query and product) and hold out a slice of the queries;
2. mine hard negatives for the training queries from the live index's own vectors;
3. fine-tune the base model (`retrieval.finetune`);
4. embed the catalog with the new model and score both models on the held-out slice
   (nDCG@10 by exact search over every active product);
5. only when the new model scores higher: publish it as a new model version, write the
   catalog into a new collection version with its vectors, swap the live pointer (the old
   collection serves until then), and make the version current. Otherwise nothing changes
   and the report says why.

`rollback_embedder` returns to the previous model: to its collection when that is still
kept (an instant swap), else by re-embedding the catalog with it.
"""

from __future__ import annotations

import fcntl
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.catalog import embedding_text, from_metadata
from retrieval.embedder import Embedder, SentenceTransformerEmbedder, bundled_model_path
from retrieval.errors import IndexNotReady, TrainingRefused
from retrieval.finetune import (
    FinetuneConfig,
    FinetuneResult,
    finetune,
    judged_negatives,
    mine_hard_negatives,
    ndcg_on_slice,
    pick_negatives,
)
from retrieval.ingest import Ingestor, Progress
from retrieval.models import (
    BASE,
    EmbedderPool,
    ModelRegistry,
    embedder_name,
    load_version,
    models_dir,
    new_version,
)
from retrieval.pairs import Pair, merge_pairs, normalize_query, split_by_query
from retrieval.product import Product
from retrieval.settings import RetrievalSettings
from retrieval.store import VectorStore, make_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainOptions:
    """What decides a training beyond the fine-tune itself.

    Attributes:
        min_label: pairs with a label at least this are positives.
        held_share: share of queries held out to decide promotion (never trained on).
        min_gain: the new model must beat the current one's held-out nDCG@10 by more.
        min_held_queries: fewer held-out queries with a positive refuse the training.
        negative_below: pairs labelled below this are their query's hard negatives (a
            product shown for the query and not chosen, or judged irrelevant); such a
            query trains against one of them instead of a mined one. None: mined only.
        dry_run: train and score, but change nothing.
        target_key: write the new collection under this prefix instead of the live one's
            (the evaluation keeps its baseline index); implies building it whatever the
            decision, and never makes the model current.
    """

    min_label: float = 1.0
    held_share: float = 0.1
    min_gain: float = 0.0
    min_held_queries: int = 20
    negative_below: float | None = None
    dry_run: bool = False
    target_key: str | None = None


@dataclass
class TrainReport:
    """What a training did and why."""

    pairs: int = 0
    positives: int = 0
    train_queries: int = 0
    judged_negatives: int = 0
    held_queries: int = 0
    current: str = BASE
    candidate: str | None = None
    current_score: float = 0.0
    candidate_score: float = 0.0
    promoted: bool = False
    reason: str = ""
    collection: str | None = None
    finetune: FinetuneResult | None = None
    embed_seconds: float = 0.0
    seconds: float = 0.0
    held_out: list[Pair] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        out = {k: v for k, v in self.__dict__.items() if k not in {"finetune", "held_out"}}
        if self.finetune is not None:
            out["finetune"] = self.finetune.__dict__ | {"pairs_per_s": self.finetune.pairs_per_s}
        return out


@contextmanager
def training_lock(root: Path) -> Iterator[None]:
    """One training or rollback at a time per models folder; a second fails at once."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise TrainingRefused("another embedder training or rollback is running") from e
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _live_vectors(
    store: VectorStore, collection: str
) -> tuple[list[Product], np.ndarray, np.ndarray]:
    """Products, active flags and stored vectors of a collection."""
    products: list[Product] = []
    active: list[bool] = []
    vectors: list[np.ndarray] = []
    for batch in store.scan(collection, embeddings=True):
        assert batch.embeddings is not None
        for meta in batch.metadatas:
            products.append(from_metadata(meta))
            active.append(bool(meta.get("active", True)))
        vectors.append(batch.embeddings)
    stacked = np.concatenate(vectors) if vectors else np.zeros((0, 1), np.float32)
    return products, np.asarray(active, dtype=bool), stacked


def _base_path(settings: RetrievalSettings) -> str:
    return settings.model_path or bundled_model_path()


def train_embedder(
    settings: RetrievalSettings,
    pairs: Sequence[Pair],
    options: TrainOptions,
    config: FinetuneConfig,
    *,
    progress: bool = False,
    on_embed: Progress | None = None,
    store: VectorStore | None = None,
) -> TrainReport:
    """Train a new embedder from the shop's pairs and promote it only if it wins.

    Args:
        settings: where the catalog and the models live.
        pairs: (query, product, label) pairs, in any order, repeats allowed.
        options: the promotion rule and what to change.
        config: the fine-tune's parameters.
        progress: draw the trainer's progress bar.
        on_embed: called with (done, total) while the catalog is embedded.
        store: the vector store (default: the one settings choose).

    Returns:
        The report: scores of both models, the decision and its reason.

    Raises:
        TrainingRefused: too few pairs, or another training is running.
        IndexNotReady: no catalog has been ingested.
    """
    started = time.perf_counter()
    store = store or make_store(settings)
    registry = ModelRegistry(models_dir(settings))
    report = TrainReport(current=registry.current())
    with training_lock(registry.root):
        live = store.live(settings.collection_prefix)
        if live is None:
            raise IndexNotReady("no catalog has been ingested yet: run `aisle ingest FEED`")
        products, active, vectors = _live_vectors(store, live)
        ids = [p.id for p in products]
        known = set(ids)
        merged = [p for p in merge_pairs(pairs) if p.product_id in known]
        report.pairs = len(merged)
        positives = [p for p in merged if p.label >= options.min_label]
        report.positives = len(positives)
        kept, held = split_by_query(merged, options.held_share, salt="promotion")
        train = [p for p in kept if p.label >= options.min_label]
        held_q = {normalize_query(p.query) for p in held if p.label >= options.min_label}
        report.train_queries = len({normalize_query(p.query) for p in train})
        report.held_queries = len(held_q)
        report.held_out = held
        if len(held_q) < options.min_held_queries or not train:
            raise TrainingRefused(
                f"{report.positives} positive pairs of catalog products leave {len(held_q)} "
                f"held-out queries (need {options.min_held_queries}) and "
                f"{report.train_queries} training queries: record more searches first"
            )
        model_name = store.collection_model(live)
        current = EmbedderPool(settings, load_version(report.current, settings))(model_name)
        desc = settings.max_description_chars
        texts = {p.id: embedding_text(p, desc) for p in products}
        act_ids = [i for i, on in zip(ids, active, strict=True) if on]
        act_vecs = vectors[active]

        train_queries = list(dict.fromkeys(normalize_query(p.query) for p in train))
        judged: dict[str, set[str]] = {}
        for p in merged:
            judged.setdefault(normalize_query(p.query), set()).add(p.product_id)
        negatives = mine_hard_negatives(
            train, current.embed_queries(train_queries), act_ids, act_vecs, judged, config
        )
        if options.negative_below is not None:
            shown = judged_negatives(merged, min(options.negative_below, options.min_label))
            picked = pick_negatives(shown, set(train_queries), config.seed)
            negatives.update(picked)
            report.judged_negatives = len(picked)
        version = new_version()
        with tempfile.TemporaryDirectory(prefix="aisle-embedder-") as scratch:
            out = Path(scratch) / version  # the folder's name is the embedder's name
            out.mkdir()
            report.finetune = finetune(
                _base_path(settings), train, texts, negatives, out, config, progress
            )
            report.candidate = version
            candidate = SentenceTransformerEmbedder(str(out), config.device, settings.batch_size)
            embed_started = time.perf_counter()
            new_vectors = candidate.embed_documents(
                [texts[i] for i in ids], on_batch=_counter(on_embed, len(ids))
            )
            report.embed_seconds = time.perf_counter() - embed_started
            held_queries = list(dict.fromkeys(normalize_query(p.query) for p in held))
            report.current_score = ndcg_on_slice(
                held, current.embed_queries(held_queries), act_ids, act_vecs, options.min_label
            )
            report.candidate_score = ndcg_on_slice(
                held,
                candidate.embed_queries(held_queries),
                act_ids,
                new_vectors[active],
                options.min_label,
            )
            gain = report.candidate_score - report.current_score
            report.promoted = gain > options.min_gain
            verdict = "beats" if report.promoted else "does not beat"
            report.reason = (
                f"on {report.held_queries} held-out queries the new model's nDCG@10 "
                f"{report.candidate_score:.4f} {verdict} the current model's "
                f"{report.current_score:.4f} by more than {options.min_gain:g} "
                f"(by {gain:+.4f})"
            )
            build = options.target_key is not None or (report.promoted and not options.dry_run)
            if not build:
                report.reason += "; nothing changed" + (" (dry run)" if options.dry_run else "")
                report.seconds = time.perf_counter() - started
                return report
            card = {
                "version": version,
                "base": _base_path(settings),
                "trained_from": report.current,
                "pairs": report.pairs,
                "positives": report.positives,
                "train_queries": report.train_queries,
                "held_queries": report.held_queries,
                "held_ndcg@10": {"current": report.current_score, "new": report.candidate_score},
                "config": config.__dict__,
                "seconds": report.finetune.seconds,
            }
            registry.publish(version, lambda folder: _copy_model(out, folder), card)
        candidate = load_version(version, settings)
        by_id = {pid: new_vectors[n] for n, pid in enumerate(ids)}
        target = settings.model_copy(
            update={"collection_prefix": options.target_key or settings.collection_prefix}
        )
        rebuilt = Ingestor(store, candidate, target).rebuild(vectors=by_id, source=live)
        report.collection = rebuilt.collection
        if options.target_key is None:
            registry.promote(version)
            registry.prune(settings.keep_models)
            report.reason += f"; promoted {version}, live collection {rebuilt.collection}"
    report.seconds = time.perf_counter() - started
    return report


def _copy_model(source: Path, folder: Path) -> None:
    shutil.copytree(source, folder, dirs_exist_ok=True)


def _counter(on_embed: Progress | None, total: int) -> Any:
    done = 0

    def batch(n: int) -> None:
        nonlocal done
        done += n
        if on_embed is not None:
            on_embed(done, total)

    return batch


@dataclass
class RollbackReport:
    """What a rollback did."""

    rolled_back: str
    current: str
    collection: str
    reembedded: bool
    seconds: float


def rollback_embedder(
    settings: RetrievalSettings,
    *,
    on_embed: Progress | None = None,
    store: VectorStore | None = None,
) -> RollbackReport:
    """Serve the previous embedding model again, in one step.

    The newest kept collection embedded with that model goes live again when there is
    one; otherwise the catalog is re-embedded with it beside the live collection, which
    serves until then. The rolled-back version stays on disk (pruned later).

    Raises:
        TrainingRefused: nothing to roll back to, or a training is running.
    """
    started = time.perf_counter()
    store = store or make_store(settings)
    registry = ModelRegistry(models_dir(settings))
    with training_lock(registry.root):
        target = registry.previous()
        if target is None:
            raise TrainingRefused("the base model is current: there is nothing to roll back to")
        leaving = registry.current()
        key = settings.collection_prefix
        live = store.live(key)
        name = embedder_name(target, settings)
        older = [c for c in store.collections(key) if live is None or c < live]
        kept = [c for c in older if store.collection_model(c) == name]
        reembedded = not kept
        if kept:
            collection = kept[-1]
            store.set_live(key, collection)
        else:
            embedder: Embedder = load_version(target, settings)
            rebuilt = Ingestor(store, embedder, settings).rebuild(progress=on_embed)
            assert rebuilt.collection is not None
            collection = rebuilt.collection
        registry.rollback()
    log.info("rolled back from %s to %s (%s)", leaving, target, collection)
    return RollbackReport(
        rolled_back=leaving,
        current=target,
        collection=collection,
        reembedded=reembedded,
        seconds=time.perf_counter() - started,
    )


def embedder_status(
    settings: RetrievalSettings, store: VectorStore | None = None
) -> dict[str, Any]:
    """The live collection's embedder, the current model version and the history."""
    store = store or make_store(settings)
    registry = ModelRegistry(models_dir(settings))
    live = store.live(settings.collection_prefix)
    current = registry.current()
    model = store.collection_model(live) if live else None
    card = registry.card(current)
    return {
        "live_collection": live,
        "live_model": model or (embedder_name(BASE, settings) if live else None),
        "current_version": current,
        "history": registry.history(),
        "held_ndcg@10": card.get("held_ndcg@10"),
        "reembedding": bool(live and model and model != embedder_name(current, settings)),
    }

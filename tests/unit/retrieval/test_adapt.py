"""The embedder learns the shop's language: a real fine-tune, the promotion rule, rollback."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from retrieval import HybridSearch, Ingestor, RetrievalSettings, make_store
from retrieval.adapt import (
    TrainingRefused,
    TrainOptions,
    embedder_status,
    rollback_embedder,
    train_embedder,
)
from retrieval.feed import FeedReport
from retrieval.finetune import FinetuneConfig
from retrieval.models import ModelRegistry
from retrieval.pairs import Pair, split_by_query
from tests.unit.retrieval.shop_language import pairs, products

# A tiny shop needs several passes and a brisk rate to learn 10 words in seconds.
CONFIG = FinetuneConfig(epochs=4, batch_size=8, learning_rate=1e-4)
OPTIONS = TrainOptions(min_label=1.0, held_share=0.3, min_held_queries=3)
BASE_NAME = "st:all-MiniLM-L6-v2"


def _settings(data_dir: Path) -> RetrievalSettings:
    return RetrievalSettings(data_dir=data_dir, reload_interval_s=0, candidates=20)


def _found_first(search: HybridSearch, queries: list[Pair]) -> int:
    """How many queries find their product first in the vector channel."""
    return sum(
        1
        for p in queries
        if [h.product.id for h in search.search(p.query, k=1, mode="vector").hits] == [p.product_id]
    )


@pytest.fixture(scope="module")
def promoted(tmp_path_factory: pytest.TempPathFactory, st_embedder: Any) -> dict[str, Any]:
    """The German-speaking shop: ingested with the base model, then trained once."""
    data_dir = tmp_path_factory.mktemp("shop") / "retrieval"
    settings = _settings(data_dir)
    Ingestor(make_store(settings), st_embedder, settings).ingest(FeedReport(products=products()))
    base_collection = make_store(settings).live("products")
    _, held = split_by_query(pairs(), OPTIONS.held_share, salt="promotion")
    before = _found_first(HybridSearch(make_store(settings), st_embedder, settings), held)
    report = train_embedder(settings, pairs(), OPTIONS, CONFIG)
    return {
        "dir": data_dir,
        "report": report,
        "held": held,
        "before": before,
        "base_collection": base_collection,
    }


def _wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 60
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


def _copy(promoted: dict[str, Any], tmp_path: Path) -> RetrievalSettings:
    target = tmp_path / "retrieval"
    shutil.copytree(promoted["dir"], target)
    return _settings(target)


def test_a_fine_tune_on_the_shops_pairs_wins_and_serves_german_queries(
    promoted: dict[str, Any], st_embedder: Any
) -> None:
    report = promoted["report"]
    assert report.promoted, report.reason
    assert report.candidate_score > report.current_score
    settings = _settings(promoted["dir"])
    registry = ModelRegistry(settings.data_dir / "models")
    assert registry.current() == report.candidate
    assert registry.card(report.candidate)["held_ndcg@10"]["new"] == report.candidate_score

    # A fresh search process loads the live collection with the model that embedded it.
    search = HybridSearch(make_store(settings), st_embedder, settings)
    assert search.stats().model == f"st:{report.candidate}"
    assert search.stats().collection == report.collection
    after = _found_first(search, promoted["held"])
    assert after > promoted["before"], (after, promoted["before"], len(promoted["held"]))


def test_a_worse_model_is_refused_and_nothing_changes(tmp_path: Path, st_embedder: Any) -> None:
    settings = _settings(tmp_path / "retrieval")
    Ingestor(make_store(settings), st_embedder, settings).ingest(FeedReport(products=products()))
    live = make_store(settings).live("products")
    # Training queries tied to the wrong products (a broken click log); held-out ones right.
    kept, held = split_by_query(pairs(), OPTIONS.held_share, salt="promotion")
    ids = [p.product_id for p in kept]
    random.Random(1).shuffle(ids)
    noisy = [Pair(p.query, pid, p.label) for p, pid in zip(kept, ids, strict=True)]

    report = train_embedder(settings, noisy + held, OPTIONS, CONFIG)

    assert not report.promoted
    assert "does not beat" in report.reason and "nothing changed" in report.reason
    assert report.candidate_score <= report.current_score
    assert make_store(settings).live("products") == live
    assert make_store(settings).collections("products") == [live]
    registry = ModelRegistry(settings.data_dir / "models")
    assert registry.history() == [] and not list(registry.root.glob("ft-*"))
    search = HybridSearch(make_store(settings), st_embedder, settings)
    assert search.stats().model == BASE_NAME


def test_rollback_swaps_back_to_the_kept_collection(
    promoted: dict[str, Any], tmp_path: Path, st_embedder: Any
) -> None:
    settings = _copy(promoted, tmp_path)
    search = HybridSearch(make_store(settings), st_embedder, settings)
    assert search.stats().model == f"st:{promoted['report'].candidate}"

    back = rollback_embedder(settings)

    assert (back.current, back.reembedded) == ("base", False)
    assert back.collection == promoted["base_collection"]
    # The running search follows the live pointer: it loads the old version beside the
    # one it serves, then serves it with the model that embedded it.
    _wait_for(lambda: search.stats().collection == promoted["base_collection"])
    assert search.stats().model == BASE_NAME
    status = embedder_status(settings)
    assert status["current_version"] == "base" and status["live_model"] == BASE_NAME
    with pytest.raises(TrainingRefused, match="nothing to roll back"):
        rollback_embedder(settings)


def test_rollback_reembeds_when_the_old_collection_is_gone(
    promoted: dict[str, Any], tmp_path: Path, st_embedder: Any
) -> None:
    settings = _copy(promoted, tmp_path)
    store = make_store(settings)
    store.drop(promoted["base_collection"])

    back = rollback_embedder(settings)

    assert back.reembedded and back.collection != promoted["base_collection"]
    assert store.live("products") == back.collection
    assert store.collection_model(back.collection) == BASE_NAME
    search = HybridSearch(make_store(settings), st_embedder, settings)
    assert search.stats().products == len(products())
    hits = search.search("red candle", k=1, mode="vector").hits
    assert hits[0].product.title == "Red Candle"


def test_too_few_pairs_are_refused_before_training(tmp_path: Path, st_embedder: Any) -> None:
    settings = _settings(tmp_path / "retrieval")
    Ingestor(make_store(settings), st_embedder, settings).ingest(FeedReport(products=products()))
    with pytest.raises(TrainingRefused, match="held-out queries"):
        train_embedder(settings, pairs()[:3], TrainOptions(min_held_queries=20), CONFIG)
    assert not (settings.data_dir / "models").exists() or not list(
        (settings.data_dir / "models").glob("ft-*")
    )

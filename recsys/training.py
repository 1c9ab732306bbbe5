"""Training: read the store, fit the models, publish a versioned artifact atomically.

`train()` is what `aisle train` runs. Popularity and co-occurrence are always fitted
(they are the cold-start floor and the "bought together" table); the requested models
come on top, and the first one (or `settings.model` with "all") is the primary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from recsys.artifacts import Artifact, save_artifact
from recsys.catalog import ItemTable, read_catalog
from recsys.cooccurrence import CooccurrenceModel
from recsys.dataset import Dataset, build_dataset
from recsys.errors import TrainingFailed
from recsys.popularity import PopularityModel
from recsys.registry import MODEL_NAMES, fit_model, is_model_name
from recsys.scoring import Scorer
from recsys.settings import RecsysSettings
from recsys.store import InteractionStore, file_sha256, frame_hash
from recsys.versions import new_version, publish, training_lock

__all__ = ["MODEL_NAMES", "TrainResult", "build_artifact", "fit_models", "train"]

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What a training published."""

    version: str
    path: Path
    models: list[str]
    primary: str
    metrics: dict[str, Any]


def fit_one(name: str, data: Dataset, settings: RecsysSettings, progress: bool) -> Scorer:
    """Fit the model called `name` on `data`."""
    if not is_model_name(name):
        raise TrainingFailed(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    return fit_model(name, data, settings, progress)


def fit_models(
    data: Dataset, settings: RecsysSettings, names: Sequence[str], progress: bool = False
) -> tuple[dict[str, Scorer], dict[str, float]]:
    """Fit pop, cooc and `names`; returns the models and each one's fit time in seconds."""
    wanted = list(dict.fromkeys(["pop", "cooc", *names]))
    models: dict[str, Scorer] = {}
    seconds: dict[str, float] = {}
    bar = tqdm(wanted, desc="training", unit="model", disable=not progress, leave=False)
    for name in bar:
        bar.set_postfix_str(name)
        start = time.perf_counter()
        models[name] = fit_one(name, data, settings, progress)
        seconds[name] = round(time.perf_counter() - start, 3)
    return models, seconds


def build_artifact(
    data: Dataset,
    models: dict[str, Scorer],
    primary: str,
    items: ItemTable,
    version: str,
    meta: dict[str, Any] | None = None,
) -> Artifact:
    """Assemble fitted models and their id maps into an (unsaved) artifact."""
    popularity, cooccurrence = models["pop"], models["cooc"]
    assert isinstance(popularity, PopularityModel)
    assert isinstance(cooccurrence, CooccurrenceModel)
    return Artifact(
        version=version,
        items=items,
        user_ids=data.user_ids,
        user_items=data.confidence,
        purchased=data.purchased,
        popularity=popularity,
        cooccurrence=cooccurrence,
        models=models,
        primary=primary,
        meta=meta or {},
    )


def load_training_frame(settings: RecsysSettings, store: InteractionStore) -> pd.DataFrame:
    """Every stored interaction; a store that never had an ingest first takes the
    configured interactions file (the demo shop's by default)."""
    if store.batches() == 0 and settings.interactions_path.is_file():
        log.info("empty store: ingesting %s first", settings.interactions_path)
        store.ingest_file(settings.interactions_path, on_error=settings.on_bad_rows)
    return store.load()


def train(
    settings: RecsysSettings,
    models: Sequence[str] | None = None,
    *,
    progress: bool = False,
) -> TrainResult:
    """Train on the store's interactions and switch serving to the new artifact.

    Args:
        settings: where the data lives and every hyperparameter.
        models: model names, or None / ["all"] for every model (primary: settings.model).
        progress: show progress bars on stderr.

    Returns:
        The published version.

    Raises:
        TrainingFailed: anything went wrong; the previous artifact still serves.
    """
    names = list(models or ["all"])
    if "all" in names:
        names = [settings.model, *[m for m in MODEL_NAMES if m != settings.model]]
    unknown = [n for n in names if not is_model_name(n)]
    if unknown:
        raise TrainingFailed(f"unknown model(s) {unknown}; known: {', '.join(MODEL_NAMES)}")
    primary = names[0]
    root = settings.artifacts_dir
    try:
        with training_lock(root):
            store = InteractionStore(settings.store_path)
            data_time = datetime.now(UTC)
            frame = load_training_frame(settings, store)
            if frame.empty:
                raise TrainingFailed(
                    f"no interactions: ingest some with `aisle recsys ingest` "
                    f"(store {settings.store_path})"
                )
            data = build_dataset(frame, settings)
            catalog = None
            catalog_hash = None
            if settings.catalog_path.is_file():
                catalog = read_catalog(settings.catalog_path)
                catalog_hash = file_sha256(settings.catalog_path)
            else:
                log.warning(
                    "catalog %s is missing: filters will reject every item", settings.catalog_path
                )
            items = ItemTable.build(data.item_ids, catalog)
            fitted, seconds = fit_models(data, settings, names, progress)
            data_hash = frame_hash(frame)
            version = new_version(data_hash)
            meta: dict[str, Any] = {
                "created": datetime.now(UTC).isoformat(),
                "data_time": data_time.isoformat(),
                "data_hash": data_hash,
                "catalog_hash": catalog_hash,
                "catalog_path": str(settings.catalog_path),
                "confidence": {
                    "event_weights": settings.event_weights,
                    "recency_half_life_days": settings.recency_half_life_days,
                    "recency_floor": settings.recency_floor,
                    "use_quantity": settings.use_quantity,
                },
                "metrics": {
                    "users": data.n_users,
                    "items": data.n_items,
                    "interactions": len(frame),
                    "pairs": int(data.confidence.nnz),
                    "baskets": int(data.baskets.shape[0]),
                    "catalog_items_matched": sum(t is not None for t in items.titles),
                    "fit_seconds": seconds,
                },
            }
            artifact = build_artifact(data, fitted, primary, items, version, meta)
            path = publish(
                root,
                version,
                lambda folder: save_artifact(artifact, folder),
                keep=settings.keep_versions,
            )
    except TrainingFailed:
        raise
    except Exception as e:  # any failure, ours or a library's, keeps the old artifact
        log.exception("training failed; the previous artifact keeps serving")
        raise TrainingFailed(f"training failed: {e}") from e
    return TrainResult(
        version=version, path=path, models=sorted(fitted), primary=primary, metrics=meta["metrics"]
    )

"""A trained artifact: models, id maps, item metadata and metadata, in memory and on disk.

On disk, one folder per version (written by `recsys.versions`)::

    meta.json         version, created, models, primary, parameters, data hash, metrics
    items.parquet     id, title, category, price, in_stock (item index order)
    users.parquet     user_id (user index order)
    user_items.npz    confidence, users x items
    purchased.npz     1 where the user bought the item
    models/<name>/    each model's arrays (pop and cooc are always there)
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import scipy.sparse as sp

from recsys.catalog import ItemTable
from recsys.cooccurrence import CooccurrenceModel
from recsys.errors import ArtifactError
from recsys.popularity import PopularityModel
from recsys.registry import is_model_name, load_model
from recsys.scoring import Scorer

__all__ = ["FORMAT", "Artifact", "load_artifact", "save_artifact"]

log = logging.getLogger(__name__)

FORMAT = 1


@dataclass
class Artifact:
    """Everything serving needs, for one trained version."""

    version: str
    items: ItemTable
    user_ids: list[str]
    user_items: sp.csr_matrix
    purchased: sp.csr_matrix
    popularity: PopularityModel
    cooccurrence: CooccurrenceModel
    models: dict[str, Scorer]
    primary: str
    meta: dict[str, Any] = field(default_factory=dict)
    user_index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.user_index = {u: i for i, u in enumerate(self.user_ids)}

    def scorer(self, name: str | None = None) -> Scorer:
        """The model called `name`, or the primary one when it is absent or None."""
        if name and name in self.models:
            return self.models[name]
        if name and name != self.primary:
            log.warning(
                "model %s is not in artifact %s; serving %s", name, self.version, self.primary
            )
        return self.models[self.primary]

    @property
    def data_time(self) -> str:
        """When the training data was read (ISO UTC); a user forgotten later is tombstoned."""
        return str(self.meta.get("data_time", self.meta.get("created", "")))


def _write_npz(path: Path, matrix: sp.csr_matrix) -> None:
    with open(path, "wb") as f:
        sp.save_npz(f, matrix.tocsr())


def save_artifact(artifact: Artifact, directory: Path) -> None:
    """Write every file of `artifact` into an existing, empty `directory`."""
    artifact.items.to_frame().to_parquet(directory / "items.parquet", index=False)
    pd.DataFrame({"user_id": artifact.user_ids}).to_parquet(
        directory / "users.parquet", index=False
    )
    _write_npz(directory / "user_items.npz", artifact.user_items)
    _write_npz(directory / "purchased.npz", artifact.purchased)
    for name, model in artifact.models.items():
        folder = directory / "models" / name
        folder.mkdir(parents=True)
        model.save(folder)
    meta = {
        **artifact.meta,
        "format": FORMAT,
        "version": artifact.version,
        "models": sorted(artifact.models),
        "primary": artifact.primary,
        "params": {name: model.params() for name, model in artifact.models.items()},
    }
    with open(directory / "meta.json", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, sort_keys=True, default=str)


def _load_model(
    name: str, folder: Path, user_items: sp.csr_matrix, params: dict[str, object]
) -> Scorer:
    if not is_model_name(name):
        raise ArtifactError(f"unknown model {name!r} in artifact {folder.parent.parent.name}")
    return load_model(name, folder, user_items, params)


def load_artifact(directory: Path) -> Artifact:
    """Read an artifact folder back.

    Raises:
        ArtifactError: a file is missing or unreadable, or the format is unknown.
    """
    try:
        with open(directory / "meta.json", encoding="utf-8") as f:
            meta: dict[str, Any] = json.load(f)
        if meta.get("format") != FORMAT:
            raise ArtifactError(f"artifact {directory.name}: format {meta.get('format')!r}")
        items = ItemTable.from_frame(pd.read_parquet(directory / "items.parquet"))
        users = pd.read_parquet(directory / "users.parquet")["user_id"].astype(str).tolist()
        user_items = sp.load_npz(directory / "user_items.npz").tocsr()
        purchased = sp.load_npz(directory / "purchased.npz").tocsr()
        params: dict[str, dict[str, object]] = meta.get("params", {})
        models: dict[str, Scorer] = {
            name: _load_model(name, directory / "models" / name, user_items, params.get(name, {}))
            for name in meta["models"]
        }
    except ArtifactError:
        raise
    except (OSError, KeyError, ValueError) as e:
        raise ArtifactError(f"artifact {directory.name} is unreadable: {e}") from e
    popularity = models.get("pop")
    cooccurrence = models.get("cooc")
    if not isinstance(popularity, PopularityModel) or not isinstance(
        cooccurrence, CooccurrenceModel
    ):
        raise ArtifactError(f"artifact {directory.name} lacks the pop and cooc models")
    if user_items.shape != (len(users), len(items)):
        raise ArtifactError(f"artifact {directory.name}: matrix shape does not match its id maps")
    log.info("loaded artifact %s (%s)", directory.name, ", ".join(sorted(models)))
    return Artifact(
        version=str(meta["version"]),
        items=items,
        user_ids=users,
        user_items=user_items,
        purchased=purchased,
        popularity=popularity,
        cooccurrence=cooccurrence,
        models=models,
        primary=str(meta["primary"]),
        meta=meta,
    )

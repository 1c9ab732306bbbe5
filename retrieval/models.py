"""Embedding model artifacts: versioned fine-tuned models, the promotion history, and a pool
that loads the model a collection was embedded with.

Layout of the models folder (`AISLE_RETRIEVAL_MODELS_DIR`, by default `<data dir>/models`):
`<version>/` holds a sentence-transformers model and `card.json` (how it was trained and
scored); `HISTORY` lists the promoted versions, oldest first, and its last line is the model
new embeddings are made with. No `HISTORY` (or an empty one) means the base model. Every
write goes to a temporary name first and is renamed into place, so a crash leaves the
previous state.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrieval.embedder import Embedder, SentenceTransformerEmbedder
from retrieval.errors import IndexNotReady
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)

HISTORY = "HISTORY"
CARD = "card.json"
BASE = "base"
_TMP = ".tmp-"


def new_version(now: datetime | None = None) -> str:
    """A version name that sorts by creation time: `ft-20261204T081500123Z`."""
    now = now or datetime.now(UTC)
    return f"ft-{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ModelRegistry:
    """The models folder: published versions and which one is current."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def history(self) -> list[str]:
        """Promoted versions, oldest first; the last is current."""
        try:
            text = (self.root / HISTORY).read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [line.strip() for line in text.splitlines() if line.strip()]

    def current(self) -> str:
        """The current version, or `base` when nothing was promoted (or all rolled back)."""
        history = self.history()
        return history[-1] if history else BASE

    def previous(self) -> str | None:
        """The version a rollback returns to (`base` at the bottom), or None when at base."""
        history = self.history()
        if not history:
            return None
        return history[-2] if len(history) > 1 else BASE

    def path(self, version: str) -> Path:
        """Folder of a published version."""
        return self.root / version

    def exists(self, version: str) -> bool:
        """Whether a version was published here (and not pruned)."""
        return (self.root / version / CARD).is_file()

    def card(self, version: str) -> dict[str, Any]:
        """What a version's card says (empty for `base` or a missing card)."""
        try:
            data: dict[str, Any] = json.loads((self.root / version / CARD).read_text("utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data

    def publish(self, version: str, write: Callable[[Path], None], card: dict[str, Any]) -> Path:
        """Write a new version's folder (`write(folder)` fills it), without making it current."""
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(_TMP + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp, final = self.root / f"{_TMP}{version}", self.root / version
        if final.exists():
            raise FileExistsError(f"model version {version} already exists")
        try:
            tmp.mkdir()
            write(tmp)
            (tmp / CARD).write_text(json.dumps(card, indent=2, sort_keys=True), "utf-8")
            os.rename(tmp, final)
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def _write_history(self, history: list[str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"{HISTORY}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("".join(v + "\n" for v in history))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / HISTORY)
        _fsync_dir(self.root)

    def promote(self, version: str) -> None:
        """Make a published version current."""
        if not self.exists(version):
            raise FileNotFoundError(f"no published model {version} in {self.root}")
        self._write_history([*self.history(), version])

    def rollback(self) -> str:
        """Drop the current version from the history; return the one now current."""
        history = self.history()
        if not history:
            raise ValueError("the base model is current: there is nothing to roll back to")
        self._write_history(history[:-1])
        return self.current()

    def prune(self, keep: int) -> list[str]:
        """Delete published versions beyond the newest `keep`, never one in the history."""
        live = set(self.history())
        versions = sorted(
            p.name for p in self.root.glob("ft-*") if p.is_dir() and p.name not in live
        )
        doomed = versions[: max(0, len(versions) - keep)]
        for version in doomed:
            shutil.rmtree(self.root / version, ignore_errors=True)
        return doomed


def models_dir(settings: RetrievalSettings) -> Path:
    """Where model artifacts live: the setting, or `models/` in the data dir."""
    return settings.models_dir or settings.data_dir / "models"


def embedder_name(version: str, settings: RetrievalSettings) -> str:
    """The name an embedder of `version` carries (what collections record)."""
    if version != BASE:
        return f"st:{version}"
    if settings.model_path:
        return f"st:{settings.model_path.rstrip('/').rsplit('/', 1)[-1]}"
    return "st:all-MiniLM-L6-v2"


def load_version(version: str, settings: RetrievalSettings) -> SentenceTransformerEmbedder:
    """The sentence-transformers embedder of a version (`base`: the configured base model)."""
    if version == BASE:
        return SentenceTransformerEmbedder(
            settings.model_path, settings.device, settings.batch_size
        )
    registry = ModelRegistry(models_dir(settings))
    if not registry.exists(version):
        raise IndexNotReady(
            f"embedding model {version} is not in {registry.root}: "
            "is the model volume mounted (AISLE_RETRIEVAL_MODELS_DIR)?"
        )
    return SentenceTransformerEmbedder(
        str(registry.path(version)), settings.device, settings.batch_size
    )


class EmbedderPool:
    """Embedders by name, loaded on first use: the model each collection was embedded with.

    A search embeds its query with the model that embedded the collection it reads, so
    query and document vectors always come from the same model version.
    """

    def __init__(self, settings: RetrievalSettings, default: Embedder) -> None:
        self._settings = settings
        self._default = default
        self._loaded: dict[str, Embedder] = {default.name: default}
        self._lock = threading.Lock()

    def __call__(self, name: str | None) -> Embedder:
        """The embedder called `name` (None: the default one, for unlabelled collections)."""
        if name is None:
            return self._default
        with self._lock:
            found = self._loaded.get(name)
            if found is not None:
                return found
            version = name.removeprefix("st:")
            if name == embedder_name(BASE, self._settings):
                version = BASE
            elif not name.startswith("st:"):
                raise IndexNotReady(f"the live catalog was embedded with {name}, not a known model")
            embedder = load_version(version, self._settings)
            # Two models at once at most: the served one and the one being swapped in.
            others = [n for n in self._loaded if n != self._default.name]
            for old in others[:-1]:
                del self._loaded[old]
            self._loaded[name] = embedder
            log.info("loaded embedding model %s for the live catalog", name)
            return embedder

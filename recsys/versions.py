"""Versioned artifact folders: atomic publish, the CURRENT pointer, pruning and live reload.

Publishing writes into a hidden temporary folder, fsyncs every file and the folder,
renames it to `<data_dir>/artifacts/<version>/`, then atomically replaces the `CURRENT`
pointer file (write, fsync, `os.replace`, fsync the directory). A crash or an exception
at any step leaves `CURRENT` naming the previous version, which keeps serving.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from recsys.artifacts import Artifact, load_artifact
from recsys.errors import ArtifactError, TrainingFailed

__all__ = [
    "POINTER",
    "LiveArtifact",
    "current_version",
    "list_versions",
    "new_version",
    "publish",
    "training_lock",
]

log = logging.getLogger(__name__)

POINTER = "CURRENT"
TMP_PREFIX = ".tmp-"


def new_version(data_hash: str, now: datetime | None = None) -> str:
    """A version name that sorts by creation time: `20100901T120000123456Z-<hash8>`."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z-{data_hash[:8]}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def current_version(root: Path) -> str | None:
    """The version the CURRENT pointer names, or None when nothing was published."""
    try:
        text = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def list_versions(root: Path) -> list[str]:
    """Published versions, oldest first."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def switch(root: Path, version: str) -> None:
    """Point CURRENT at `version` atomically."""
    tmp = root / f"{POINTER}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(version + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / POINTER)
    _fsync_dir(root)


def prune(root: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` versions (never the current one); return the deleted."""
    current = current_version(root)
    versions = list_versions(root)
    doomed = [v for v in versions[: max(len(versions) - keep, 0)] if v != current]
    for version in doomed:
        shutil.rmtree(root / version, ignore_errors=True)
        log.info("pruned artifact %s", version)
    return doomed


@contextmanager
def training_lock(root: Path) -> Iterator[None]:
    """Hold the artifacts folder's lock for one training; a second one fails fast.

    Raises:
        TrainingFailed: another training holds the lock.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise TrainingFailed("another training is running on this data dir") from e
        try:
            # Leftovers of a training that crashed before its rename; nobody else writes here.
            for stale in root.glob(TMP_PREFIX + "*"):
                shutil.rmtree(stale, ignore_errors=True)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def publish(root: Path, version: str, write: Callable[[Path], None], keep: int) -> Path:
    """Write a version with `write(folder)`, then switch serving to it atomically.

    Args:
        root: the artifacts folder.
        version: the new version's name (see `new_version`).
        write: fills the (empty) folder it is given.
        keep: how many versions to keep afterwards.

    Returns:
        The published folder.
    """
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{TMP_PREFIX}{version}"
    final = root / version
    if final.exists():
        raise ArtifactError(f"artifact {version} already exists")
    try:
        tmp.mkdir()
        write(tmp)
        _fsync_tree(tmp)
        os.rename(tmp, final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    switch(root, version)
    prune(root, keep)
    log.info("published artifact %s", version)
    return final


class LiveArtifact:
    """The artifact CURRENT names, reloaded when the pointer changes.

    `current()` looks at the pointer at most every `interval` seconds (one `stat`), so a
    new training is served within that time without a restart; `reload()` looks now.
    A version that fails to load is logged and the loaded one keeps serving.
    """

    def __init__(
        self,
        root: Path,
        interval: float,
        loader: Callable[[Path], Artifact] = load_artifact,
    ) -> None:
        self.root = root
        self.interval = interval
        self._loader = loader
        self._artifact: Artifact | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def _pointer_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.root / POINTER)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> Artifact | None:
        """The loaded artifact, after a cheap check of the pointer if one is due.

        While another thread loads a new version, callers keep getting the old one
        instead of waiting for the load.
        """
        if time.monotonic() - self._checked >= self.interval and self._lock.acquire(blocking=False):
            try:
                self._reload_locked()
            finally:
                self._lock.release()
        return self._artifact

    def reload(self) -> Artifact | None:
        """Check the pointer now and load the version it names if it changed."""
        with self._lock:
            return self._reload_locked()

    def _reload_locked(self) -> Artifact | None:
        self._checked = time.monotonic()
        stamp = self._pointer_stamp()
        if stamp == self._stamp and self._artifact is not None:
            return self._artifact
        version = current_version(self.root)
        if version is None:
            return self._artifact
        if self._artifact is not None and self._artifact.version == version:
            self._stamp = stamp
            return self._artifact
        try:
            self._artifact = self._loader(self.root / version)
        except ArtifactError:
            # Remember the stamp: the same pointer will not load any better next time.
            self._stamp = stamp
            log.exception("cannot load artifact %s; still serving the previous one", version)
            return self._artifact
        self._stamp = stamp
        log.info("serving artifact %s", version)
        return self._artifact

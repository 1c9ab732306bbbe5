"""Users forgotten since an artifact was trained: served artifacts must ignore them at once.

The list is a small JSON file (`{"user_id": "forgotten at, ISO UTC"}`) replaced atomically.
An artifact whose training data was read before a user was forgotten still holds that
user's factors and rows, so serving treats the user as unknown; an artifact trained later
never saw their deleted history, and the entry stops mattering for it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["Tombstones"]

log = logging.getLogger(__name__)


class Tombstones:
    """The forgotten-user list, re-read whenever the file changes (one `stat` per look)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, str] = {}
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._entries, self._stamp = {}, None
            return self._entries
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            with open(self.path, encoding="utf-8") as f:
                self._entries = {str(k): str(v) for k, v in json.load(f).items()}
            self._stamp = stamp
        return self._entries

    def forgotten_at(self, user_id: str) -> str | None:
        """When `user_id` was forgotten (ISO UTC), or None."""
        return self._read().get(user_id)

    def hides(self, user_id: str, data_time: str) -> bool:
        """True when an artifact whose data was read at `data_time` must ignore the user."""
        when = self.forgotten_at(user_id)
        if when is None:
            return False
        try:
            return datetime.fromisoformat(when) >= datetime.fromisoformat(data_time)
        except ValueError:
            return True

    def add(self, user_id: str, now: datetime | None = None) -> None:
        """Tombstone `user_id` (atomically rewrites the file)."""
        with self._lock:
            entries = dict(self._read())
            entries[user_id] = (now or datetime.now(UTC)).isoformat()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(entries, f, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            self._read()

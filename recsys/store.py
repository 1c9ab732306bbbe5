"""The interaction store: one SQLite file in the data dir (WAL, synchronous=FULL).

Every ingest and every `record()` is one transaction, so a crash leaves either all of
its rows or none. A file already ingested (same SHA-256) is not added twice. Forgetting
a user deletes their rows in one statement.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from recsys.interactions import (
    IngestReport,
    Interaction,
    frame_from_events,
    read_interactions,
    validate_frame,
)

__all__ = ["InteractionStore", "file_sha256", "frame_hash"]

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT,
    rows INTEGER NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS interactions (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    event TEXT NOT NULL,
    value REAL,
    ts INTEGER NOT NULL,
    basket_id TEXT,
    batch_id INTEGER NOT NULL REFERENCES batches(id)
);
CREATE INDEX IF NOT EXISTS interactions_user ON interactions(user_id);
CREATE INDEX IF NOT EXISTS batches_sha ON batches(sha256);
"""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def frame_hash(frame: pd.DataFrame) -> str:
    """A stable SHA-256 of interaction rows (the artifact's data hash)."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


class InteractionStore:
    """Interactions kept in `<data_dir>/interactions.sqlite3`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per operation: the store is used from several threads and processes.
        db = sqlite3.connect(self.path, timeout=30.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            with db:
                yield db
        finally:
            db.close()

    def count(self) -> int:
        """Number of stored interactions."""
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM interactions").fetchone()[0])

    def batches(self) -> int:
        """Number of ingests and `record()` calls ever stored."""
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM batches").fetchone()[0])

    def _insert(
        self, db: sqlite3.Connection, frame: pd.DataFrame, source: str, sha: str | None
    ) -> int:
        cursor = db.execute(
            "INSERT INTO batches (source, sha256, rows, created) VALUES (?, ?, ?, ?)",
            (source, sha, len(frame), datetime.now(UTC).isoformat()),
        )
        batch = cursor.lastrowid
        ts = frame["ts"].dt.as_unit("us").astype("int64").to_numpy()
        value = frame["value"].to_numpy(dtype=np.float64)
        rows = zip(
            frame["user_id"].tolist(),
            frame["product_id"].tolist(),
            frame["event"].tolist(),
            [None if np.isnan(v) else float(v) for v in value],
            ts.tolist(),
            [None if b is None or b is pd.NA or b != b else str(b) for b in frame["basket_id"]],
            [batch] * len(frame),
            strict=True,
        )
        db.executemany(
            "INSERT INTO interactions (user_id, product_id, event, value, ts, basket_id, batch_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(frame)

    def ingest_file(
        self, path: Path, on_error: Literal["fail", "skip"] = "fail", force: bool = False
    ) -> IngestReport:
        """Validate and store every row of an interaction file, in one transaction.

        Args:
            path: CSV, JSON Lines or Parquet (or a UCI Online Retail II file).
            on_error: "fail" stores nothing when a row is bad; "skip" stores the good rows.
            force: store the file even if the same bytes were ingested before.

        Returns:
            What was read, stored and rejected (row numbers count data rows from 1).

        Raises:
            BadInteraction: a row is bad and on_error is "fail" (nothing is stored).
        """
        sha = file_sha256(path)
        if not force:
            with self._connect() as db:
                seen = db.execute("SELECT 1 FROM batches WHERE sha256 = ?", (sha,)).fetchone()
            if seen:
                log.info("%s was already ingested (sha256 %s)", path, sha[:12])
                return IngestReport(source=str(path), rows=0, written=0, already_ingested=True)
        raw = read_interactions(path)
        good, bad, bad_total = validate_frame(raw, on_error)
        with self._connect() as db:
            written = self._insert(db, good, str(path), sha)
        log.info("ingested %d of %d rows from %s", written, len(raw), path)
        return IngestReport(
            source=str(path), rows=len(raw), written=written, bad=bad, bad_total=bad_total
        )

    def record(self, events: Sequence[Interaction]) -> int:
        """Store events posted live (already validated by their model); returns how many."""
        if not events:
            return 0
        with self._connect() as db:
            return self._insert(db, frame_from_events(events), "record", None)

    def load(self) -> pd.DataFrame:
        """Every stored interaction, oldest row first, with `ts` as UTC timestamps."""
        with self._connect() as db:
            frame = pd.read_sql_query(
                "SELECT user_id, product_id, event, value, ts, basket_id FROM interactions"
                " ORDER BY id",
                db,
            )
        frame["ts"] = pd.to_datetime(frame["ts"], unit="us", utc=True)
        frame["value"] = frame["value"].astype(float)
        frame["basket_id"] = frame["basket_id"].astype(object)
        return frame

    def forget(self, user_id: str) -> int:
        """Delete every interaction of `user_id`; returns how many rows went."""
        with self._connect() as db:
            removed = db.execute("DELETE FROM interactions WHERE user_id = ?", (user_id,)).rowcount
        log.info("forgot a user: %d interactions deleted", removed)
        return int(removed)

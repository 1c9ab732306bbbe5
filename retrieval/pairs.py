"""Training pairs (query, product, signal strength): reading, merging and splitting by query.

A pair says that a shopper who searched or asked for `query` then showed interest in
`product_id` with strength `label` (a view counts less than a click, a click less than
an add-to-cart), or, from a shop's own search log or judgments, any graded relevance.
Files are CSV (also `.csv.gz`), JSON Lines or Parquet with the columns `query`,
`product_id` and `label` (`relevance` is accepted for `label`); a bad row is reported
with its row number, as catalog feeds are.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.feed import RowError, detect_format, iter_rows

MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class Pair:
    """One query and one product it led to, with the signal's strength (higher is stronger)."""

    query: str
    product_id: str
    label: float


@dataclass
class PairsReport:
    """What a pairs file yielded: valid pairs in file order, and the rows that were not."""

    pairs: list[Pair] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def normalize_query(text: str) -> str:
    """The form a query is compared and split by: lower case, single spaces."""
    return " ".join(text.lower().split())


def read_pairs(path: Path) -> PairsReport:
    """Read `query, product_id, label` rows from CSV, JSON Lines or Parquet.

    Args:
        path: the file; its name says the format (`.csv[.gz]`, `.jsonl`, `.parquet`).

    Returns:
        The valid pairs and, for every other row, its row number and what is wrong.

    Raises:
        ValueError: the format cannot be told from the name, or a needed column is absent.
    """
    fmt = detect_format(path)
    report = PairsReport()
    for row, record in iter_rows(path, fmt):
        report.rows += 1
        if isinstance(record, str):
            report.errors.append(RowError(row, record))
            continue
        if report.rows == 1:
            missing = [c for c in ("query", "product_id") if c not in record]
            if "label" not in record and "relevance" not in record:
                missing.append("label")
            if missing:
                raise ValueError(f"{path.name} has no column {', '.join(missing)}")
        pair = _to_pair(row, record)
        if isinstance(pair, RowError):
            report.errors.append(pair)
        else:
            report.pairs.append(pair)
    return report


def _to_pair(row: int, record: dict[str, object]) -> Pair | RowError:
    query = str(record.get("query") or "").strip()
    pid = str(record.get("product_id") or "").strip()
    raw = record.get("label", record.get("relevance"))
    if not query:
        return RowError(row, "empty query", pid or None)
    if len(query) > MAX_QUERY_CHARS:
        return RowError(row, f"query longer than {MAX_QUERY_CHARS} characters", pid or None)
    if not pid:
        return RowError(row, "empty product_id")
    try:
        label = float(str(raw).strip())
    except ValueError:
        return RowError(row, f"label {raw!r} is not a number", pid)
    if not math.isfinite(label):
        return RowError(row, f"label {raw!r} is not a finite number", pid)
    return Pair(" ".join(query.split()), pid, label)


def merge_pairs(pairs: Iterable[Pair]) -> list[Pair]:
    """One pair per (query, product): the mean label of its rows (ratings are averaged).

    Queries are compared in `normalize_query` form; the first spelling seen is kept.
    """
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    spelling: dict[str, str] = {}
    for p in pairs:
        key = normalize_query(p.query)
        spelling.setdefault(key, p.query)
        sums[(key, p.product_id)].append(p.label)
    return [Pair(spelling[q], pid, sum(v) / len(v)) for (q, pid), v in sums.items()]


def query_bucket(query: str, salt: str) -> float:
    """A stable number in [0, 1) for a query: the same on every machine and every run."""
    digest = hashlib.sha256(f"{salt}\0{normalize_query(query)}".encode()).hexdigest()
    return int(digest[:12], 16) / float(1 << 48)


def split_by_query(
    pairs: Sequence[Pair], held_share: float, salt: str = "holdout"
) -> tuple[list[Pair], list[Pair]]:
    """Split pairs so that every query lies wholly on one side.

    Args:
        pairs: the pairs to split.
        held_share: the share of queries held out (0..1).
        salt: makes different splits of the same queries independent of each other.

    Returns:
        (kept pairs, held-out pairs).
    """
    kept: list[Pair] = []
    held: list[Pair] = []
    for p in pairs:
        (held if query_bucket(p.query, salt) < held_share else kept).append(p)
    return kept, held


def queries_of(pairs: Iterable[Pair]) -> set[str]:
    """The distinct queries of some pairs, in `normalize_query` form."""
    return {normalize_query(p.query) for p in pairs}

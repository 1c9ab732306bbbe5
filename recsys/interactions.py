"""Interaction rows: the contract, reading CSV / JSON Lines / Parquet, and row validation.

Contract: `user_id, product_id, event (view|click|cart|purchase|rating), value (optional),
ts`, plus an optional `basket_id` (order or session; co-occurrence falls back to user + day).
Row numbers in reports count data rows from 1; a header line is not a row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator

from recsys import online_retail
from recsys.errors import BadInteraction
from recsys.settings import EVENT_TYPES

__all__ = [
    "BadRow",
    "EventName",
    "IngestReport",
    "Interaction",
    "frame_from_events",
    "read_interactions",
    "validate_frame",
]

log = logging.getLogger(__name__)

EventName = Literal["view", "click", "cart", "purchase", "rating"]
COLUMNS = ("user_id", "product_id", "event", "value", "ts", "basket_id")
REPORTED_ROWS = 50


class Interaction(BaseModel):
    """One shopper event, as `record(events)` and `POST /events` take it."""

    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1)
    product_id: str = Field(min_length=1)
    event: EventName
    value: float | None = Field(default=None, ge=0)
    ts: datetime
    basket_id: str | None = None

    @field_validator("ts")
    @classmethod
    def _aware(cls, ts: datetime) -> datetime:
        # A naive timestamp is taken as UTC, like the files' naive timestamps.
        return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


@dataclass(frozen=True)
class BadRow:
    """A rejected row: its number (from 1, header excluded) and why."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass
class IngestReport:
    """What one ingest did: rows read, rows stored, rows rejected."""

    source: str
    rows: int
    written: int
    bad: list[BadRow] = field(default_factory=list)
    bad_total: int = 0
    already_ingested: bool = False


def read_interactions(path: Path) -> pd.DataFrame:
    """Read an interaction file as raw columns (CSV, JSON Lines or Parquet, by suffix).

    A UCI Online Retail II file (`Invoice, StockCode, Customer ID, ...`) is recognised and
    turned into purchases with `recsys.online_retail`.

    Raises:
        BadInteraction: the file type is unknown or the file cannot be parsed.
    """
    name = path.name.lower()
    try:
        if name.endswith((".csv", ".csv.gz")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        elif name.endswith((".jsonl", ".json", ".jsonl.gz", ".ndjson")):
            frame = pd.read_json(path, lines=True, dtype=False, convert_dates=False)
        elif name.endswith(".parquet"):
            frame = pd.read_parquet(path)
        else:
            raise BadInteraction(f"{path}: unknown file type (csv, jsonl or parquet)")
    except (ValueError, OSError) as e:
        raise BadInteraction(f"{path}: cannot read: {e}") from e
    if online_retail.is_online_retail(frame):
        log.info("%s looks like UCI Online Retail II; converting to purchases", path)
        frame = online_retail.to_interactions(frame)
    return frame


def frame_from_events(events: Sequence[Interaction]) -> pd.DataFrame:
    """Events posted through `record()` as a validated frame."""
    frame = pd.DataFrame(
        {
            "user_id": [e.user_id for e in events],
            "product_id": [e.product_id for e in events],
            "event": [e.event for e in events],
            "value": np.array([np.nan if e.value is None else e.value for e in events], float),
            "ts": pd.to_datetime([e.ts for e in events], utc=True).as_unit("us"),
            "basket_id": pd.array([e.basket_id for e in events], dtype=object),
        }
    )
    return frame


def _ids(series: pd.Series) -> pd.Series:
    """Ids as stripped strings (missing where absent or blank); integral floats lose the
    `.0`, so a numeric column (13085.0) gives the same id as a text one ("13085")."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = pd.to_numeric(series, errors="coerce")
        whole = numbers.notna() & (numbers == np.floor(numbers))
        text = numbers.astype("str")
        text[whole] = numbers[whole].astype("int64").astype("str")
        return text.where(numbers.notna())
    text = series.astype("str").str.strip()
    return text.where(text.notna() & (text != ""))


def _flags(mask: pd.Series) -> NDArray[np.bool_]:
    flags: NDArray[np.bool_] = mask.to_numpy(dtype=bool, na_value=False)
    return flags


def validate_frame(
    frame: pd.DataFrame, on_error: Literal["fail", "skip"]
) -> tuple[pd.DataFrame, list[BadRow], int]:
    """Check every row against the contract and normalise the columns.

    Args:
        frame: raw rows, in file order.
        on_error: "fail" raises on the first bad row (after finding them all);
            "skip" drops bad rows and reports them.

    Returns:
        The good rows (columns `COLUMNS`, ts in UTC), up to 50 reported bad rows, and the
        total number of bad rows.

    Raises:
        BadInteraction: a required column is missing, or a row is bad and on_error is "fail".
    """
    missing = [c for c in ("user_id", "product_id", "event", "ts") if c not in frame.columns]
    if missing:
        raise BadInteraction(f"missing column(s) {', '.join(missing)}", reason="missing column")
    frame = frame.reset_index(drop=True)
    user = _ids(frame["user_id"])
    product = _ids(frame["product_id"])
    event = frame["event"].astype("str").str.strip().str.lower()
    raw_ts = frame["ts"]
    if pd.api.types.is_datetime64_any_dtype(raw_ts.dtype):
        ts = raw_ts.dt.tz_localize("UTC") if raw_ts.dt.tz is None else raw_ts.dt.tz_convert("UTC")
    else:
        ts = pd.to_datetime(raw_ts, errors="coerce", utc=True, format="ISO8601")
        retry = ts.isna() & raw_ts.notna()
        if retry.any():
            # Not ISO 8601: let pandas guess per value ("12/01/2009 07:45", epoch text ...).
            ts[retry] = pd.to_datetime(raw_ts[retry], errors="coerce", utc=True, format="mixed")
    if "value" in frame.columns:
        raw_value = frame["value"]
        value = pd.to_numeric(raw_value, errors="coerce")
        value_given = raw_value.notna()
        if not pd.api.types.is_numeric_dtype(raw_value.dtype):
            value_given &= raw_value.astype("str").str.strip() != ""
    else:
        value = pd.Series(np.nan, index=frame.index)
        value_given = pd.Series(False, index=frame.index)
    basket = _ids(frame["basket_id"]) if "basket_id" in frame.columns else None

    checks: list[tuple[NDArray[np.bool_], Callable[[int], str]]] = [
        (_flags(user.isna()), lambda i: "missing user_id"),
        (_flags(product.isna()), lambda i: "missing product_id"),
        (_flags(~event.isin(EVENT_TYPES)), lambda i: f"unknown event {frame['event'][i]!r}"),
        (_flags(ts.isna()), lambda i: f"unparsable ts {raw_ts[i]!r}"),
        (_flags(value_given & value.isna()), lambda i: f"unparsable value {frame['value'][i]!r}"),
        (_flags(value < 0), lambda i: f"negative value {value[i]:g}"),
    ]
    bad_mask = np.logical_or.reduce([mask for mask, _ in checks])
    bad: list[BadRow] = []
    for i in np.flatnonzero(bad_mask)[:REPORTED_ROWS].tolist():
        why = next(reason for mask, reason in checks if mask[i])
        bad.append(BadRow(row=i + 1, reason=why(i)))
    total = int(bad_mask.sum())
    if total and on_error == "fail":
        first = bad[0]
        more = f" (and {total - 1} more)" if total > 1 else ""
        raise BadInteraction(f"{first}{more}", row=first.row, reason=first.reason)
    good = pd.DataFrame(
        {
            "user_id": user,
            "product_id": product,
            "event": event,
            "value": value.astype(float),
            "ts": ts.dt.as_unit("us"),
            "basket_id": basket if basket is not None else pd.Series(None, index=frame.index),
        }
    )[~bad_mask].reset_index(drop=True)
    return good, bad, total

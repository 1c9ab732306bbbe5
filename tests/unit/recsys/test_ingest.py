"""Ingesting interactions: formats, bad rows with their numbers, duplicates, live events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from recsys import BadInteraction, Interaction, InteractionStore
from recsys.interactions import read_interactions, validate_frame

FIELDS = ("user_id", "product_id", "event", "value", "ts", "basket_id")
T = "2024-03-01T10:00:00Z"


def rows(*values: tuple[str, ...]) -> list[dict[str, str]]:
    return [dict(zip(FIELDS, v, strict=True)) for v in values]


GOOD = rows(
    ("u1", "p1", "purchase", "2", T, "o1"),
    ("u1", "p2", "view", "", "2024-03-01T10:05:00+01:00", ""),
    ("u2", "p1", "cart", "1", "2024-03-02 09:00:00", ""),
)
BAD = rows(
    ("", "p1", "view", "", T, ""),
    ("u3", "p1", "wishlist", "", T, ""),
    ("u3", "p1", "view", "", "yesterday-ish", ""),
    ("u3", "p1", "purchase", "-3", T, ""),
    ("u3", " ", "click", "", T, ""),
)
# File order: good, bad, good, bad, bad, good, bad, bad -> bad rows are 2, 4, 5, 7, 8.
ROWS = [GOOD[0], BAD[0], GOOD[1], BAD[1], BAD[2], GOOD[2], BAD[3], BAD[4]]
EXPECTED_BAD = {
    2: "missing user_id",
    4: "unknown event 'wishlist'",
    5: "unparsable ts 'yesterday-ish'",
    7: "negative value -3",
    8: "missing product_id",
}


def write(rows: list[dict[str, str]], path: Path) -> Path:
    frame = pd.DataFrame(rows)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_bad_rows_are_reported_with_their_row_number_and_reason(
    tmp_path: Path, suffix: str
) -> None:
    store = InteractionStore(tmp_path / "store.sqlite3")
    path = write(ROWS, tmp_path / f"events{suffix}")
    report = store.ingest_file(path, on_error="skip")
    assert {b.row: b.reason for b in report.bad} == EXPECTED_BAD
    assert report.rows == 8 and report.written == 3 and report.bad_total == 5
    stored = store.load()
    assert sorted(stored["event"]) == ["cart", "purchase", "view"]
    # "+01:00" is converted, a naive time is taken as UTC.
    assert stored["ts"].min() == pd.Timestamp("2024-03-01T09:05:00Z")
    assert stored.loc[stored["event"] == "cart", "ts"].item() == pd.Timestamp("2024-03-02 09:00Z")


def test_fail_mode_stores_nothing_and_names_the_first_bad_row(tmp_path: Path) -> None:
    store = InteractionStore(tmp_path / "store.sqlite3")
    path = write(ROWS, tmp_path / "events.csv")
    with pytest.raises(BadInteraction) as caught:
        store.ingest_file(path, on_error="fail")
    assert caught.value.row == 2
    assert "row 2: missing user_id" in caught.value.message
    assert "4 more" in caught.value.message
    assert store.count() == 0


def test_a_file_missing_a_required_column_is_refused(tmp_path: Path) -> None:
    path = write([{k: v for k, v in GOOD[0].items() if k != "ts"}], tmp_path / "events.csv")
    with pytest.raises(BadInteraction, match="missing column"):
        InteractionStore(tmp_path / "store.sqlite3").ingest_file(path)


def test_the_same_file_is_not_ingested_twice(tmp_path: Path) -> None:
    store = InteractionStore(tmp_path / "store.sqlite3")
    path = write(GOOD, tmp_path / "events.parquet")
    assert store.ingest_file(path).written == 3
    again = store.ingest_file(path)
    assert again.already_ingested and again.written == 0
    assert store.count() == 3
    assert store.ingest_file(path, force=True).written == 3
    assert store.count() == 6


def test_numeric_ids_match_their_text_form(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "user_id": [13085.0, 13085.0],
            "product_id": ["85123A", "85123A"],
            "event": ["purchase", "PURCHASE"],
            "ts": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
        }
    )
    good, bad, _ = validate_frame(frame, "fail")
    assert not bad
    assert good["user_id"].tolist() == ["13085", "13085"]
    assert good["event"].tolist() == ["purchase", "purchase"]


def test_online_retail_lines_become_purchases(tmp_path: Path) -> None:
    lines = pd.DataFrame(
        {
            "Invoice": ["489434", "489434", "C489449", "489450", "489451", "489452"],
            "StockCode": ["85048", "POST", "22087", "21232", "21232", "79323P"],
            "Description": ["a", "postage", "returned", "guest", "free", "b"],
            "Quantity": [12, 1, -12, 6, 6, 0],
            "InvoiceDate": ["2009-12-01 07:45:00"] * 6,
            "Price": [6.95, 18.0, 2.1, 1.25, 0.0, 1.0],
            "Customer ID": [13085.0, 13085.0, 16321.0, None, 13085.0, 13085.0],
            "Country": ["United Kingdom"] * 6,
        }
    )
    path = tmp_path / "retail.parquet"
    lines.to_parquet(path, index=False)
    frame, bad, _ = validate_frame(read_interactions(path), "fail")
    assert not bad
    assert frame[["user_id", "product_id", "event", "value", "basket_id"]].values.tolist() == [
        ["13085", "85048", "purchase", 12.0, "489434"]
    ]


def test_recorded_events_are_stored_for_training(tmp_path: Path) -> None:
    store = InteractionStore(tmp_path / "store.sqlite3")
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    events = [
        Interaction(user_id="u9", product_id="p1", event="view", ts=now),
        Interaction(user_id="u9", product_id="p1", event="cart", value=2, ts=now),
    ]
    assert store.record(events) == 2
    stored = store.load()
    assert stored["event"].tolist() == ["view", "cart"]
    assert stored["ts"].tolist() == [pd.Timestamp(now)] * 2


def test_an_unknown_or_negative_event_is_refused_before_storage() -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(ValidationError):
        Interaction(user_id="u", product_id="p", event="wishlist", ts=now)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Interaction(user_id="u", product_id="p", event="purchase", value=-1, ts=now)

"""`aisle ingest` and `aisle search` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from retrieval import RetrievalSettings

ROOT = Path(__file__).resolve().parents[3]
FEED = """sku,name,cost,stock
A1,Red Heart Candle,4.50,yes
A2,Blue Enamel Mug,oops,yes
A3,Jumbo Shopping Bag,1.95,no
A3,Jumbo Shopping Bag Again,1.95,no
"""


def aisle(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "AISLE_RETRIEVAL_EMBEDDER": "hashing", **(env or {})},
    )


def test_ingest_reports_bad_rows_and_fails_by_default(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED)
    common = [
        "--map",
        "id=sku",
        "--map",
        "title=name",
        "--map",
        "price=cost",
        "--map",
        "in_stock=stock",
        "--data-dir",
        str(tmp_path / "d"),
        "-q",
    ]

    failed = aisle("ingest", str(feed), *common)
    assert failed.returncode == 1
    assert "row 3 (id A2): price 'oops' is not a number" in failed.stderr
    assert "row 5 (id A3): duplicate id (first seen on row 4)" in failed.stderr
    assert "nothing was written" in failed.stderr

    skipped = aisle("ingest", str(feed), *common, "--on-error", "skip", "--currency", "EUR")
    assert skipped.returncode == 0, skipped.stderr
    assert "2 products live" in skipped.stdout and "2 rows skipped" in skipped.stdout

    found = aisle("search", "candle", "--json", "--data-dir", str(tmp_path / "d"))
    page = json.loads(found.stdout)
    assert page["hits"][0]["product"]["id"] == "A1"
    assert (
        page["hits"][0]["product"]["price"] == 4.5
        and page["hits"][0]["product"]["currency"] == "EUR"
    )

    listed = aisle("search", "--in-stock", "--data-dir", str(tmp_path / "d"))
    assert "Red Heart Candle" in listed.stdout and "Jumbo" not in listed.stdout


def test_search_before_any_ingest_says_what_to_do(tmp_path: Path) -> None:
    result = aisle("search", "mug", "--data-dir", str(tmp_path / "empty"))
    assert result.returncode == 1
    assert "no catalog has been ingested yet: run `aisle ingest FEED`" in result.stderr


def test_settings_never_show_secrets() -> None:
    settings = RetrievalSettings(chroma_token="s3cret-token")  # type: ignore[arg-type]
    assert "s3cret-token" not in repr(settings) and "s3cret-token" not in str(settings.model_dump())

"""Search quality a shopper notices, on real relevance judgments (Home Depot, ../shared/data).

A deterministic slice keeps it to about a minute: every product judged for 300
queries plus unjudged products as distractors, run through `aisle eval retrieval`.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERIES = 300
DISTRACTORS = 3000


def slice_home_depot(source: Path, out: Path) -> tuple[Path, Path]:
    with gzip.open(source / "judgments_dev.csv.gz", "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    queries = sorted({r["query"] for r in rows})[::27][:QUERIES]
    keep_q = set(queries)
    judged = [r for r in rows if r["query"] in keep_q]
    ids = {r["product_id"] for r in judged}
    with gzip.open(source / "products.csv.gz", "rt", encoding="utf-8") as fh:
        products = list(csv.DictReader(fh))
    others = [p for p in products if p["id"] not in ids][::17][:DISTRACTORS]
    chosen = [p for p in products if p["id"] in ids] + others
    products_csv, judgments_csv = out / "products.csv", out / "judgments.csv"
    with products_csv.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["id", "title"])
        writer.writeheader()
        writer.writerows(chosen)
    with judgments_csv.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["query", "product_id", "relevance"])
        writer.writeheader()
        writer.writerows(judged)
    return products_csv, judgments_csv


@pytest.mark.slow
def test_hybrid_beats_both_channels_and_plain_bm25(shared_data: Path, tmp_path: Path) -> None:
    products, judgments = slice_home_depot(shared_data / "homedepot", tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "web.cli",
            "eval",
            "retrieval",
            "--products",
            str(products),
            "--judgments",
            str(judgments),
            "--json",
            "-q",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["queries"] >= 250
    hybrid = scores["hybrid"]["ndcg@10"]
    assert hybrid > scores["bm25s_plain"]["ndcg@10"], scores
    assert hybrid > scores["bm25"]["ndcg@10"] and hybrid > scores["vector"]["ndcg@10"], scores
    assert scores["hybrid"]["recall@100"] >= scores["bm25s_plain"]["recall@100"], scores

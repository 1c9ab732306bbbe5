"""`aisle eval recsys --report` on the demo shop, and `aisle eval bandit` over a logged file."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from web.cli import main

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "data" / "demo"


def _figures(page: str, model: str) -> dict[str, str]:
    """The report table's `all` row of one model, by column name."""
    heads = re.findall(r"<th>(.*?)</th>", page)
    for row in re.findall(r"<tr><td>(.*?)</tr>", page, flags=re.S):
        cells = re.findall(r"(?:^|<td[^>]*>)([^<]*)</td>", row)
        if cells[:2] == [model, "all"]:
            return dict(zip(heads, cells, strict=False))
    raise AssertionError(f"no row for {model}")


def test_the_demo_shops_report_shows_popularity_bias_per_model_and_segment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.html"
    argv = [
        "eval",
        "recsys",
        "--data",
        str(DEMO / "interactions.parquet"),
        "--cutoff",
        "2010-09-01",
        "--models",
        "pop,als",
        "--catalog",
        str(DEMO / "products.jsonl"),
        "--report",
        str(report),
        "--json",
        "-q",
    ]
    assert main(argv) == 0
    metrics = json.loads(capsys.readouterr().out)  # stdout stays the metrics' JSON
    assert "als" in metrics["protocol_new"]
    page = html.unescape(report.read_text(encoding="utf-8"))
    assert page.count("data:image/png;base64,") == 2
    pop, als = _figures(page, "pop"), _figures(page, "als")
    # Popularity shows few products, all bestsellers; ALS reaches further into the catalog.
    assert float(pop["catalog coverage"].rstrip("%")) < float(als["catalog coverage"].rstrip("%"))
    assert float(pop["popularity lift"]) > float(als["popularity lift"]) > 1.0
    assert "visitor = new" in page and "visitor = returning" in page
    assert re.search(r"model pop: [\d,]+ lists showed \d+ of [\d,]+ products", page)
    assert "strong popularity bias" in page


def test_bandit_replay_over_a_logged_file_prints_each_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "impressions.csv"
    log.write_text(
        "context,arm,reward,propensity\nall,A,1,0.5\nall,B,0,0.5\nall,A,0,0.25\nall,B,1,0.75\n"
    )
    assert main(["eval", "bandit", "--logged", str(log), "--method", "ips", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fixed A"]["value"] == pytest.approx(0.5)
    assert out["fixed B"]["matched"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("arm\nA\n")
    assert main(["eval", "bandit", "--logged", str(bad)]) == 1
    assert "missing column(s) ['reward']" in capsys.readouterr().err

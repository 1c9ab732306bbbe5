"""`aisle chat` (piped) and `aisle eval chat` against a small catalog in a data dir."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from assistant.settings import DEMO_POLICIES
from retrieval import HashingEmbedder, Ingestor, RetrievalSettings, make_store
from retrieval.feed import FeedReport
from tests.unit.assistant.conftest import CATALOG
from web.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AISLE_RETRIEVAL_EMBEDDER", "hashing")
    monkeypatch.delenv("AISLE_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("AISLE_LLM_API_KEY", raising=False)
    settings = RetrievalSettings(data_dir=tmp_path / "retrieval")
    Ingestor(make_store(settings), HashingEmbedder(), settings).ingest(
        FeedReport(products=CATALOG, rows=len(CATALOG))
    )
    # This shop's own policy pages (the demo's text), found in its data dir.
    shutil.copytree(DEMO_POLICIES, tmp_path / "policies")
    return tmp_path


def test_chat_reads_piped_lines_and_keeps_the_conversation(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("show me mugs\ntell me about the first one\n"))
    assert main(["chat", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "you> show me mugs" in out and "you> tell me about the first one" in out
    first_card = next(line for line in out.splitlines() if line.startswith("  ["))
    title = first_card.split("] ", 1)[1].split("  ")[0]
    assert out.count(title) >= 3  # listed, carded, then described
    assert "try: " in out


def test_a_shop_without_policy_pages_gets_no_demo_policies(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(data_dir / "policies")
    monkeypatch.setattr("sys.stdin", io.StringIO("how much is delivery?\n"))
    assert main(["chat", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "£3.95" not in out and "you> how much is delivery?" in out


def test_eval_chat_reports_the_suite(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = tmp_path / "suite.json"
    suite.write_text(
        json.dumps(
            {
                "name": "tiny",
                "dialogues": [
                    {
                        "id": "mugs",
                        "turns": [
                            {
                                "user": "mugs under £3",
                                "expect": {
                                    "tool": "search_products",
                                    "min_products": 1,
                                    "products": {"price_max": 3},
                                },
                            },
                            {
                                "user": "how much is delivery?",
                                "expect": {"must_contain": ["£3.95"]},
                            },
                        ],
                    },
                ],
            }
        )
    )
    assert main(["eval", "chat", "--suite", str(suite), "--data-dir", str(data_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["turns"] == 2 and report["constraint_satisfaction"] == 1.0
    assert report["grounding_violations"] == 0 and report["failed_turns"] == []

"""`aisle train embedder` and `aisle embedder` as an operator runs them: errors and exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from web.cli import main


def test_a_pairs_file_without_its_columns_is_refused_by_name(tmp_path: Path, capsys: Any) -> None:
    pairs = tmp_path / "log.csv"
    pairs.write_text("search,sku\nred mug,m1\n")
    code = main(["train", "embedder", "--pairs", str(pairs), "--data-dir", str(tmp_path / "r")])
    assert code == 2
    assert "log.csv has no column query, product_id, label" in capsys.readouterr().err


def test_a_missing_pairs_file_and_a_bad_share_are_named(tmp_path: Path, capsys: Any) -> None:
    code = main(["train", "embedder", "--pairs", str(tmp_path / "nope.csv")])
    assert code == 2 and "nope.csv does not exist" in capsys.readouterr().err
    pairs = tmp_path / "log.csv"
    pairs.write_text("query,product_id,label\nred mug,m1,1\n")
    try:
        main(["train", "embedder", "--pairs", str(pairs), "--held-share", "1.5",
              "--data-dir", str(tmp_path / "r")])  # fmt: skip
    except SystemExit as e:
        assert "--held-share must lie between 0 and 1" in str(e)
    else:
        raise AssertionError("a held-out share of 1.5 was accepted")


def test_training_before_any_catalog_says_what_to_run(tmp_path: Path, capsys: Any) -> None:
    pairs = tmp_path / "log.csv"
    pairs.write_text("query,product_id,label\nred mug,m1,1\n")
    code = main(["train", "embedder", "--pairs", str(pairs), "--data-dir", str(tmp_path / "r")])
    assert code == 1
    assert "no catalog has been ingested yet: run `aisle ingest FEED`" in capsys.readouterr().err


def test_rollback_with_nothing_promoted_changes_nothing(tmp_path: Path, capsys: Any) -> None:
    code = main(["embedder", "rollback", "--data-dir", str(tmp_path / "r")])
    assert code == 1
    assert "nothing to roll back" in capsys.readouterr().err
    assert main(["embedder", "status", "--json", "--data-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert '"current_version": "base"' in out and '"live_collection": null' in out

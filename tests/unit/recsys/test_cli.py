"""The `aisle` recsys commands, run as a user runs them (in-process `main`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.unit.recsys.shop import interaction_rows, write_shop
from web.cli import build_parser, main


@pytest.fixture()
def shop_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    catalog, interactions = write_shop(tmp_path / "shop")
    monkeypatch.setenv("AISLE_RECSYS_CATALOG_PATH", str(catalog))
    monkeypatch.setenv("AISLE_RECSYS_INTERACTIONS_PATH", str(interactions))
    monkeypatch.setenv("AISLE_RECSYS_NUM_THREADS", "1")
    monkeypatch.setenv("AISLE_RECSYS_ALS_FACTORS", "16")
    return tmp_path / "var"


def test_train_then_recommend_then_forget(
    shop_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--model", "cooc", "--data-dir", str(shop_env)]) == 0
    out, err = capsys.readouterr()
    assert "is now serving" in out and "cooc" in out
    assert err == ""  # no progress bar when stderr is not a terminal

    assert main(["recsys", "recommend", "m01", "-n", "2", "--data-dir", str(shop_env)]) == 0
    assert "because you bought" in capsys.readouterr().out

    assert main(["recsys", "forget", "m01", "--data-dir", str(shop_env)]) == 0
    assert "forgot m01: 9 interactions deleted" in capsys.readouterr().out
    assert (
        main(["recsys", "recommend", "m01", "-n", "2", "--json", "--data-dir", str(shop_env)]) == 0
    )
    results = json.loads(capsys.readouterr().out)
    assert {r["reason"]["fallback"] for r in results} == {"forgotten_user"}


def test_train_reports_failure_and_keeps_serving(
    shop_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["train", "--model", "pop", "--data-dir", str(shop_env)]) == 0
    capsys.readouterr()
    monkeypatch.setenv("AISLE_RECSYS_DEVICE", "gpu")
    import implicit.gpu

    monkeypatch.setattr(implicit.gpu, "HAS_CUDA", False)
    assert main(["train", "--model", "als", "--data-dir", str(shop_env)]) == 1
    err = capsys.readouterr().err
    assert "device=gpu" in err and "keeps serving" in err
    assert main(["recsys", "recommend", "c01", "-n", "1", "--data-dir", str(shop_env)]) == 0
    assert "popular" in capsys.readouterr().out


def test_ingest_reports_bad_rows_then_skips_them_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "user_id,product_id,event,ts\n"
        "u1,p1,view,2024-01-01T00:00:00Z\n"
        "u1,p2,teleport,2024-01-01T00:00:00Z\n"
        ",p2,view,2024-01-01T00:00:00Z\n",
        encoding="utf-8",
    )
    data = ["--data-dir", str(tmp_path / "var")]
    assert main(["recsys", "ingest", str(path), *data]) == 1
    err = capsys.readouterr().err
    assert "row 2: unknown event 'teleport'" in err and "nothing was stored" in err
    assert main(["recsys", "ingest", str(path), "--on-bad-rows", "skip", *data]) == 0
    out, err = capsys.readouterr()
    assert "row 2: unknown event 'teleport'" in err and "row 3: missing user_id" in err
    assert "stored 1 of 3 rows" in out


def test_eval_json_prints_exactly_the_documented_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AISLE_RECSYS_NUM_THREADS", "1")
    monkeypatch.setenv("AISLE_RECSYS_BPR_ITERATIONS", "20")
    frame = pd.DataFrame(interaction_rows())
    path = tmp_path / "all.parquet"
    frame.to_parquet(path, index=False)
    cutoff = str(frame["ts"].sort_values().iloc[int(len(frame) * 0.7)].date())
    assert main(["eval", "recsys", "--data", str(path), "--cutoff", cutoff, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report) == ["protocol_new", "protocol_all", "users"]
    assert report["users"] > 0
    models = {"pop", "cooc", "hybrid", "als", "ease", "bpr", "userknn", "sasrec", "als_default"}
    assert set(report["protocol_new"]) == models
    assert list(report["protocol_all"]["als"]) == [
        "precision@10",
        "recall@10",
        "ndcg@10",
        "coverage",
        "pop_share",
    ]
    train, test = tmp_path / "train.parquet", tmp_path / "test.parquet"
    frame[frame["ts"] < cutoff].to_parquet(train)
    frame[frame["ts"] >= cutoff].to_parquet(test)
    args = ["eval", "recsys", "--train", str(train), "--test", str(test), "--models", "pop"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "protocol_new" in out and "ndcg@10" in out and "als_default" in out


def test_serve_recsys_is_a_serve_command() -> None:
    args = build_parser().parse_args(["serve", "recsys", "--port", "8123"])
    assert args.port == 8123 and callable(args.func)


def test_train_two_models_serves_the_first_and_answers_sessions_with_sasrec(
    shop_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AISLE_RECSYS_SASREC_MAX_EPOCHS", "2")
    monkeypatch.setenv("AISLE_RECSYS_SASREC_DIM", "16")
    assert main(["train", "--model", "als,sasrec", "--data-dir", str(shop_env)]) == 0
    out = capsys.readouterr().out
    assert "(serving als)" in out and "sasrec" in out
    args = ["recsys", "recommend", "--session", "T2,T3", "-n", "2", "--json"]
    assert main([*args, "--data-dir", str(shop_env)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert {r["reason"]["code"] for r in results} == {"sequence"}
    assert all(r["reason"]["product_ids"] == ["T2", "T3"] for r in results)


def test_train_refuses_an_unknown_model_and_names_the_known_ones(
    shop_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--model", "gru4rec", "--data-dir", str(shop_env)]) == 1
    err = capsys.readouterr().err
    assert "gru4rec" in err and "sasrec" in err and "keeps serving" in err

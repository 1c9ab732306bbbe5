"""Shop signals become training pairs: each event carries the query and turn that showed it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assistant import ToolCall
from retrieval.pairs import read_pairs
from tests.integration.test_transcript_store import (  # noqa: F401  (fixtures)
    T0,
    backend,
    card,
    chat,
    make_store,
    record,
)
from web.cli import main
from web.settings import WebSettings
from web.store import SqlTranscriptStore, make_transcript_store
from web.store.models import Event
from web.store.pairs import export_pairs


@pytest.fixture
def store(make_store: Any) -> SqlTranscriptStore:  # noqa: F811  (SQLite and PostgreSQL)
    s: SqlTranscriptStore = make_store()
    return s


def test_events_carry_the_search_that_showed_the_product(store: SqlTranscriptStore) -> None:
    chat(store, "c1", ["red candles", "a blue mug please"])  # cards P00, P01 then P10, P11
    store.add_event("c1", name="click", product_id="P01")
    store.add_event("c1", name="view", product_id="P10")
    store.add_event("c1", name="cart", product_id="P10")
    store.add_event("c1", name="view", product_id="ZZ9")  # a product no turn showed

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(Event.product_id, Event.turn_id, Event.query).order_by(Event.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("P01", "c1-t0", "red candles"),
        ("P10", "c1-t1", "a blue mug please"),
        ("P10", "c1-t1", "a blue mug please"),
        ("ZZ9", None, None),
    ]
    # One pair per conversation, query and product, at its strongest signal (cart > view).
    assert sorted(export_pairs(store.engine)) == [
        ("a blue mug please", "P10", 3.0),
        ("red candles", "P01", 2.0),
    ]


def test_the_product_words_the_assistant_searched_are_the_query(
    store: SqlTranscriptStore,
) -> None:
    store.open_conversation("c2", session_id="s2", shopper_id=None, started_at=T0)
    store.add_user_message("c2", turn_id="t1", client_id="m1", text="hi! any teapots?", at=T0)
    rec = record("t1", tools=[ToolCall(name="search_products", args={"query": "teapot"})])
    store.add_turn(
        "c2", turn_id="t1", text="Here you are", cards=[card("TP1")], suggestions=[],
        record=rec, latency_ms=10.0, first_frame_ms=5.0, at=T0,
    )  # fmt: skip
    store.add_event("c2", name="click", product_id="TP1")
    assert list(export_pairs(store.engine)) == [("teapot", "TP1", 2.0)]


def test_aisle_train_embedder_exports_the_stores_pairs(tmp_path: Path, capsys: Any) -> None:
    settings = WebSettings(data_dir=tmp_path / "web")
    sql = make_transcript_store(settings)
    try:
        chat(sql, "c1", ["red candles"])
        sql.add_event("c1", name="cart", product_id="P00")
    finally:
        sql.close()
    out = tmp_path / "pairs.csv"
    code = main(
        ["train", "embedder", "--web-data-dir", str(tmp_path / "web"), "--export-pairs", str(out)]
    )
    assert code == 0
    assert "wrote 1 pairs" in capsys.readouterr().out
    assert [(p.query, p.product_id, p.label) for p in read_pairs(out).pairs] == [
        ("red candles", "P00", 3.0)
    ]

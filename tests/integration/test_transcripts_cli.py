"""`aisle transcripts`, `aisle shopper` and `aisle staff` against a real data dir."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from recsys import Interaction, InteractionStore, RecsysSettings
from recsys.tombstones import Tombstones
from web.cli import main
from web.settings import WebSettings
from web.store import (
    SqlTranscriptStore,
    StaffAccounts,
    TranscriptConsole,
    make_transcript_store,
)

NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AISLE_WEB_", "AISLE_RECSYS_")):
            monkeypatch.delenv(name)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlTranscriptStore]:
    s = make_transcript_store(WebSettings(data_dir=tmp_path))
    yield s
    s.close()


def converse(
    store: SqlTranscriptStore, cid: str, *, shopper: str | None, session: str, at: datetime
) -> None:
    store.open_conversation(cid, session_id=session, shopper_id=shopper, started_at=at)
    store.add_user_message(cid, turn_id="t1", client_id="m1", text=f"hello from {cid}", at=at)
    store.add_event(cid, name="click", product_id="85123A", at=at)


def aisle(*args: str, tmp_path: Path) -> int:
    return main([*args, "--data-dir", str(tmp_path)])


def test_migrate_reports_the_schema_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert aisle("transcripts", "migrate", tmp_path=tmp_path) == 0
    out = capsys.readouterr().out
    from web.store.database import head_revision

    assert f"revision {head_revision()}" in out and head_revision() != "0001"
    assert str(tmp_path / "web" / "transcripts.db") in out
    assert (tmp_path / "web" / "transcripts.db").exists()


def test_purge_removes_only_conversations_past_retention(
    store: SqlTranscriptStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    converse(store, "old", shopper=None, session="s1", at=NOW - timedelta(days=40))
    converse(store, "new", shopper=None, session="s2", at=NOW - timedelta(days=2))

    assert aisle("transcripts", "purge", "--days", "30", "--dry-run", tmp_path=tmp_path) == 0
    assert "would delete 1 conversations (1 messages)" in capsys.readouterr().out
    assert TranscriptConsole(store).count_conversations() == 2

    assert aisle("transcripts", "purge", "--days", "30", tmp_path=tmp_path) == 0
    assert "deleted 1 conversations" in capsys.readouterr().out
    assert [s.id for s in TranscriptConsole(store).list_conversations().items] == ["new"]


def test_purge_defaults_to_the_retention_setting(
    store: SqlTranscriptStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    converse(store, "old", shopper=None, session="s1", at=NOW - timedelta(days=10))
    monkeypatch.setenv("AISLE_WEB_RETENTION_DAYS", "7")
    assert aisle("transcripts", "purge", tmp_path=tmp_path) == 0
    out = capsys.readouterr().out
    assert "deleted 1 conversations" in out
    assert "(7 days)" in out


def _recsys(tmp_path: Path) -> InteractionStore:
    interactions = InteractionStore(RecsysSettings(data_dir=tmp_path / "recsys").store_path)
    interactions.record(
        [
            Interaction(user_id=u, product_id="85123A", event="click", ts=NOW)
            for u in ("shop-1", "shop-1", "session:sa", "shop-2")
        ]
    )
    return interactions


def test_shopper_export_holds_their_transcripts_and_recsys_events(
    store: SqlTranscriptStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    converse(store, "a", shopper="shop-1", session="sa", at=NOW)
    converse(store, "b", shopper="shop-2", session="sb", at=NOW)
    _recsys(tmp_path)

    assert aisle("shopper", "export", "shop-1", tmp_path=tmp_path) == 0
    document = json.loads(capsys.readouterr().out)
    assert [c["summary"]["id"] for c in document["conversations"]] == ["a"]
    assert document["conversations"][0]["messages"][0]["text"] == "hello from a"
    assert document["conversations"][0]["events"][0]["product_id"] == "85123A"
    users = {row["user_id"] for row in document["recsys"]["interactions"]}
    assert users == {"shop-1", "session:sa"}
    assert len(document["recsys"]["interactions"]) == 3

    out = tmp_path / "export.json"
    assert aisle("shopper", "export", "shop-1", "--out", str(out), tmp_path=tmp_path) == 0
    assert json.loads(out.read_text())["shopper"] == "shop-1"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data: the operator's eyes only


def test_shopper_delete_removes_transcripts_and_recsys_history(
    store: SqlTranscriptStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    converse(store, "a", shopper="shop-1", session="sa", at=NOW)
    converse(store, "b", shopper="shop-2", session="sb", at=NOW)
    interactions = _recsys(tmp_path)

    assert aisle("shopper", "delete", "shop-1", "--dry-run", tmp_path=tmp_path) == 0
    assert "would delete 1 conversations" in capsys.readouterr().out
    assert interactions.count() == 4

    assert aisle("shopper", "delete", "shop-1", tmp_path=tmp_path) == 0
    assert "recsys forgot 3 interactions" in capsys.readouterr().out
    console = TranscriptConsole(store)
    assert [s.id for s in console.list_conversations().items] == ["b"]
    assert set(interactions.load()["user_id"]) == {"shop-2"}
    tombstones = Tombstones(RecsysSettings(data_dir=tmp_path / "recsys").tombstones_path)
    assert tombstones.forgotten_at("shop-1") is not None
    assert tombstones.forgotten_at("session:sa") is not None

    assert aisle("shopper", "export", "shop-1", tmp_path=tmp_path) == 0
    assert json.loads(capsys.readouterr().out)["conversations"] == []


def test_shopper_delete_keeps_transcripts_when_recsys_is_unreachable(
    store: SqlTranscriptStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    converse(store, "a", shopper="shop-1", session="sa", at=NOW)
    monkeypatch.setenv("AISLE_RECSYS_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("AISLE_WEB_SERVICE_TIMEOUT_S", "2")
    assert aisle("shopper", "delete", "shop-1", tmp_path=tmp_path) == 1
    assert "run the command again" in capsys.readouterr().err
    # The conversations still name the recsys ids, so a rerun can finish the job.
    assert TranscriptConsole(store).count_conversations() == 1


def test_staff_add_and_list(
    store: SqlTranscriptStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert (
        aisle(
            "staff",
            "add",
            "Ann@Shop.test",
            "--role",
            "admin",
            "--password-stdin",
            tmp_path=tmp_path,
        )
        == 0
    )
    assert "added ann@shop.test (admin)" in capsys.readouterr().out
    assert StaffAccounts(store).authenticate("ann@shop.test", "correct horse") is not None

    monkeypatch.setattr("sys.stdin", io.StringIO("another one\n"))
    assert aisle("staff", "add", "ann@shop.test", "--password-stdin", tmp_path=tmp_path) == 1
    assert "exists already" in capsys.readouterr().err

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "typed twice")
    assert aisle("staff", "add", "bob@shop.test", tmp_path=tmp_path) == 0
    capsys.readouterr()

    assert aisle("staff", "disable", "bob@shop.test", tmp_path=tmp_path) == 0
    assert "bob@shop.test: viewer, disabled" in capsys.readouterr().out
    assert aisle("staff", "list", tmp_path=tmp_path) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["email", "role", "status", "created", "last", "login"]
    rows = {line.split()[0]: line.split() for line in lines[2:] if line.strip()}
    assert rows["ann@shop.test"][1:3] == ["admin", "active"]
    assert rows["bob@shop.test"][1:3] == ["viewer", "disabled"]


def test_staff_add_refuses_a_short_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert aisle("staff", "add", "ann@shop.test", "--password-stdin", tmp_path=tmp_path) == 1
    assert "at least 8 characters" in capsys.readouterr().err


def test_an_unreachable_database_is_named_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "AISLE_WEB_DATABASE_URL", "postgresql+psycopg://aisle:s3cret@127.0.0.1:9/transcripts"
    )
    assert aisle("transcripts", "migrate", tmp_path=tmp_path) == 1
    err = capsys.readouterr().err
    assert "AISLE_WEB_DATABASE_URL" in err
    assert "s3cret" not in err

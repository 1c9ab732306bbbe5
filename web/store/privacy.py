"""Retention and GDPR: purge old conversations, export or delete everything about a shopper.

A shopper is named the way the gateway names them to recsys: the shop's shopper id
when the shop gave one, else `session:<session_id>`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select

from web.store.console import TranscriptConsole
from web.store.conversations import SqlTranscriptStore
from web.store.errors import InvalidRequest
from web.store.models import Conversation, Erasure, Impression, utcnow

__all__ = [
    "PurgeReport",
    "ShopperDeletion",
    "delete_shopper",
    "export_shopper",
    "purge_older_than",
    "recsys_user_ids",
]

log = logging.getLogger(__name__)

SESSION_PREFIX = "session:"
_BATCH = 500


@dataclass(frozen=True)
class PurgeReport:
    """What a retention purge removed (or, in a dry run, would remove)."""

    cutoff: datetime
    conversations: int
    messages: int
    dry_run: bool


@dataclass(frozen=True)
class ShopperDeletion:
    """What deleting a shopper removed from the transcripts."""

    shopper: str
    conversations: int
    messages: int
    recsys_user_ids: list[str] = field(default_factory=list)
    impressions: int = 0
    """Experiment impressions of those conversations and their sessions."""


def _shopper(shopper: str) -> ColumnElement[bool]:
    shopper = shopper.strip()
    if not shopper or shopper == SESSION_PREFIX:
        raise InvalidRequest("give a shopper id, or session:<session id>")
    if shopper.startswith(SESSION_PREFIX):
        return Conversation.session_id == shopper[len(SESSION_PREFIX) :]
    return Conversation.shopper_id == shopper


def purge_older_than(
    store: SqlTranscriptStore, days: int, *, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    """Delete conversations whose last activity is more than `days` days old.

    Everything of theirs goes with them: messages, turns, events, tags, notes. A
    conversation still going on is kept however long ago it started.

    Args:
        store: the transcript store.
        days: the retention period (AISLE_WEB_RETENTION_DAYS), at least 1.
        dry_run: count only.
        now: the reference time (tests); the current time by default.

    Returns:
        The cutoff and how many conversations and messages went (or would go).
    """
    if days < 1:
        raise InvalidRequest("retention is at least 1 day")
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = Conversation.last_at < cutoff
    if dry_run:
        with store.engine.connect() as conn:
            n, msgs = conn.execute(
                select(func.count(), func.coalesce(func.sum(Conversation.message_count), 0)).where(
                    old
                )
            ).one()
        return PurgeReport(cutoff, int(n), int(msgs), True)
    conversations = messages = 0
    while True:
        # Small batches: each commit is short, so the gateway's writes never wait long.
        with store.transaction() as conn:
            rows = conn.execute(
                select(Conversation.id, Conversation.message_count).where(old).limit(_BATCH)
            ).all()
            if not rows:
                break
            conn.execute(delete(Conversation).where(Conversation.id.in_([r[0] for r in rows])))
        conversations += len(rows)
        messages += sum(int(r[1]) for r in rows)
    log.info("purged %d conversations (%d messages) older than %s", conversations, messages, cutoff)
    return PurgeReport(cutoff, conversations, messages, False)


def recsys_user_ids(store: SqlTranscriptStore, shopper: str) -> list[str]:
    """The user ids the gateway may have sent this shopper's events to recsys under.

    Args:
        store: the transcript store.
        shopper: the shop's shopper id, or `session:<session_id>`.

    Returns:
        The shopper id itself and `session:<id>` of each of their sessions.
    """
    with store.engine.connect() as conn:
        sessions = conn.execute(
            select(Conversation.session_id).where(_shopper(shopper)).distinct()
        ).scalars()
        ids = [shopper] + [SESSION_PREFIX + s for s in sessions]
    return list(dict.fromkeys(ids))


def export_shopper(store: SqlTranscriptStore, shopper: str) -> dict[str, Any]:
    """Everything the transcripts hold about a shopper, as one JSON-ready document.

    Args:
        store: the transcript store.
        shopper: the shop's shopper id, or `session:<session_id>`.

    Returns:
        `{"shopper", "exported_at", "conversations": [full detail ...], "recsys_user_ids"}`.
    """
    console = TranscriptConsole(store)
    with store.engine.connect() as conn:
        ids = list(
            conn.execute(
                select(Conversation.id).where(_shopper(shopper)).order_by(Conversation.started_at)
            ).scalars()
        )
    return {
        "shopper": shopper,
        "exported_at": utcnow().isoformat(),
        "conversations": [console.conversation(i).model_dump(mode="json") for i in ids],
        "recsys_user_ids": recsys_user_ids(store, shopper),
    }


def delete_shopper(
    store: SqlTranscriptStore, shopper: str, *, dry_run: bool = False
) -> ShopperDeletion:
    """Delete a shopper's conversations with all their messages, turns, events and notes.

    Recsys is not touched here: forget `recsys_user_ids(...)` there first (the CLI
    does), since those ids are gone once the conversations are.

    Args:
        store: the transcript store.
        shopper: the shop's shopper id, or `session:<session_id>`.
        dry_run: count only.

    Returns:
        How many conversations and messages went, and the recsys ids they had.
    """
    condition = _shopper(shopper)
    user_ids = recsys_user_ids(store, shopper)
    with store.transaction() as conn:
        n, msgs = conn.execute(
            select(func.count(), func.coalesce(func.sum(Conversation.message_count), 0)).where(
                condition
            )
        ).one()
        keys = _impression_keys(conn, condition, shopper)
        shown = conn.execute(
            select(func.count()).where(Impression.conversation_id.in_(keys))
        ).scalar_one()
        if not dry_run:
            ids = list(conn.execute(select(Conversation.id).where(condition)).scalars())
            conn.execute(delete(Impression).where(Impression.conversation_id.in_(keys)))
            conn.execute(delete(Conversation).where(condition))
            # Running gateways read these and end the conversations' sessions and tokens.
            now = utcnow()
            for cid in ids:
                conn.execute(insert(Erasure).values(conversation_id=cid, erased_at=now))
    if not dry_run:
        scrub(store)
        log.info("deleted a shopper's %d conversations (%d messages)", n, msgs)
    return ShopperDeletion(shopper, int(n), int(msgs), user_ids, int(shown))


def _impression_keys(conn: Any, condition: ColumnElement[bool], shopper: str) -> set[str]:
    """Impressions are keyed by the conversation, or by the storefront's session."""
    rows = conn.execute(select(Conversation.id, Conversation.session_id).where(condition))
    keys = {key for row in rows for key in row if key}
    if shopper.strip().startswith(SESSION_PREFIX):
        keys.add(shopper.strip()[len(SESSION_PREFIX) :])
    return keys


def scrub(store: SqlTranscriptStore) -> None:
    """Make deleted text unreadable in the database's files, not only in its tables.

    SQLite (which runs with `secure_delete`, so freed pages are zeroed): the full-text
    index is merged (its old segments still held the deleted words), and the WAL is
    checkpointed and truncated (it still held the old pages). PostgreSQL: a `VACUUM` of
    the tables marks the dead rows' space free for reuse; the bytes stay in the data
    files until overwritten, so run `VACUUM FULL` in a maintenance window (or rely on
    encrypted storage) when erasure must reach the disk at once (see web/store).
    """
    engine = store.engine
    if engine.dialect.name == "sqlite":
        with store.transaction() as conn:
            conn.exec_driver_sql("INSERT INTO message_fts(message_fts) VALUES ('optimize')")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("messages", "turns", "events", "notes", "conversations"):
            conn.exec_driver_sql(f"VACUUM {table}")

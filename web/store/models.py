"""The transcript schema: conversations, messages, turns, events, tags, notes and staff users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "Conversation",
    "ConversationTag",
    "Erasure",
    "ExperimentControl",
    "Event",
    "Impression",
    "Message",
    "Note",
    "StaffAccount",
    "Turn",
    "UTCDateTime",
    "utcnow",
]

# Stable constraint names so Alembic migrations can refer to them on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but SQLite only auto-increments an INTEGER PRIMARY KEY (its rowid).
RowId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (what every timestamp column holds)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware values are converted to UTC; naive ones are taken to be UTC already."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text: store them naive so every row has one format.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns naive."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: Json}


class Conversation(Base):
    """One shopper conversation and the outcome flags the console filters on."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    shopper_id: Mapped[str | None] = mapped_column(String(256), index=True)
    channel: Mapped[str] = mapped_column(String(32), default="widget")
    started_at: Mapped[datetime]
    last_at: Mapped[datetime] = mapped_column(index=True)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    first_message: Mapped[str | None] = mapped_column(Text)
    first_query: Mapped[str | None] = mapped_column(String(200))
    product_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    card_clicked: Mapped[bool] = mapped_column(Boolean, default=False)
    added_to_cart: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    zero_result: Mapped[bool] = mapped_column(Boolean, default=False)
    guardrail_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    fallback_used: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_human: Mapped[bool] = mapped_column(Boolean, default=False)
    taken_over: Mapped[bool] = mapped_column(Boolean, default=False)
    live_staff: Mapped[str | None] = mapped_column(String(320))
    rating: Mapped[float | None] = mapped_column(Float, doc="mean shopper feedback, 0 to 1")
    staff_rating: Mapped[int | None] = mapped_column(Integer)
    staff_rated_by: Mapped[str | None] = mapped_column(String(320))

    __table_args__ = (
        Index("ix_conversations_started", "started_at", "id"),
        Index("ix_conversations_length", "message_count", "started_at", "id"),
        # The "lowest rating" sort key, unrated last (console.UNRATED), as an expression index.
        Index("ix_conversations_rating", text("coalesce(rating, 2.0)"), "started_at", "id"),
        # Covers the analytics' conversation aggregates (no table lookups per row).
        Index(
            "ix_conversations_stats",
            "started_at",
            "product_shown",
            "card_clicked",
            "added_to_cart",
            "handoff",
            "first_query",
        ),
    )


class Message(Base):
    """A text in a conversation: the shopper's, the assistant's or a staff member's."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16), doc="user | assistant | staff")
    turn_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(128))
    author: Mapped[str | None] = mapped_column(String(320), doc="the staff member's email")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client"),
        Index("ix_messages_conversation_turn", "conversation_id", "turn_id"),
    )


class Turn(Base):
    """The record of one assistant answer: tools, brain, guard, cards and feedback."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    turn_id: Mapped[str] = mapped_column(String(64))
    brain: Mapped[str] = mapped_column(String(64))
    fallback: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    query: Mapped[str | None] = mapped_column(String(200), doc="the shopper's words, normalised")
    product_count: Mapped[int] = mapped_column(Integer, default=0)
    zero_result: Mapped[bool] = mapped_column(Boolean, default=False)
    guardrail_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[dict[str, Any]] = mapped_column(Json, doc="the TurnRecord, redacted")
    cards: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    suggestions: Mapped[list[str]] = mapped_column(Json)
    latency_ms: Mapped[float] = mapped_column(Float)
    first_frame_ms: Mapped[float] = mapped_column(Float)
    feedback: Mapped[int | None] = mapped_column(Integer)
    feedback_scale: Mapped[str | None] = mapped_column(String(8), doc="thumbs | stars")
    feedback_at: Mapped[datetime | None]
    staff_rating: Mapped[int | None] = mapped_column(Integer)
    staff_rated_by: Mapped[str | None] = mapped_column(String(320))
    at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("conversation_id", "turn_id", name="uq_turns_conversation_turn"),
        Index("ix_turns_brain", "brain", "conversation_id"),
        # Covers the analytics' turn aggregates: turn rows are wide (record, cards).
        Index(
            "ix_turns_stats",
            "at",
            "zero_result",
            "guardrail_hit",
            "feedback",
            "feedback_scale",
            "fallback",
            "query",
        ),
    )


class Event(Base):
    """A shopper's view, click or add-to-cart, or a staff member joining or leaving."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[str | None] = mapped_column(String(128))
    staff: Mapped[str | None] = mapped_column(String(320))
    # The turn whose cards showed the product, and what it searched for (training pairs).
    turn_id: Mapped[str | None] = mapped_column(String(64))
    query: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]


class ConversationTag(Base):
    """A staff tag on a conversation ("refund", "bug")."""

    __tablename__ = "conversation_tags"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    staff: Mapped[str | None] = mapped_column(String(320))
    at: Mapped[datetime]


class Note(Base):
    """A staff note on a conversation, optionally about one turn."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    turn_id: Mapped[str | None] = mapped_column(String(64))
    staff: Mapped[str] = mapped_column(String(320))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class StaffAccount(Base):
    """A console login: email, argon2 hash and role."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), doc="viewer | agent | admin")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    session_gen: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default=text("0"),
        doc="bumped by logout, password change and disable: older cookies stop working",
    )


class Erasure(Base):
    """A conversation deleted on request (GDPR): gateways end its live session and token.

    Only the random conversation id is kept, never who it was or what was said.
    """

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime]


class Impression(Base):
    """A recommendation list served under an experiment: where, which arm, what it showed.

    Keyed by the conversation (or storefront session) id, never by who the shopper is; a
    click or add-to-cart on one of its products within the reward window stamps it.
    """

    __tablename__ = "impressions"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    placement: Mapped[str] = mapped_column(String(32))
    arm: Mapped[str] = mapped_column(String(64))
    context: Mapped[str] = mapped_column(String(64))
    products: Mapped[list[str]] = mapped_column(Json)
    propensity: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime]
    clicked_at: Mapped[datetime | None]
    carted_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_impressions_conversation", "conversation_id", "at"),
        Index("ix_impressions_arm", "placement", "context", "arm"),
    )


class ExperimentControl(Base):
    """An admin's controls of one placement's experiment: mode, paused arms, split."""

    __tablename__ = "experiment_controls"

    placement: Mapped[str] = mapped_column(String(32), primary_key=True)
    mode: Mapped[str | None] = mapped_column(String(16))
    paused: Mapped[list[str]] = mapped_column(Json)
    split: Mapped[dict[str, float]] = mapped_column(Json)
    changed_by: Mapped[str | None] = mapped_column(String(320))
    at: Mapped[datetime]

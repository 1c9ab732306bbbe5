"""The first schema: conversations, messages (full-text indexed), turns, events, staff.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)

SQLITE_FTS = [
    # External-content FTS5: the index holds tokens only, the text stays in `messages`.
    "CREATE VIRTUAL TABLE message_fts USING fts5("
    "text, content='messages', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
]
POSTGRES_FTS = [
    "ALTER TABLE messages ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', coalesce(text, ''))) STORED",
    "CREATE INDEX ix_messages_tsv ON messages USING GIN (tsv)",
]


def _fk(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_id"], ["conversations.id"], name=name, ondelete="CASCADE"
    )


def upgrade() -> None:
    """Create every table and the dialect's full-text index over message text."""
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("shopper_id", sa.String(256)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("last_at", TS, nullable=False),
        sa.Column("message_count", sa.Integer, nullable=False),
        sa.Column("turn_count", sa.Integer, nullable=False),
        sa.Column("first_message", sa.Text),
        sa.Column("first_query", sa.String(200)),
        *(
            sa.Column(flag, sa.Boolean, nullable=False)
            for flag in (
                "product_shown",
                "card_clicked",
                "added_to_cart",
                "handoff",
                "zero_result",
                "guardrail_hit",
                "fallback_used",
                "needs_human",
                "taken_over",
            )
        ),
        sa.Column("live_staff", sa.String(320)),
        sa.Column("rating", sa.Float),
        sa.Column("staff_rating", sa.Integer),
        sa.Column("staff_rated_by", sa.String(320)),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_session_id", "conversations", ["session_id"])
    op.create_index("ix_conversations_shopper_id", "conversations", ["shopper_id"])
    op.create_index("ix_conversations_last_at", "conversations", ["last_at"])
    op.create_index("ix_conversations_started", "conversations", ["started_at", "id"])
    op.create_index(
        "ix_conversations_length", "conversations", ["message_count", "started_at", "id"]
    )
    op.create_index(
        "ix_conversations_rating",
        "conversations",
        [sa.text("coalesce(rating, 2.0)"), "started_at", "id"],
    )
    op.create_index(
        "ix_conversations_stats",
        "conversations",
        [
            "started_at",
            "product_shown",
            "card_clicked",
            "added_to_cart",
            "handoff",
            "first_query",
        ],
    )

    op.create_table(
        "messages",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("turn_id", sa.String(64)),
        sa.Column("client_id", sa.String(128)),
        sa.Column("author", sa.String(320)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        _fk("fk_messages_conversation_id_conversations"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        sa.UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client"),
    )
    op.create_index("ix_messages_conversation_turn", "messages", ["conversation_id", "turn_id"])

    op.create_table(
        "turns",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("turn_id", sa.String(64), nullable=False),
        sa.Column("brain", sa.String(64), nullable=False),
        sa.Column("fallback", sa.Text),
        sa.Column("intent", sa.String(64)),
        sa.Column("query", sa.String(200)),
        sa.Column("product_count", sa.Integer, nullable=False),
        sa.Column("zero_result", sa.Boolean, nullable=False),
        sa.Column("guardrail_hit", sa.Boolean, nullable=False),
        sa.Column("handoff", sa.Boolean, nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("cards", JSON, nullable=False),
        sa.Column("suggestions", JSON, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("first_frame_ms", sa.Float, nullable=False),
        sa.Column("feedback", sa.Integer),
        sa.Column("feedback_scale", sa.String(8)),
        sa.Column("feedback_at", TS),
        sa.Column("staff_rating", sa.Integer),
        sa.Column("staff_rated_by", sa.String(320)),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
        _fk("fk_turns_conversation_id_conversations"),
        sa.UniqueConstraint("conversation_id", "turn_id", name="uq_turns_conversation_turn"),
    )
    op.create_index("ix_turns_brain", "turns", ["brain", "conversation_id"])
    op.create_index(
        "ix_turns_stats",
        "turns",
        [
            "at",
            "zero_result",
            "guardrail_hit",
            "feedback",
            "feedback_scale",
            "fallback",
            "query",
        ],
    )

    op.create_table(
        "events",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("product_id", sa.String(128)),
        sa.Column("staff", sa.String(320)),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        _fk("fk_events_conversation_id_conversations"),
    )
    op.create_index("ix_events_conversation_id", "events", ["conversation_id"])

    op.create_table(
        "conversation_tags",
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("staff", sa.String(320)),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "tag", name="pk_conversation_tags"),
        _fk("fk_conversation_tags_conversation_id_conversations"),
    )
    op.create_index("ix_conversation_tags_tag", "conversation_tags", ["tag"])

    op.create_table(
        "notes",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("turn_id", sa.String(64)),
        sa.Column("staff", sa.String(320), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        _fk("fk_notes_conversation_id_conversations"),
    )
    op.create_index("ix_notes_conversation_id", "notes", ["conversation_id"])

    op.create_table(
        "staff_users",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("last_login_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_staff_users"),
        sa.UniqueConstraint("email", name="uq_staff_users_email"),
    )

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_FTS:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything this revision created."""
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS message_fts")
    for table in ("staff_users", "notes", "conversation_tags", "events", "turns", "messages"):
        op.drop_table(table)
    op.drop_table("conversations")

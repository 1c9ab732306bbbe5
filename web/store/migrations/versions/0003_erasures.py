"""GDPR erasures: the ids of deleted conversations, so running gateways end their sessions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `erasures` (id, conversation_id, erased_at)."""
    op.create_table(
        "erasures",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("erased_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_erasures"),
    )
    op.create_index("ix_erasures_conversation_id", "erasures", ["conversation_id"])


def downgrade() -> None:
    """Drop the table."""
    op.drop_index("ix_erasures_conversation_id", table_name="erasures")
    op.drop_table("erasures")

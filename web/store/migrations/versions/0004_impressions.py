"""Experiments: impressions (what each arm showed, and its rewards) and admins' controls.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Create `impressions` and `experiment_controls`."""
    op.create_table(
        "impressions",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("placement", sa.String(32), nullable=False),
        sa.Column("arm", sa.String(64), nullable=False),
        sa.Column("context", sa.String(64), nullable=False),
        sa.Column("products", JSON, nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("clicked_at", TS, nullable=True),
        sa.Column("carted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_impressions"),
    )
    op.create_index("ix_impressions_conversation", "impressions", ["conversation_id", "at"])
    op.create_index("ix_impressions_arm", "impressions", ["placement", "context", "arm"])
    op.create_table(
        "experiment_controls",
        sa.Column("placement", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=True),
        sa.Column("paused", JSON, nullable=False),
        sa.Column("split", JSON, nullable=False),
        sa.Column("changed_by", sa.String(320), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("placement", name="pk_experiment_controls"),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("experiment_controls")
    op.drop_index("ix_impressions_arm", table_name="impressions")
    op.drop_index("ix_impressions_conversation", table_name="impressions")
    op.drop_table("impressions")

"""Events remember the turn that showed the product and what it searched for.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `events.turn_id` and `events.query` (empty for events stored before)."""
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("turn_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("query", sa.String(200), nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("events") as batch:
        batch.drop_column("query")
        batch.drop_column("turn_id")

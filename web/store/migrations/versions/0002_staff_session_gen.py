"""Staff sessions end on the server: a per-account session generation that cookies must match.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `staff_users.session_gen` (0 for every existing account)."""
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(
            sa.Column("session_gen", sa.Integer, nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("session_gen")

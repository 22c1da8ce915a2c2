"""Interactions keep the caller's display name.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

One nullable column on `interactions`: the display name the caller's phone sent, for
the history to show beside the number. The interactions already stored have none.
Adding a nullable column is an `ALTER TABLE ... ADD COLUMN` on both SQLite and
PostgreSQL; the downgrade drops it (SQLite by copying the table, Alembic's batch mode).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as table:
        table.add_column(sa.Column("caller_name", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as table:
        table.drop_column("caller_name")

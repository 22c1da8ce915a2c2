"""Voicemails remember who heard them first, and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Two nullable columns on `voicemails`: the messages already stored come out unheard.
Adding a nullable column is an `ALTER TABLE ... ADD COLUMN` on both SQLite and
PostgreSQL (no copy of the table); the downgrade drops them, which SQLite does by
copying the table (Alembic's batch mode).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("voicemails") as table:
        table.add_column(sa.Column("heard_at", sa.Double(), nullable=True))
        table.add_column(sa.Column("heard_by", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voicemails") as table:
        table.drop_column("heard_by")
        table.drop_column("heard_at")

"""Queued callbacks survive a restart.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

One row per callback promised to a customer and not yet answered: the call server
writes it when the caller asks to be called back, deletes it when the customer
answers (or the call ends), and at start puts every row back in its queue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "pending_callbacks",
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("queue_id", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("callee", sa.Text(), nullable=False),
        sa.Column("caller_name", sa.Text(), nullable=True),
        sa.Column("crm_contact_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("wait_since", sa.Double(), nullable=False),
        sa.Column("requested_at", sa.Double(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("required_skill", sa.Integer(), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("timeline", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_pending_callbacks")),
    )


def downgrade() -> None:
    op.drop_table("pending_callbacks")

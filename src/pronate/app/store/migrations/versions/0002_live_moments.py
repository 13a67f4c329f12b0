"""Live moments: loading moments captured during a live session (pronate.app.live).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of live moments."""
    op.create_table(
        "live_moments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True
        ),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("time_s", sa.Float, nullable=False),
        sa.Column("verdict", sa.String(32), nullable=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("image", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    """Drop the table of live moments."""
    op.drop_table("live_moments")

"""Visits: the table ``sessions`` becomes ``visits`` and the columns that point at it
``visit_id`` (the model was already :class:`~pronate.app.store.models.Visit`); the pages
and the API still say *session*. Every row is kept.

Also: ``live_moments.visit_id`` is ``NOT NULL``, as the model always had it (every live
moment was saved into a visit).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

POINTING = ("clips", "live_moments")
"""Tables with a column pointing at a visit."""


def _rename(old: str, new: str) -> None:
    """Rename table ``sessions`` and the columns, indexes (and, on PostgreSQL, keys and
    sequence) named after it, from the ``old`` word to the ``new`` one."""
    op.rename_table(f"{old}s", f"{new}s")  # SQLite rewrites the references to it too
    op.drop_index(f"ix_{old}s_client_id", table_name=f"{new}s")
    op.create_index(f"ix_{new}s_client_id", f"{new}s", ["client_id"])
    for table in POINTING:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old}_id TO {new}_id")
        op.drop_index(f"ix_{table}_{old}_id", table_name=table)
        op.create_index(f"ix_{table}_{new}_id", table, [f"{new}_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER SEQUENCE {old}s_id_seq RENAME TO {new}s_id_seq")
        renamed = [(f"{new}s", f"{old}s_pkey", f"{new}s_pkey")]
        renamed.append((f"{new}s", f"{old}s_client_id_fkey", f"{new}s_client_id_fkey"))
        renamed += [(t, f"{t}_{old}_id_fkey", f"{t}_{new}_id_fkey") for t in POINTING]
        for table, before, after in renamed:
            op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {before} TO {after}")


def upgrade() -> None:
    """``sessions`` -> ``visits``, ``session_id`` -> ``visit_id``."""
    _rename("session", "visit")
    with op.batch_alter_table("live_moments") as batch:
        batch.alter_column("visit_id", existing_type=sa.Integer, nullable=False)


def downgrade() -> None:
    """``visits`` -> ``sessions``, ``visit_id`` -> ``session_id``."""
    with op.batch_alter_table("live_moments") as batch:
        batch.alter_column("visit_id", existing_type=sa.Integer, nullable=True)
    _rename("visit", "session")

"""Ids never reused: on SQLite every table is rebuilt with ``AUTOINCREMENT``, so the id of
a deleted row (its client's, clip's, job's, analysis's, live moment's) is never given to a
new one. Every row is kept, with its id; PostgreSQL's sequences already never go back.

SQLite drops a table with an implicit ``DELETE``, which would cascade to the rows that
point at it: the rebuild runs with foreign keys off (:func:`pronate.app.store.db.migrate`
turns them off around the migrations, and this one refuses to run otherwise).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("clients", "visits", "clips", "jobs", "analyses", "live_moments")


def _rebuild(autoincrement: bool) -> None:
    """Rebuild every table on SQLite with or without ``AUTOINCREMENT`` (rows, indexes and
    foreign keys kept)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("migration 0004 rebuilds tables: run it with foreign keys off")
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    """``AUTOINCREMENT`` ids on SQLite."""
    _rebuild(True)


def downgrade() -> None:
    """Plain rowids again on SQLite."""
    _rebuild(False)

"""The store: migrations equal the models, applied at start (twice is harmless), SQLite in
WAL mode, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from pronate.app.store.db import MIGRATIONS, database_url, make_engine, open_database
from pronate.app.store.models import Base
from pronate.errors import InputError

TABLES = {"clients", "sessions", "clips", "jobs", "analyses"}
"""The workspace's own tables (other outer layers compare theirs)."""


def _table(diff: Any) -> str | None:
    """The table a difference of :func:`compare_metadata` is about."""
    first = diff[0] if isinstance(diff, list) else diff
    for part in first[1:]:
        if isinstance(part, str):
            return part
        name = getattr(part, "name", None) if hasattr(part, "columns") else None
        table = getattr(part, "table", None)
        if name or table is not None:
            return str(name or table.name)
    return None


def test_migrations_match_the_models(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    engine, _ = open_database(database_url)
    engine2, _ = open_database(database_url)  # a second start: nothing to do
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == ScriptDirectory(str(MIGRATIONS)).get_current_head()
        diffs = [d for d in compare_metadata(context, Base.metadata) if _table(d) in TABLES]
        assert diffs == []
    engine.dispose()
    engine2.dispose()


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    engine, _ = open_database(database_url(tmp_path))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    assert (tmp_path / "workspace.db").is_file()


def test_database_url_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRONATE_DATABASE_URL", raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'workspace.db'}"
    monkeypatch.setenv("PRONATE_DATABASE_URL", "postgresql://u:p@db.clinic/pronate")
    assert database_url(tmp_path) == "postgresql+psycopg://u:p@db.clinic/pronate"
    assert database_url(tmp_path, "sqlite:///x.db") == "sqlite:///x.db"


def test_bad_database_urls_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not valid"):
        make_engine("not a url")
    with pytest.raises(InputError, match="cannot open the database"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")

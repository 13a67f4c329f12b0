"""Database engine and schema migrations.

SQLite (``workspace.db`` in the data folder, WAL mode) is the default; a clinic sets
``PRONATE_DATABASE_URL`` (``postgresql+psycopg://user:pass@host/db``) to share one server.
The schema is created and upgraded by the Alembic migrations shipped in this package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pronate.errors import InputError

ENV_URL = "PRONATE_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(data_dir: Path, url: str | None = None) -> str:
    """The database URL: ``url``, else ``$PRONATE_DATABASE_URL``, else SQLite in ``data_dir``."""
    url = url or os.environ.get(ENV_URL)
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{Path(data_dir).resolve() / 'workspace.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections use WAL, foreign keys and a busy timeout.

    Raises
    ------
    InputError
        For a URL that is not a database URL SQLAlchemy knows.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError("the database URL is not valid (see PRONATE_DATABASE_URL)") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration.

    Raises
    ------
    InputError
        When the database cannot be reached.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreachable"
        raise InputError(f"cannot open the database: {reason}") from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep their objects readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def open_database(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory of ``url``, schema upgraded."""
    engine = make_engine(url)
    upgrade(engine)
    return engine, session_factory(engine)

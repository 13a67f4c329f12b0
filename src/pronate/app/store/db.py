"""Database engine and schema migrations.

SQLite (``workspace.db`` in the data folder, WAL mode) is the default; a clinic sets
``PRONATE_DATABASE_URL`` (``postgresql+psycopg://user:pass@host/db``) to share one server.
The schema is created and upgraded by the Alembic migrations shipped in this package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
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
    """WAL, foreign keys, a busy timeout, and deleted rows overwritten with zeros (a
    deleted client's name does not stay readable in the file)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")
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


def migrate(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or downgrade) the schema to ``revision``.

    On SQLite the migrations run with foreign keys off (a table rebuilt by a migration is
    dropped, and a drop would cascade to the rows pointing at it); they are turned on
    again after, once ``PRAGMA foreign_key_check`` finds every reference intact.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                (command.downgrade if down else command.upgrade)(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("a migration left rows pointing at nothing")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (:func:`migrate`).

    Raises
    ------
    InputError
        When the database cannot be reached.
    """
    try:
        migrate(engine)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreachable"
        raise InputError(f"cannot open the database: {reason}") from None


def forget_deleted(db: Session) -> None:
    """Leave no copy of deleted rows in the files: on SQLite (whose deleted rows are zeroed
    by ``secure_delete``), copy the write-ahead log into the database and empty it, since
    it still holds the pages as they were before the delete. A no-op elsewhere."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.commit()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep their objects readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def open_database(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory of ``url``, schema upgraded."""
    engine = make_engine(url)
    upgrade(engine)
    return engine, session_factory(engine)

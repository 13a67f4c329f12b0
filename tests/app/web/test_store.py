"""The store: migrations equal the models, applied at start (twice is harmless), a
workspace of before ``0003`` (``sessions``) upgraded with its data, SQLite in WAL mode,
PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from pronate.app.store.db import MIGRATIONS, database_url, make_engine, migrate, open_database
from pronate.app.store.models import Base
from pronate.errors import InputError

TABLES = {"clients", "visits", "clips", "jobs", "analyses", "live_moments"}
"""The workspace's tables."""
BEFORE_0003 = Path(__file__).with_name("workspace-0002.db.gz")
"""A ``workspace.db`` made by the workspace of before migration ``0003`` (its own API and
live moments' code, at main 5a2d118): clients Ann (a session of 2026-11-02 with notes
"first", the clip ``squat.mp4`` analysed, a live moment captured) and Bob (a session of
the day of the upload, a clip queued)."""


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


def test_the_tables_are_the_models_tables() -> None:
    assert set(Base.metadata.tables) == TABLES


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = make_engine(url)
    migrate(engine, revision, down=down)
    engine.dispose()


ROWS_0002 = (
    "INSERT INTO clients (id, name, archived, created_at) VALUES (1, 'Ann', false, '2026-11-01')",
    "INSERT INTO sessions (id, client_id, date, notes, created_at) "
    "VALUES (1, 1, '2026-11-02', 'first', '2026-11-02'), (2, 1, '2026-11-09', '', '2026-11-09')",
    "INSERT INTO clips (id, session_id, sha256, size, display_name, created_at) "
    "VALUES (1, 2, 'ab', 10, 'squat.mp4', '2026-11-09')",
    "INSERT INTO live_moments (id, session_id, source, side, kind, time_s, verdict, details,"
    " image, created_at) VALUES (1, 1, 'auto', 'left', 'step_down', 2.5, 'partial', '{}', NULL,"
    " '2026-11-02')",
)


def _insert_rows_0002(url: str) -> None:
    """The rows of :data:`ROWS_0002`; on PostgreSQL the id sequences are moved past them,
    as a workspace's own inserts would have left them."""
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in ROWS_0002:
            connection.execute(text(statement))
        if connection.dialect.name == "postgresql":
            for table in ("clients", "sessions", "clips", "live_moments"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    engine.dispose()


def test_migration_0003_renames_sessions_to_visits_and_keeps_every_row(
    database_url: str, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from pronate.app.store.models import Client, Clip, LiveMoment, Visit

    (tmp_path / "data").mkdir(exist_ok=True)
    _migrate(database_url, "0002")
    _insert_rows_0002(database_url)
    for _ in range(2):  # up, down and up again
        engine, sessions = open_database(database_url)
        with sessions() as db:
            visits = db.scalars(select(Visit).order_by(Visit.id)).all()
            assert [(v.id, v.client_id, str(v.date), v.notes) for v in visits] == [
                (1, 1, "2026-11-02", "first"),
                (2, 1, "2026-11-09", ""),
            ]
            clip = db.get(Clip, 1)
            assert clip is not None and (clip.visit_id, clip.visit.date.day) == (2, 9)
            moment = db.get(LiveMoment, 1)
            assert moment is not None and (moment.visit_id, moment.kind) == (1, "step_down")
            db.add(Visit(client_id=1, date=visits[0].date, notes="new"))
            db.commit()
            added = db.scalars(select(Visit.id).where(Visit.notes == "new")).one()
            assert added == 3  # the ids go on after the kept rows
            db.delete(db.get(Visit, added))
            db.delete(db.get(Client, 1))
            db.commit()
            assert db.scalars(select(Clip)).all() == []  # gone with the client, by cascade
            assert db.scalars(select(LiveMoment)).all() == []
        engine.dispose()
        _migrate(database_url, "0002", down=True)
        engine = make_engine(database_url)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM sessions")).scalar() == 0
        engine.dispose()
        _insert_rows_0002(database_url)


def test_a_workspace_of_before_0003_opens_with_its_data(tmp_path: Path) -> None:
    import gzip

    from fastapi.testclient import TestClient

    from pronate.app.server import create_app
    from pronate.app.workspace.settings import WorkspaceSettings

    data = tmp_path / "data"
    data.mkdir()
    (data / "workspace.db").write_bytes(gzip.decompress(BEFORE_0003.read_bytes()))
    url = database_url(data)
    settings = WorkspaceSettings(data_dir=data, database_url=url, workers=0)
    with TestClient(create_app(settings, start_workers=False)) as client:
        ann = client.get("/api/clients/1").json()
        assert (ann["name"], ann["sessions"]) == ("Ann", 1)
        [visit] = ann["visits"]
        assert (visit["date"], visit["notes"]) == ("2026-11-02", "first")
        [clip] = visit["clips"]
        assert (clip["name"], clip["state"], clip["analysis_id"]) == ("squat.mp4", "done", 1)
        [moment] = client.get("/api/clients/1/moments").json()
        assert (moment["session_id"], moment["kind"], moment["verdict"]) == (
            1,
            "single_leg_squat",
            "partial",
        )
        history = client.get("/api/clients/1/history").json()
        assert history["sessions"][0]["movements"]["single_leg"]["left"]["verdict"] == "pronation"
        assert history["sessions"][0]["live_moments"] == [1]
        bob = client.get("/api/clients/2").json()
        assert bob["visits"][0]["clips"][0]["state"] == "queued"
        added = client.post("/api/clients/2/sessions", json={"date": "2026-12-01"}).json()
        assert added["id"] == 3
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


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

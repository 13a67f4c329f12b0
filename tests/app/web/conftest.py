"""Fixtures of the workspace tests: the database (SQLite and PostgreSQL), the app, clips."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pgserver import PostgresUnavailableError, start, stop
from sqlalchemy import create_engine, text

from pronate.app.server import create_app
from pronate.app.workspace.queue import JobSettings
from pronate.app.workspace.settings import WorkspaceSettings

ENV_URL = "PRONATE_TEST_DATABASE_URL"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
CAM01 = SHARED / "pose2sim_balancing" / "cam01.mp4"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL: ``$PRONATE_TEST_DATABASE_URL`` (``.ci/run`` starts one), else a
    server started here; skipped only when PostgreSQL cannot start on this machine."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    root = Path(tempfile.mkdtemp(prefix="pronate-pg-"))
    try:
        url = start(root)
    except (PostgresUnavailableError, OSError) as exc:
        pytest.skip(f"PostgreSQL could not start: {exc}")
    try:
        yield url
    finally:
        stop(root)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test runs on SQLite (in its data folder) and on an emptied PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'workspace.db'}"
    url: str = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> WorkspaceSettings:
    """Settings of a test workspace: lite model, small upload limit, no worker."""
    return WorkspaceSettings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        max_upload_bytes=2_000_000,
        jobs=JobSettings(model="lite", write_video=True),
        workers=0,
    )


@pytest.fixture
def make_client(settings: WorkspaceSettings) -> Iterator[Callable[..., TestClient]]:
    """Factory of test clients on the workspace (``make_client(token=...)``)."""
    clients: list[TestClient] = []

    def factory(**changes: object) -> TestClient:
        from dataclasses import replace

        app = create_app(replace(settings, **changes), start_workers=False)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A test client of a workspace without token."""
    return make_client()


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real (decodable) 8-frame H.264 clip, as bytes."""
    from fractions import Fraction

    import av
    import numpy as np

    path = tmp_path_factory.mktemp("clip") / "tiny.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(8):
            image = np.full((64, 64, 3), 20 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


@pytest.fixture(scope="session")
def cam01() -> Path:
    """The real 100-frame clip ``pose2sim_balancing/cam01.mp4`` (skip without shared data)."""
    if not CAM01.is_file():
        pytest.skip("../shared/data is not present")
    return CAM01

"""Jobs: the queue on SQLite and PostgreSQL, the worker pool running the real analysis,
a crashing analysis, a worker killed mid-run, and the executor on a Dask LocalCluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crash import Bomb
from pronate.app.executor import ROUNDS, Executor
from pronate.app.jobs import execute
from pronate.app.jobs.worker import WorkerPool
from pronate.app.store.models import Analysis, Job
from pronate.app.workspace import queue
from pronate.app.workspace.queue import JobSettings
from pronate.app.workspace.settings import WorkspaceSettings
from pronate.outputs.evidence import movement_of

pytestmark = pytest.mark.model


def add_clip(client: TestClient, data: bytes, *, name: str = "clip.mp4") -> tuple[int, int]:
    """Upload ``data`` as ``name`` for a new client; (clip id, job id)."""
    cid = client.post("/api/clients", json={"name": "Ann"}).json()["id"]
    response = client.post(f"/api/clients/{cid}/clips", files={"file": (name, data, "video/mp4")})
    assert response.status_code == 201, response.text
    out = response.json()
    return out["clip_id"], out["job_id"]


def wait_for(
    sessions: sessionmaker[Session],
    job_id: int,
    done: Callable[[Job], bool],
    *,
    timeout: float = 180.0,
) -> Job:
    """Poll the job until ``done(job)``; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with sessions() as db:
            job = db.get(Job, job_id)
            assert job is not None
            if done(job):
                return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not get there in {timeout} s")


def sessions_of(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.workspace.sessions  # type: ignore[attr-defined, no-any-return]


def pool_for(
    settings: WorkspaceSettings, sessions: sessionmaker[Session], **kw: object
) -> WorkerPool:
    return WorkerPool(
        sessions,
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        workers=1,
        poll_s=0.2,
        **kw,  # type: ignore[arg-type]
    )


# -- the queue (both databases) -------------------------------------------------------


def test_claim_is_exclusive_and_in_order(client: TestClient, tiny_video: bytes) -> None:
    sessions = sessions_of(client)
    _, first = add_clip(client, tiny_video)
    _, second = add_clip(client, tiny_video)
    assert queue.claim(sessions) == first
    assert queue.claim(sessions) == second
    assert queue.claim(sessions) is None
    with sessions() as db:
        assert [j.attempts for j in db.scalars(select(Job).order_by(Job.id))] == [1, 1]


def test_recover_requeues_interrupted_and_gives_up_after_max(
    client: TestClient, tiny_video: bytes
) -> None:
    sessions = sessions_of(client)
    _, fresh = add_clip(client, tiny_video)
    _, tired = add_clip(client, tiny_video)
    _, waiting = add_clip(client, tiny_video)
    assert queue.claim(sessions) == fresh
    assert queue.claim(sessions) == tired
    with sessions() as db:
        job = db.get(Job, tired)
        assert job is not None
        job.attempts = queue.MAX_ATTEMPTS
        db.commit()
    assert queue.recover(sessions) == (1, 1)
    state = {j: client.get(f"/api/jobs/{j}").json() for j in (fresh, tired, waiting)}
    assert (state[fresh]["state"], state[fresh]["error"]) == ("queued", queue.INTERRUPTED)
    assert state[tired]["state"] == "failed" and "without finishing" in state[tired]["error"]
    assert (state[waiting]["state"], state[waiting]["error"]) == ("queued", None)
    retried = client.post(f"/api/jobs/{tired}/retry").json()
    assert (retried["state"], retried["attempts"]) == ("queued", 0)


def test_recover_leaves_jobs_with_a_live_worker_alone(
    client: TestClient, tiny_video: bytes
) -> None:
    import datetime as dt

    sessions = sessions_of(client)
    _, job_id = add_clip(client, tiny_video)
    assert queue.claim(sessions) == job_id
    assert queue.recover(sessions, stale_after_s=60) == (0, 0)
    with sessions() as db:
        job = db.get(Job, job_id)
        assert job is not None
        job.updated_at -= dt.timedelta(seconds=120)
        db.commit()
    queue.heartbeat(sessions, [job_id])  # its worker is alive after all
    assert queue.recover(sessions, stale_after_s=60) == (0, 0)
    with sessions() as db:
        job = db.get(Job, job_id)
        assert job is not None and job.state == "running"
        job.updated_at -= dt.timedelta(seconds=120)
        db.commit()
    assert queue.recover(sessions, stale_after_s=60) == (1, 0)
    assert client.get(f"/api/jobs/{job_id}").json()["state"] == "queued"


def test_finish_twice_keeps_one_analysis(client: TestClient, tiny_video: bytes) -> None:
    sessions = sessions_of(client)
    clip, job = add_clip(client, tiny_video)
    assert queue.claim(sessions) == job
    first = queue.finish(sessions, job, clip_id=clip, folder=f"analyses/job-{job}", summary="{}")
    again = queue.finish(sessions, job, clip_id=clip, folder=f"analyses/job-{job}", summary="{}")
    assert first == again
    with sessions() as db:
        assert db.scalar(select(func.count(Analysis.id))) == 1


def test_a_crashing_analysis_is_tried_max_attempts_times_then_fails(
    client: TestClient,
    settings: WorkspaceSettings,
    tiny_video: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The analysis process dies each time (the executor starts it again in a fresh pool):
    the job fails after MAX_ATTEMPTS tries, in plain words, and keeps its clip."""
    sessions = sessions_of(client)
    _, job_id = add_clip(client, tiny_video)
    deaths = tmp_path / "deaths"
    monkeypatch.setattr(execute, "JobProgress", lambda url, job: Bomb(deaths))
    pool = pool_for(settings, sessions)
    pool.start()
    try:
        job = wait_for(sessions, job_id, lambda j: j.state == "failed", timeout=60)
    finally:
        pool.stop(timeout=10)
    assert deaths.read_text() == "x" * queue.MAX_ATTEMPTS == "x" * (ROUNDS + 1)
    assert "stopped unexpectedly" in (job.error or "") and "clip is kept" in (job.error or "")
    assert client.get(f"/api/jobs/{job_id}").json()["state"] == "failed"
    assert len(list((settings.data_dir / "clips").rglob("*"))) == 2  # folder + the clip


class Unstartable(Executor):
    """An executor that cannot start anything (as when the database or a file fails)."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.runs = 0

    def run(self, request: object, progress: object = None) -> Any:
        self.runs += 1
        raise OSError("no room")


def test_a_job_that_cannot_be_started_is_queued_again_then_failed(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    sessions = sessions_of(client)
    _, job_id = add_clip(client, tiny_video)
    executor = Unstartable()
    pool = pool_for(settings, sessions, executor=executor)
    pool.start()
    try:
        job = wait_for(sessions, job_id, lambda j: j.state == "failed", timeout=30)
    finally:
        pool.stop(timeout=10)
    assert executor.runs == queue.MAX_ATTEMPTS
    assert (
        job.error == "the analysis could not be started (OSError); the clip is kept, retry it later"
    )


# -- the real analysis ------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_worker_runs_the_real_analysis(
    client: TestClient, settings: WorkspaceSettings, cam01: Path
) -> None:
    sessions = sessions_of(client)
    clip_id, job_id = add_clip(client, cam01.read_bytes(), name="Ann balance.mp4")
    _, same_id = add_clip(client, cam01.read_bytes())  # the same content again
    pool = pool_for(settings, sessions)
    pool.start()
    seen: set[float] = set()
    try:

        def progressed(job: Job) -> bool:
            seen.add(round(job.progress, 3))
            return job.state in ("done", "failed")

        job = wait_for(sessions, job_id, progressed)
        same = wait_for(sessions, same_id, lambda j: j.state in ("done", "failed"), timeout=30)
    finally:
        pool.stop(timeout=10)
    assert job.state == "done", job.error
    assert any(0 < p < 1 for p in seen), seen  # a live progress bar
    body = client.get(f"/api/jobs/{job_id}").json()
    analysis = body["analysis_id"]
    summary = client.get(f"/api/analyses/{analysis}").json()
    folder = settings.data_dir / "analyses" / f"job-{job_id}"
    assert summary == json.loads((folder / "summary.json").read_text())
    assert summary["frames"] == 100 and summary["model"].endswith("lite")
    assert summary["sides"]["left"]["moments"] >= 1
    assert (folder / "overlay.mp4").stat().st_size > 10_000
    assert client.get(f"/api/analyses/{analysis}/files/overlay.mp4").status_code == 200
    report = client.get(f"/api/analyses/{analysis}/report")
    assert report.status_code == 200 and "<html" in report.text.lower()
    # the clip goes by the name it was uploaded under, never by its path in the store
    assert summary["video"] == "Ann balance.mp4" and "Ann balance.mp4" in report.text
    assert str(settings.data_dir) not in report.text
    assert sorted(p.name for p in folder.parent.iterdir()) == [f"job-{job_id}", f"job-{same_id}"]
    history = client.get("/api/clients/1/history").json()
    assert history["sessions"][0]["analyses"] == [analysis]  # the first client's session
    movements = history["sessions"][0]["movements"]
    [kind] = {e["kind"] for e in summary["events"]}  # cam01: one leg, one kind of moment
    assert list(movements) == [movement_of(kind)]
    assert movements[movement_of(kind)]["left"]["verdict"] == summary["sides"]["left"]["verdict"]
    page = client.get(f"/analyses/{analysis}")
    assert page.status_code == 200 and "overlay.mp4" in page.text
    # the same content with the same settings is not analysed twice: outputs hard-linked,
    # and named after the new upload (another client's), summary and report alike
    assert same.state == "done" and same.attempts == 1
    reused = client.get(f"/api/jobs/{same_id}").json()["analysis_id"]
    assert reused != analysis
    assert client.get(f"/api/analyses/{reused}").json() == {**summary, "video": "clip.mp4"}
    twin = settings.data_dir / "analyses" / f"job-{same_id}"
    assert (twin / "overlay.mp4").stat().st_ino == (folder / "overlay.mp4").stat().st_ino
    assert (twin / "summary.json").stat().st_ino != (folder / "summary.json").stat().st_ino
    relabelled = client.get(f"/api/analyses/{reused}/report").text
    assert "clip.mp4" in relabelled and "Ann balance" not in relabelled
    assert "Ann balance.mp4" in client.get(f"/api/analyses/{analysis}/report").text
    del clip_id


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_failed_job_keeps_its_clip_and_says_why(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    sessions = sessions_of(client)
    _, job_id = add_clip(client, tiny_video)  # a grey clip: nobody in it
    pool = pool_for(settings, sessions)
    pool.start()
    try:
        job = wait_for(sessions, job_id, lambda j: j.state in ("done", "failed"))
    finally:
        pool.stop(timeout=10)
    assert job.state == "failed"
    error = job.error or ""
    assert error and "\n" not in error and "Traceback" not in error
    assert str(settings.data_dir) not in error
    assert len(list((settings.data_dir / "clips").rglob("*"))) == 2  # folder + the clip
    assert list((settings.data_dir / "analyses").iterdir()) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_killed_worker_is_retried_after_restart(
    make_client: Callable[..., TestClient],
    settings: WorkspaceSettings,
    cam01: Path,
    database_url: str,
) -> None:
    client = make_client(jobs=JobSettings(model="lite", write_video=False))
    sessions = sessions_of(client)
    clip_id, job_id = add_clip(client, cam01.read_bytes())
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pronate.app.jobs.worker",
            "--data",
            str(settings.data_dir),
            "--database-url",
            database_url,
            "--workers",
            "1",
        ],
        start_new_session=True,
    )
    try:
        wait_for(sessions, job_id, lambda j: j.state == "running" and j.progress > 0.05)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    time.sleep(0.5)  # the job's own process, in the same group, is gone too
    with sessions() as db:
        job = db.get(Job, job_id)
        assert job is not None and job.state == "running" and job.attempts == 1
    pool = pool_for(settings, sessions, lease_s=2.0)
    pool.start()  # the killed job is recovered once its lease (2 s) has run out
    try:
        job = wait_for(sessions, job_id, lambda j: j.state in ("done", "failed"))
    finally:
        pool.stop(timeout=10)
    assert job.state == "done", job.error
    assert job.attempts == 2 and job.error is None
    with sessions() as db:
        analyses = list(db.scalars(select(Analysis)))
        assert [(a.clip_id, a.job_id) for a in analyses] == [(clip_id, job_id)]
        assert db.scalar(select(func.count(Job.id))) == 1
    folder = settings.data_dir / "analyses"
    assert sorted(p.name for p in folder.iterdir()) == [f"job-{job_id}"]  # no partial left
    assert (folder / f"job-{job_id}" / "summary.json").is_file()
    assert [p.name for p in (settings.data_dir / "tmp").iterdir()] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dask_executor_on_a_local_cluster(
    make_client: Callable[..., TestClient], settings: WorkspaceSettings, cam01: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    client = make_client(jobs=JobSettings(model="lite", write_video=False))
    sessions = sessions_of(client)
    _, job_id = add_clip(client, cam01.read_bytes())
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        executor = Executor(dask=cluster.scheduler_address)
        pool = pool_for(settings, sessions, executor=executor)
        pool.start()
        try:
            job = wait_for(sessions, job_id, lambda j: j.state in ("done", "failed"))
        finally:
            pool.stop(timeout=10)
    assert job.state == "done", job.error
    analysis = client.get(f"/api/jobs/{job_id}").json()["analysis_id"]
    assert client.get(f"/api/analyses/{analysis}").json()["frames"] == 100
    assert not (settings.data_dir / "analyses" / f"job-{job_id}" / "overlay.mp4").exists()

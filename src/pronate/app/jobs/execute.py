"""One job, run to the end: reuse an analysis of the same content with the same settings,
or analyse the clip on the executor; then record the outcome in the database.

The analysis itself runs where the :class:`~pronate.app.executor.Executor` runs it (a
spawned process, or a Dask worker); it reports its progress into the database through
:class:`JobProgress`, which it gets as a plain, picklable value.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pronate.app.executor import Executor, Outcome
from pronate.app.jobs.relabel import relabel
from pronate.app.reuse import reuse
from pronate.app.store.blobs import Blobs
from pronate.app.store.db import make_engine, session_factory
from pronate.app.store.models import Analysis, Clip, Job
from pronate.app.workspace import queue
from pronate.app.workspace.queue import JobSettings
from pronate.errors import PronateError
from pronate.pipeline import AnalysisOptions, AnalysisRequest
from pronate.pipeline.recording import long_enough
from pronate.pose.config import TrackConfig

log = logging.getLogger(__name__)
KEPT = "the clip is kept, retry it later"


class JobProgress:
    """Writes the progress (0..1) of job ``job_id`` into the database at
    ``database_url``, from the process the analysis runs in (picklable)."""

    def __init__(self, database_url: str, job_id: int):
        self.database_url, self.job_id = database_url, job_id

    def __call__(self, fraction: float) -> None:
        queue.set_progress(_sessions(self.database_url), self.job_id, fraction)


@functools.cache
def _sessions(database_url: str) -> sessionmaker[Session]:
    """One engine per database and process (an analysis process runs many jobs)."""
    return session_factory(make_engine(database_url))


class _Job(NamedTuple):
    clip_id: int
    sha256: str
    settings: JobSettings
    name: str


def run_job(
    sessions: sessionmaker[Session],
    blobs: Blobs,
    executor: Executor,
    *,
    database_url: str,
    job_id: int,
    stopping: Callable[[], bool] = lambda: False,
) -> None:
    """Run the claimed job ``job_id`` and record its outcome.

    A user error (not a video, nobody in the clip, ...) marks the job failed with the error
    in plain words, as does a crash the executor's retries did not get past; the clip is
    always kept. An analysis cut short because the workers are ``stopping`` is not recorded:
    the job stays running and is recovered later.
    """
    job = _claimed(sessions, job_id)
    if job is None:
        return
    final = blobs.analysis_dir(job_id)
    try:
        earlier = reuse(_earlier(sessions, blobs, job, job_id), final)
    except (OSError, PronateError):
        log.exception("job %s: the earlier analysis could not be linked", job_id)
        earlier = None
    if earlier is not None:
        relabel(final, job.name or "clip", video=blobs.clip_path(job.sha256))
        queue.set_progress(sessions, job_id, 1.0)
    else:
        video = blobs.clip_path(job.sha256)
        request = AnalysisRequest(
            video=video,
            outdir=final,
            track=_track(job.settings),
            options=AnalysisOptions(clip_name=job.name or "clip"),
            write_video=job.settings.write_video,
            recording=job.settings.pick is None and _long(video),
        )
        outcome = executor.run(request, JobProgress(database_url, job_id))
        if outcome.kind == "crash" and stopping():
            return
        if outcome.kind:
            queue.fail(sessions, job_id, _message(outcome, video))
            return
    _record(sessions, blobs, job, job_id)


def _long(video: Path) -> bool:
    """Is the clip a whole session's recording (by its length)? An unreadable clip is
    not: its analysis says why it cannot be read."""
    try:
        return long_enough(video)
    except PronateError:
        return False


def _record(sessions: sessionmaker[Session], blobs: Blobs, job: _Job, job_id: int) -> None:
    """Record the analysis in ``analyses/job-ID``. When the job is gone (its client was
    deleted during the analysis) nothing is recorded and the folder is removed."""
    final = blobs.analysis_dir(job_id)
    try:
        summary = json.loads((final / "summary.json").read_text(encoding="utf-8"))
    except FileNotFoundError:  # removed with its client meanwhile
        summary = None
    analysis = None
    if summary is not None:
        analysis = queue.finish(
            sessions,
            job_id,
            clip_id=job.clip_id,
            folder=final.relative_to(blobs.root).as_posix(),
            summary=json.dumps(summary, allow_nan=False),
        )
    if analysis is None:
        blobs.remove_analysis(job_id)
        if queue.exists(sessions, job_id):
            queue.fail(sessions, job_id, f"the analysis left no summary; {KEPT}")
        else:
            log.info("job %s: its clip was deleted during the analysis", job_id)


def _track(settings: JobSettings) -> TrackConfig:
    """Tracking of a job: its model, one segment (one job per core), the picked client."""
    pick = settings.pick
    if pick is None:
        return TrackConfig(model=settings.model, workers=1)
    return TrackConfig(
        model=settings.model, workers=1, pick=(pick[0], pick[1]), pick_time_s=pick[2]
    )


def _claimed(sessions: sessionmaker[Session], job_id: int) -> _Job | None:
    """The clip and settings of a running job (``None``: not running any more)."""
    with sessions() as db:
        job = db.get(Job, job_id)
        if job is None or job.state != "running":
            return None
        clip = db.get(Clip, job.clip_id)
        assert clip is not None
        settings = JobSettings.from_json(job.settings)
        return _Job(clip.id, clip.sha256, settings, clip.display_name)


def _earlier(sessions: sessionmaker[Session], blobs: Blobs, job: _Job, job_id: int) -> list[Path]:
    """The folders of earlier analyses of the same content with the same settings,
    newest first."""
    with sessions() as db:
        folders = db.scalars(
            select(Analysis.folder)
            .join(Clip, Analysis.clip_id == Clip.id)
            .join(Job, Analysis.job_id == Job.id)
            .where(
                Clip.sha256 == job.sha256,
                Job.settings == job.settings.to_json(),
                Job.id != job_id,
            )
            .order_by(Analysis.id.desc())
        ).all()
    return [blobs.root / folder for folder in folders]


def _message(outcome: Outcome, video: Path) -> str:
    """Why a job failed, in plain words, never naming the clip's path in the store."""
    if outcome.kind == "input":
        return outcome.error.replace(str(video), "the clip")
    if outcome.kind == "unexpected":
        return f"the analysis failed unexpectedly ({outcome.exception}); {KEPT}"
    if outcome.exception:  # lost on the cluster
        return f"the analysis stopped on the cluster ({outcome.exception}); {KEPT}"
    return f"{outcome.error}; {KEPT}"

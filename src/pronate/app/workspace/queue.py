"""The job queue in the database: enqueue, claim, progress, finish, recover.

The web app queues jobs and reads their state; the job workers
(:mod:`pronate.app.jobs`) claim and run them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pronate.app.store.models import Analysis, Job, utcnow
from pronate.pose.config import ModelName

MAX_ATTEMPTS = 3
INTERRUPTED = "interrupted (its worker stopped); it was queued again"


@dataclass(frozen=True)
class JobSettings:
    """How a job analyses its clip.

    Attributes
    ----------
    model
        PoseLandmarker bundle (``lite``, ``full``, ``heavy``).
    write_video
        Draw ``overlay.mp4``.
    pick
        ``(x, y, time_s)``: the client is the person at this pixel at that time of the
        clip (the "who is the client?" step); ``None``: the person who performs.
    """

    model: ModelName = "heavy"
    write_video: bool = True
    pick: tuple[float, float, float] | None = None

    def to_json(self) -> str:
        """The settings as stored in a job row (``pick`` only when given)."""
        data = {k: v for k, v in asdict(self).items() if k != "pick" or v is not None}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobSettings:
        """Settings read back from a job row (unknown keys ignored)."""
        data = json.loads(text or "{}")
        known = {k: data[k] for k in ("model", "write_video") if k in data}
        pick = data.get("pick")
        if pick is not None:
            known["pick"] = (float(pick[0]), float(pick[1]), float(pick[2]))
        return cls(**known)


def enqueue(db: Session, *, clip_id: int, settings: JobSettings) -> Job:
    """Add a queued job for a clip (flushed, not committed)."""
    job = Job(clip_id=clip_id, state="queued", progress=0.0, attempts=0)
    job.settings = settings.to_json()
    db.add(job)
    db.flush()
    return job


def claim(sessions: sessionmaker[Session]) -> int | None:
    """Mark the oldest queued job running and return its id (``None``: nothing queued).

    The state change is a conditional update, so two workers never claim the same job.
    """
    with sessions() as db:
        while True:
            job_id = db.scalar(
                select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
            )
            if job_id is None:
                return None
            changed = db.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == "queued")
                .values(
                    state="running",
                    progress=0.0,
                    attempts=Job.attempts + 1,
                    updated_at=utcnow(),
                )
            )
            db.commit()
            if changed.rowcount == 1:  # type: ignore[attr-defined]
                return int(job_id)


def set_progress(sessions: sessionmaker[Session], job_id: int, fraction: float) -> None:
    """Record the progress (0..1) of a running job."""
    with sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "running")
            .values(progress=max(0.0, min(1.0, fraction)), updated_at=utcnow())
        )
        db.commit()


def finish(
    sessions: sessionmaker[Session], job_id: int, *, clip_id: int, folder: str, summary: str
) -> int | None:
    """Record the analysis of a job and mark it done, in one transaction; returns the
    analysis id. A job already done keeps its first analysis (no duplicate); a job that
    is gone (its client deleted during the analysis) records nothing: ``None``."""
    with sessions() as db:
        job = db.get(Job, job_id)
        if job is None:
            return None
        existing = db.scalar(select(Analysis).where(Analysis.job_id == job_id))
        if existing is None:
            existing = Analysis(clip_id=clip_id, job_id=job_id, folder=folder, summary=summary)
            db.add(existing)
        job.state, job.progress, job.error, job.updated_at = "done", 1.0, None, utcnow()
        try:
            db.commit()
        except IntegrityError:  # the clip was deleted between the look and the write
            db.rollback()
            return None
        return int(existing.id)


def exists(sessions: sessionmaker[Session], job_id: int) -> bool:
    """Whether job ``job_id`` is still in the database."""
    with sessions() as db:
        return db.get(Job, job_id) is not None


def fail(sessions: sessionmaker[Session], job_id: int, message: str) -> None:
    """Mark a job failed with a message in plain words (its clip is kept)."""
    with sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state.in_(("running", "queued")))
            .values(state="failed", error=message, updated_at=utcnow())
        )
        db.commit()


def retry(sessions: sessionmaker[Session], job_id: int) -> bool:
    """Queue a failed job again; ``False`` when it is not failed."""
    with sessions() as db:
        changed = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "failed")
            .values(state="queued", progress=0.0, attempts=0, updated_at=utcnow())
        )
        db.commit()
        return bool(changed.rowcount)  # type: ignore[attr-defined]


def heartbeat(sessions: sessionmaker[Session], job_ids: list[int]) -> None:
    """Tell the other workers these running jobs are alive."""
    if not job_ids:
        return
    with sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id.in_(job_ids), Job.state == "running")
            .values(updated_at=utcnow())
        )
        db.commit()


def recover(sessions: sessionmaker[Session], *, stale_after_s: float = 0.0) -> tuple[int, int]:
    """Jobs left running by a worker that stopped (no heartbeat for ``stale_after_s``
    seconds; 0: every running job, for a single workspace at start-up) were interrupted.
    Queue them again (with a note), or fail them after :data:`MAX_ATTEMPTS` starts.
    Queued jobs simply stay queued.

    Returns
    -------
    tuple of int
        Jobs queued again, jobs failed.
    """
    cutoff = utcnow() - dt.timedelta(seconds=stale_after_s)
    stale = (Job.state == "running", Job.updated_at <= cutoff)
    with sessions() as db:
        requeued = db.execute(
            update(Job)
            .where(*stale, Job.attempts < MAX_ATTEMPTS)
            .values(state="queued", progress=0.0, error=INTERRUPTED, updated_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        failed = db.execute(
            update(Job)
            .where(*stale)
            .values(
                state="failed",
                error=f"the analysis stopped {MAX_ATTEMPTS} times without finishing; "
                "the clip is kept, retry it or try another clip",
                updated_at=utcnow(),
            )
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
        return int(requeued), int(failed)


def analysis_of(db: Session, job_id: int) -> int | None:
    """The id of the analysis a job produced, if any."""
    found = db.scalar(select(Analysis.id).where(Analysis.job_id == job_id))
    return None if found is None else int(found)


def requeue(sessions: sessionmaker[Session], job_id: int, message: str) -> None:
    """Queue a running job again after its process stopped abnormally."""
    with sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "running")
            .values(state="queued", progress=0.0, error=message, updated_at=utcnow())
        )
        db.commit()

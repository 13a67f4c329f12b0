"""One job, run to the end: analyse the clip into a fresh folder, then record it.

:func:`execute_job` takes only plain values (database URL, data folder, job id), so it
runs the same in a child process of the worker pool and on a Dask worker.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pronate.app.jobs import queue
from pronate.app.jobs.queue import JobSettings
from pronate.app.store.blobs import Blobs
from pronate.app.store.db import make_engine, session_factory
from pronate.app.store.models import Analysis, Clip, Job
from pronate.errors import PronateError

log = logging.getLogger(__name__)
TRACK_SHARE = 0.8
"""Share of the progress bar given to tracking; drawing the pictures is the rest."""


class Throttled:
    """Progress callback of frame increments that writes a fraction to the database at
    most every ``every_s`` seconds."""

    def __init__(
        self,
        report: Callable[[float], None],
        *,
        start: float,
        share: float,
        total: int,
        every_s: float = 0.5,
    ):
        self._report, self._start, self._share = report, start, share
        self._total, self._every, self._done, self._last = max(total, 1), every_s, 0, 0.0

    def __call__(self, n: int) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            fraction = min(self._done / self._total, 1.0)
            self._report(self._start + self._share * fraction)


def execute_job(database_url: str, data_dir: str, job_id: int) -> int:
    """Run job ``job_id`` and record its outcome; returns the job id.

    A user error (not a video, nobody in the clip, ...) marks the job failed with the
    error in plain words; the clip is always kept.
    """
    engine = make_engine(database_url)
    try:
        _run(session_factory(engine), Blobs(Path(data_dir)), job_id)
    finally:
        engine.dispose()
    return job_id


def _run(sessions: sessionmaker[Session], blobs: Blobs, job_id: int) -> None:
    with sessions() as db:
        job = db.get(Job, job_id)
        if job is None or job.state != "running":
            return
        clip = db.get(Clip, job.clip_id)
        assert clip is not None
        clip_id, sha, settings = clip.id, clip.sha256, JobSettings.from_json(job.settings)
        name = clip.display_name
    video = blobs.clip_path(sha)
    final = blobs.analysis_dir(job_id)
    partial = final.with_name(f".{final.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        summary = _reuse(sessions, blobs, job_id, sha, settings, partial)
        if summary is None:
            summary = _analyze(sessions, job_id, video, partial, settings, name=name)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(partial, final)
    except PronateError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        queue.fail(sessions, job_id, str(exc).replace(str(video), "the clip"))
        return
    except Exception as exc:
        shutil.rmtree(partial, ignore_errors=True)
        log.exception("job %s failed", job_id)
        queue.fail(
            sessions,
            job_id,
            f"the analysis failed unexpectedly ({type(exc).__name__}); the clip is kept, "
            "retry it later",
        )
        return
    folder = final.relative_to(blobs.root).as_posix()
    queue.finish(sessions, job_id, clip_id=clip_id, folder=folder, summary=summary)


def _reuse(
    sessions: sessionmaker[Session],
    blobs: Blobs,
    job_id: int,
    sha: str,
    settings: JobSettings,
    outdir: Path,
) -> str | None:
    """When the same content was already analysed with the same settings, hard-link its
    outputs into ``outdir`` and return its summary; else ``None``."""
    with sessions() as db:
        earlier = db.execute(
            select(Analysis.folder, Analysis.summary)
            .join(Clip, Analysis.clip_id == Clip.id)
            .join(Job, Analysis.job_id == Job.id)
            .where(Clip.sha256 == sha, Job.settings == settings.to_json(), Job.id != job_id)
            .order_by(Analysis.id.desc())
            .limit(1)
        ).first()
    if earlier is None or not (blobs.root / earlier.folder).is_dir():
        return None
    try:
        shutil.copytree(blobs.root / earlier.folder, outdir, copy_function=os.link)
    except OSError:
        shutil.rmtree(outdir, ignore_errors=True)
        return None
    queue.set_progress(sessions, job_id, 1.0)
    return str(earlier.summary)


def _analyze(
    sessions: sessionmaker[Session],
    job_id: int,
    video: Path,
    outdir: Path,
    settings: JobSettings,
    *,
    name: str,
) -> str:
    """Run the pipeline's ``analyze`` on ``video`` into ``outdir``; the summary as JSON.
    The clip is named ``name`` (its upload name) in the summary and the report, never by
    its path in the workspace's store."""
    from pronate.io.video import probe_video
    from pronate.pipeline import AnalysisOptions, run_analyze
    from pronate.pose.config import ModelName, TrackConfig

    def report(fraction: float) -> None:
        queue.set_progress(sessions, job_id, fraction)

    info = probe_video(video)
    tracking = Throttled(report, start=0.0, share=TRACK_SHARE, total=info.n_frames)

    def drawing(total: int) -> Callable[[int], None]:
        return Throttled(report, start=TRACK_SHARE, share=1 - TRACK_SHARE, total=total)

    out = run_analyze(
        outdir,
        video=video,
        track=TrackConfig(model=cast(ModelName, settings.model), workers=1),  # one per core
        options=AnalysisOptions(clip_name=name or "clip"),
        progress=tracking,
        render_progress=drawing,
        write_video=settings.write_video,
    )
    return json.dumps(out.summary, allow_nan=False)

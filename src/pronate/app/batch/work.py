"""One clip of a batch, analysed into its folder: a plain function of plain values, so it
runs the same in a child process and on a Dask worker."""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from pronate.app.batch.malloc import roomy_malloc
from pronate.errors import PronateError

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ClipTask:
    """What a worker needs to analyse one clip (picklable: strings and numbers only).

    Attributes
    ----------
    video
        The video file.
    outdir
        The clip's output folder (written as ``.NAME.partial`` beside it, then renamed).
    model
        Pose model.
    sex
        De Leva table of the centre of mass.
    config
        A thresholds TOML file, or ``""``.
    write_video
        Write ``overlay.mp4``.
    track_workers
        Segments tracked at once within the clip; ``0`` for the pipeline's default (one
        per core, at most 4). A local batch shares the cores among the clips it runs at
        once (:func:`pronate.app.batch.run.segments_per_clip`); on a Dask cluster, 1.
    """

    video: str
    outdir: str
    model: str = "heavy"
    sex: str = "mean"
    config: str = ""
    write_video: bool = True
    track_workers: int = 1


@dataclass(frozen=True)
class ClipOutcome:
    """How one clip went: ``error`` is ``""`` on success, else one line."""

    video: str
    outdir: str
    error: str
    seconds: float


def analyse_clip(task: ClipTask) -> ClipOutcome:
    """Run ``pronate analyze`` on the task's clip into its folder; never raises.

    The analysis is written into a ``.partial`` folder that replaces the clip's folder
    only when complete: a failed clip leaves no half analysis (and an earlier one intact).
    """
    start = time.perf_counter()
    final = Path(task.outdir)
    partial = final.with_name(f".{final.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with roomy_malloc():
            _analyse(task, partial)
        replace_folder(partial, final)
        error = ""
    except PronateError as exc:
        error = str(exc) or type(exc).__name__
    except Exception as exc:
        log.exception("%s: the analysis failed unexpectedly", task.video)
        error = f"the analysis failed unexpectedly ({type(exc).__name__}: {exc})"
    if error:
        shutil.rmtree(partial, ignore_errors=True)
    return ClipOutcome(task.video, task.outdir, error.replace("\n", " "), _since(start))


def _since(start: float) -> float:
    return time.perf_counter() - start


def _analyse(task: ClipTask, outdir: Path) -> None:
    from typing import cast

    from pronate.pipeline import AnalysisOptions, run_analyze
    from pronate.pose.config import ModelName, TrackConfig
    from pronate.verdict.thresholds import load_thresholds

    track = TrackConfig(model=cast(ModelName, task.model))
    if task.track_workers > 0:
        track = TrackConfig(model=cast(ModelName, task.model), workers=task.track_workers)
    options = AnalysisOptions(
        sex=task.sex, thresholds=load_thresholds(Path(task.config) if task.config else None)
    )
    run_analyze(
        outdir, video=Path(task.video), track=track, options=options, write_video=task.write_video
    )


def replace_folder(new: Path, final: Path) -> None:
    """Put folder ``new`` in place of ``final`` (removing an earlier ``final``)."""
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def link_copy(source: Path, final: Path) -> None:
    """Copy the analysis folder ``source`` to ``final`` (hard links where possible)."""
    partial = final.with_name(f".{final.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        shutil.copytree(source, partial, copy_function=os.link)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source, partial)
    replace_folder(partial, final)

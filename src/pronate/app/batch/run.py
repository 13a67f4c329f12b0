"""The batch: find the clips, skip those already done, run the rest, write the table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from pronate.app.batch.discover import Clip, find_clips
from pronate.app.batch.index import BatchIndex
from pronate.app.batch.table import read_rows, write_tables
from pronate.app.executor import Executor, Outcome, cores
from pronate.app.reuse import link_copy, reuse, sha256_of
from pronate.errors import InputError, PronateError
from pronate.io.atomic import ensure_output_dir
from pronate.io.lock import FolderLock
from pronate.io.outdir import abandon
from pronate.pipeline import AnalysisOptions, AnalysisRequest
from pronate.pipeline.checks import checked_thresholds
from pronate.pose.config import ModelName, TrackConfig


@dataclass(frozen=True, kw_only=True)
class BatchSettings:
    """Settings of a batch.

    Attributes
    ----------
    model, sex, config, write_video
        As for ``pronate analyze`` (``--model``, ``--sex``, ``--config``, not ``--no-video``).
    workers
        Clips analysed at once on this machine; ``0``: one per core.
    dask
        Address of a Dask scheduler (``tcp://HOST:8786``) to run the clips on instead.
    """

    model: ModelName = "heavy"
    sex: str = "mean"
    config: Path | None = None
    write_video: bool = True
    workers: int = 0
    dask: str | None = None

    def key(self) -> str:
        """What an analysis depends on, as a short canonical string (not where it ran)."""
        config = sha256_of(self.config) if self.config is not None else ""
        text = json.dumps([self.model, self.sex, config, self.write_video])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class ClipReport:
    """How one clip of the batch went.

    ``status`` is ``analysed``, ``skipped`` (already done), ``copied`` (same content as
    another clip: its analysis copied) or ``failed`` (``error`` says why).
    """

    clip: Clip
    status: str
    error: str = ""
    seconds: float = 0.0
    same_as: str = ""


@dataclass
class BatchResult:
    """The outcome of a batch: one report per clip, the files passed over (not videos)
    and the videos and folders skipped (with why), the tables."""

    reports: list[ClipReport]
    ignored: list[str]
    csv_path: Path
    parquet_path: Path
    rows: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ClipReport]:
        """The clips that failed."""
        return [r for r in self.reports if r.status == "failed"]


@dataclass
class _Plan:
    tasks: list[AnalysisRequest] = field(default_factory=list)
    primary: dict[str, Clip] = field(default_factory=dict)  # key -> clip analysed
    waiting: list[tuple[Clip, str]] = field(default_factory=list)  # duplicates of this run
    keys: dict[str, str] = field(default_factory=dict)  # clip folder -> key


def run_batch(
    source: Path,
    outdir: Path,
    *,
    settings: BatchSettings,
    echo: Callable[[ClipReport], None] | None = None,
) -> BatchResult:
    """Analyse every clip of ``source`` (a folder or a list file) into ``outdir``.

    Each clip gets the folder ``outdir/<safe name of its relative path>``; then
    ``moments.csv`` and ``moments.parquet`` gather the moments of every clip done.
    ``echo`` hears about each clip as soon as it is settled.

    Raises
    ------
    InputError
        When ``source`` holds no video, or the Dask scheduler cannot be reached.
    """
    if Path(source).is_dir() and Path(outdir).resolve() == Path(source).resolve():
        raise InputError(
            f"-o {outdir} is the folder of clips itself: give the results a folder of their "
            f"own (e.g. -o {Path(source).resolve().name}-results)"
        )
    outdir = ensure_output_dir(Path(outdir))
    with FolderLock(outdir):
        return _batch(source, outdir, settings=settings, echo=echo)


def _batch(
    source: Path,
    outdir: Path,
    *,
    settings: BatchSettings,
    echo: Callable[[ClipReport], None] | None,
) -> BatchResult:
    found = find_clips(source, exclude=outdir)
    index = BatchIndex(outdir)
    tell = echo or (lambda report: None)
    reports: dict[str, ClipReport] = {}

    def settle(report: ClipReport) -> None:
        reports[report.clip.folder] = report
        tell(report)

    plan = _plan(found.clips, index, settings, outdir, settle)
    try:
        _run_tasks(plan, index, settings, outdir, settle)
    except BaseException:  # interrupted: what the stopped analyses had begun goes
        for task in plan.tasks:
            abandon(task.outdir)
        raise
    for clip, key in plan.waiting:
        settle(_copy_duplicate(clip, plan.primary[key], reports, index, key, outdir))
    index.save()
    ordered = [reports[c.folder] for c in found.clips]
    rows = _table_rows(ordered, outdir, tell)
    csv_path, parquet_path = write_tables(rows, outdir)
    return BatchResult(
        ordered, found.ignored, csv_path, parquet_path, rows=len(rows), skipped=found.skipped
    )


def _table_rows(
    reports: list[ClipReport], outdir: Path, tell: Callable[[ClipReport], None]
) -> list[dict]:
    """The table rows of every clip done; a clip whose summary cannot be read fails."""
    rows: list[dict] = []
    for report in reports:
        if report.status == "failed":
            continue
        try:
            rows += read_rows(
                outdir / report.clip.folder, clip=report.clip.relative, client=report.clip.client
            )
        except (OSError, ValueError, AttributeError) as exc:
            report.status, report.error = "failed", f"its summary.json cannot be read ({exc})"
            tell(report)
    return rows


def _plan(
    clips: list[Clip],
    index: BatchIndex,
    settings: BatchSettings,
    outdir: Path,
    settle: Callable[[ClipReport], None],
) -> _Plan:
    """Hash each clip; settle those already done; the rest become tasks or duplicates."""
    plan = _Plan()
    setting_key = settings.key()
    options = AnalysisOptions(sex=settings.sex, thresholds=checked_thresholds(settings.config))
    for clip in clips:
        try:
            key = BatchIndex.key(sha256_of(clip.path), setting_key)
        except OSError as exc:
            settle(ClipReport(clip, "failed", f"cannot read it ({exc.strerror or exc})"))
            continue
        plan.keys[clip.folder] = key
        done = index.folders(key)
        if clip.folder in {folder.name for folder in done}:
            settle(ClipReport(clip, "skipped"))
        elif (earlier := _reuse(done, outdir / clip.folder)) is not None:
            index.record(key, clip.folder)
            settle(ClipReport(clip, "copied", same_as=earlier.name))
        elif key in plan.primary:
            plan.waiting.append((clip, key))
        else:
            plan.primary[key] = clip
            plan.tasks.append(
                AnalysisRequest(
                    video=clip.path,
                    outdir=outdir / clip.folder,
                    track=TrackConfig(model=settings.model, workers=1),
                    options=options,
                    write_video=settings.write_video,
                )
            )
    return plan


def _reuse(done: list[Path], final: Path) -> Path | None:
    """:func:`~pronate.app.reuse.reuse`; when the copy fails, the clip is analysed again."""
    try:
        return reuse(done, final)
    except (OSError, PronateError):
        return None


def _run_tasks(
    plan: _Plan,
    index: BatchIndex,
    settings: BatchSettings,
    outdir: Path,
    settle: Callable[[ClipReport], None],
) -> None:
    """Run the planned clips; record each success in the index as it ends."""
    by_outdir = {
        task.outdir: clip for task, clip in zip(plan.tasks, plan.primary.values(), strict=True)
    }
    for outcome in _outcomes(plan.tasks, settings):
        clip = by_outdir[outcome.request.outdir]
        if outcome.kind:
            settle(ClipReport(clip, "failed", outcome.error, outcome.seconds))
            continue
        index.record(plan.keys[clip.folder], clip.folder)
        index.save()
        settle(ClipReport(clip, "analysed", seconds=outcome.seconds))


def _outcomes(tasks: list[AnalysisRequest], settings: BatchSettings) -> Iterator[Outcome]:
    """Clip-level parallelism first: ``workers`` clips at once, the cores left over shared
    among them as tracking segments (see :func:`segments_per_clip`); on a Dask cluster,
    one segment each."""
    if not tasks:
        return
    if settings.dask:
        executor = Executor(dask=settings.dask)
    else:
        executor = Executor(workers=min(settings.workers or cores(), len(tasks)))
        per_clip = segments_per_clip(cores=cores(), workers=executor.workers)
        tasks = [replace(t, track=replace(t.track, workers=per_clip)) for t in tasks]
    with executor:
        yield from executor.run_all(tasks)


def segments_per_clip(*, cores: int, workers: int) -> int:
    """Segments each clip is tracked in at once when ``workers`` clips share ``cores``:
    the clips fill the cores first (a clip's own analysis after tracking runs on one
    core, so two clips at once beat one clip in two segments), then each clip takes its
    share of what is left, as ``pronate analyze`` does alone (at most 4)."""
    return max(1, min(cores // max(workers, 1), 4))


def _copy_duplicate(
    clip: Clip,
    primary: Clip,
    reports: dict[str, ClipReport],
    index: BatchIndex,
    key: str,
    outdir: Path,
) -> ClipReport:
    """A clip with the same content as another of this batch: copy that one's analysis."""
    first = reports[primary.folder]
    if first.status == "failed":
        return ClipReport(clip, "failed", f"same content as {primary.relative}, which failed")
    try:
        link_copy(outdir / primary.folder, outdir / clip.folder)
    except PronateError as exc:
        return ClipReport(clip, "failed", str(exc))
    index.record(key, clip.folder)
    return ClipReport(clip, "copied", same_as=primary.relative)

"""``pronate analyze``: pose dataset -> camera and body -> metrics -> moments -> verdicts
-> summary, and the pictures; written into a folder."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pronate.camera.body import observe
from pronate.errors import InputError
from pronate.io.atomic import write_text_atomic
from pronate.io.manifest import MANIFEST_NAME, write_manifest
from pronate.io.outdir import OutputRun, output_run
from pronate.io.tables import write_keypoints_csv, write_table_csv
from pronate.metrics.com import world_com
from pronate.outputs.pictures import run_pictures, scene_segments_of, source_video
from pronate.outputs.subject import SUBJECT_PNG
from pronate.outputs.summary import summarize
from pronate.pipeline.checks import check_analysis, check_tracking
from pronate.pipeline.track import recorded_decode_warnings, subject_picture, track_clip, unique
from pronate.pose.config import FilterConfig, TrackConfig
from pronate.pose.schema import load_pose_dataset, save_pose_dataset
from pronate.pose.survey import recorded_subject
from pronate.verdict.analysis import Analysis, analyse_body
from pronate.verdict.thresholds import Thresholds


@dataclass(frozen=True, kw_only=True)
class AnalysisOptions:
    """Options of the analysis after tracking.

    Attributes
    ----------
    view
        Override of the view (``front``, ``back``, ``left``, ``right``, ``oblique``).
    roll_deg
        Override of the camera roll in degrees.
    sex
        Table of the centre of mass: ``female``, ``male`` or ``mean``.
    thresholds
        Thresholds of loading moments and verdicts.
    clip_name
        How ``summary.json`` (``video``) and the report name the clip, e.g. the name it
        was uploaded under in the workspace; by default the path it was read from.
    """

    view: str | None = None
    roll_deg: float | None = None
    sex: str = "mean"
    thresholds: Thresholds = field(default_factory=Thresholds)
    clip_name: str | None = None


@dataclass
class AnalyzeOutputs:
    """What ``pronate analyze`` wrote, and what the user should hear about."""

    summary: dict[str, Any]
    pose_path: Path
    timeseries_path: Path
    summary_path: Path
    keypoints_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    overlay_path: Path | None = None
    keyframes_dir: Path | None = None
    report_path: Path | None = None
    pdf_path: Path | None = None


def analyze_pose(
    pose: xr.Dataset, *, options: AnalysisOptions, segments: np.ndarray | None = None
) -> tuple[Analysis, dict[str, Any]]:
    """The analysis of a pose dataset and its summary (no I/O): the stages in their order.

    Parameters
    ----------
    pose
        The pose dataset.
    options
        Analysis options.
    segments
        Line segments of the clip's scene (:func:`pronate.camera.scene.scene_segments`)
        for the camera roll; ``None`` when the video is not at hand.

    Returns
    -------
    tuple
        The analysis (:class:`pronate.verdict.analysis.Analysis`) and the
        ``summary.json`` content.
    """
    body = observe(pose, segments=segments, view=options.view, roll_deg=options.roll_deg)
    analysis = analyse_body(body, sex=options.sex, thresholds=options.thresholds)
    summary = summarize(
        analysis,
        video=str(pose.attrs.get("source_video", "")),
        fps=float(pose.attrs["fps"]),
        frames=int(pose.sizes["time"]),
    )
    if analysis.warnings:
        summary["warnings"] = list(analysis.warnings)
    if (subject := recorded_subject(pose)) is not None:
        summary["subject"] = subject
    return analysis, summary


def with_world_com(pose: xr.Dataset, *, sex: str) -> xr.Dataset:
    """Return ``pose`` with ``com_world`` (time, space), the 3-D centre of mass in metres."""
    out = pose.copy()
    out["com_world"] = world_com(pose, sex=sex)
    return out


def run_analyze(
    outdir: Path,
    *,
    video: Path | None = None,
    pose_path: Path | None = None,
    track: TrackConfig | None = None,
    filters: FilterConfig | None = None,
    options: AnalysisOptions | None = None,
    progress: Callable[[int], None] | None = None,
    write_video: bool = True,
    report: bool = True,
    pdf: bool = False,
    render_progress: Callable[[int], Callable[[int], None]] | None = None,
) -> AnalyzeOutputs:
    """Track ``video`` (or read ``pose_path``), then write the analysis into ``outdir``.

    Writes ``pose.nc`` (with the 3-D centre of mass ``com_world``), ``keypoints.csv``
    (when tracking, or when the pose comes from another folder), ``timeseries.csv`` and
    ``summary.json``; then the pictures (see :func:`run_pictures`): ``overlay.mp4``
    (unless ``write_video`` is false), ``keyframes/``, ``report.html`` (unless ``report``
    is false) and ``report.pdf`` (when ``pdf``). With ``pose_path`` the video is the
    pose's ``source_video``; when it is not found the pictures of the video are skipped
    with a warning and the report is written without them.

    Raises
    ------
    InputError
        Unless exactly one of ``video`` and ``pose_path`` is given.
    """
    if (video is None) == (pose_path is None):
        raise InputError("give either a video or --from POSE.nc, not both or neither")
    options = options or AnalysisOptions()
    check_tracking(track, filters)
    check_analysis(
        view=options.view, roll_deg=options.roll_deg, sex=options.sex, thresholds=options.thresholds
    )
    in_place = pose_path is not None and _same_file(Path(pose_path), Path(outdir) / "pose.nc")
    writes = ["pose.nc", "timeseries.csv", "summary.json", SUBJECT_PNG, MANIFEST_NAME]
    writes += [] if in_place else ["keypoints.csv"]
    writes += ["report.html"] * report + ["overlay.mp4"] * write_video + ["report.pdf"] * pdf
    inputs = [video, pose_path]
    with output_run(Path(outdir), inputs=inputs, replaceable=[pose_path], writes=writes) as run:
        out = _analyze(
            run,
            video=video,
            pose_path=pose_path,
            track=track,
            filters=filters,
            options=options,
            progress=progress,
            write_video=write_video,
            report=report,
            pdf=pdf,
            render_progress=render_progress,
        )
        run.commit()
    return _committed(out, run)


def _committed(out: AnalyzeOutputs, run: OutputRun) -> AnalyzeOutputs:
    """``out`` with its paths where the files are once committed."""
    moved: dict[str, Any] = {
        f.name: run.final(getattr(out, f.name))
        for f in fields(out)
        if f.name.endswith(("_path", "_dir"))
    }
    return replace(out, **moved)


def _analyze(
    run: OutputRun,
    *,
    video: Path | None,
    pose_path: Path | None,
    track: TrackConfig | None,
    filters: FilterConfig | None,
    options: AnalysisOptions,
    progress: Callable[[int], None] | None,
    write_video: bool,
    report: bool,
    pdf: bool,
    render_progress: Callable[[int], Callable[[int], None]] | None,
) -> AnalyzeOutputs:
    outdir = run.staging
    warnings: list[str] = []
    target = outdir / "pose.nc"
    keypoints: Path | None = None
    scene_frames: list[np.ndarray] | None = None
    if video is not None:
        tracked = track_clip(
            Path(video),
            outdir,
            track=track or TrackConfig(),
            filters=filters or FilterConfig(),
            progress=progress,
        )
        pose, keypoints, warnings = tracked.pose, tracked.keypoints_path, tracked.warnings
        scene_frames = tracked.scene_frames
    else:
        assert pose_path is not None
        pose = load_pose_dataset(Path(pose_path))
        earlier = run.outdir / "keypoints.csv"
        if not _same_file(Path(pose_path), run.outdir / "pose.nc"):
            keypoints = write_keypoints_csv(pose, outdir / "keypoints.csv")
        elif "keypoints.csv" in (run.owned or ()) and earlier.is_file():
            keypoints = _link(earlier, outdir / "keypoints.csv")  # of the same pose
        warnings = unique([*warnings, *recorded_decode_warnings(pose)])
    clip = Path(video) if video is not None else source_video(pose, pose_path=pose_path)
    if isinstance(clip, Path):
        run.guard(clip)  # the clip of --from is not drawn over
    if pose_path is not None:
        earlier = run.outdir / SUBJECT_PNG
        if _same_file(Path(pose_path), run.outdir / "pose.nc") and (
            SUBJECT_PNG in (run.owned or ()) and earlier.is_file()
        ):
            _link(earlier, outdir / SUBJECT_PNG)  # of the same pose
        else:
            subject_picture(outdir, pose, video=clip)
    segments = scene_segments_of(clip, pose, images=scene_frames)
    analysis, summary = analyze_pose(pose, options=options, segments=segments)
    metrics = analysis.metrics
    save_pose_dataset(with_world_com(pose, sex=options.sex), target)
    timeseries = write_table_csv(metrics, outdir / "timeseries.csv")
    summary["warnings"] = unique([*warnings, *summary.get("warnings", [])])
    if options.clip_name:
        summary["video"] = options.clip_name
    summary_path = _write_summary(outdir, summary)
    pictures = run_pictures(
        outdir,
        pose=pose,
        analysis=analysis,
        summary=summary,
        video=clip,
        write_video=write_video,
        report=report,
        pdf=pdf,
        progress=render_progress,
    )
    if pictures.warnings:
        summary["warnings"] = unique([*summary["warnings"], *pictures.warnings])
        _write_summary(outdir, summary)
    source = {"video": str(video)} if video is not None else {"pose": str(pose_path)}
    details = {**source, "warnings": summary["warnings"]}
    write_manifest(outdir, command="analyze", details=details)
    return AnalyzeOutputs(
        summary=summary,
        pose_path=target,
        timeseries_path=timeseries,
        summary_path=summary_path,
        keypoints_path=keypoints,
        warnings=summary["warnings"],
        overlay_path=pictures.overlay_path,
        keyframes_dir=pictures.keyframes_dir,
        report_path=pictures.report_path,
        pdf_path=pictures.pdf_path,
    )


def _write_summary(outdir: Path, summary: dict[str, Any]) -> Path:
    text = json.dumps(summary, indent=2, allow_nan=False)
    return write_text_atomic(outdir / "summary.json", text + "\n")


def _link(source: Path, target: Path) -> Path:
    """Hard-link ``source`` to ``target`` (a copy where links are not possible)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False

"""``pronate analyze``: pose dataset -> camera and body -> metrics -> moments -> verdicts
-> summary, and the pictures; written into a folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pronate.camera.body import observe
from pronate.errors import InputError
from pronate.io.atomic import ensure_output_dir, write_text_atomic
from pronate.io.manifest import finish_run, removed_if_interrupted
from pronate.io.tables import write_keypoints_csv, write_table_csv
from pronate.metrics.com import world_com
from pronate.outputs.pictures import run_pictures, scene_segments_of, source_video
from pronate.outputs.subject import SUBJECT_PNG
from pronate.outputs.summary import summarize
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
    outdir = ensure_output_dir(Path(outdir))
    with removed_if_interrupted(outdir):
        return _analyze(
            outdir,
            video=video,
            pose_path=pose_path,
            track=track,
            filters=filters,
            options=options or AnalysisOptions(),
            progress=progress,
            write_video=write_video,
            report=report,
            pdf=pdf,
            render_progress=render_progress,
        )


def _analyze(
    outdir: Path,
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
    warnings: list[str] = []
    target = outdir / "pose.nc"
    keypoints: Path | None = None
    scene_frames: list[np.ndarray] | None = None
    subject: Path | None = None
    if video is not None:
        tracked = track_clip(
            Path(video),
            outdir,
            track=track or TrackConfig(),
            filters=filters or FilterConfig(),
            progress=progress,
            finish=False,
        )
        pose, keypoints, warnings = tracked.pose, tracked.keypoints_path, tracked.warnings
        scene_frames, subject = tracked.scene_frames, tracked.subject_path
    else:
        assert pose_path is not None
        pose = load_pose_dataset(Path(pose_path))
        if not _same_file(Path(pose_path), target):
            keypoints = write_keypoints_csv(pose, outdir / "keypoints.csv")
        elif (outdir / "keypoints.csv").is_file():
            keypoints = outdir / "keypoints.csv"  # of the same pose, written when tracked
        warnings = unique([*warnings, *recorded_decode_warnings(pose)])
    clip = Path(video) if video is not None else source_video(pose, pose_path=pose_path)
    if pose_path is not None:
        kept = outdir / SUBJECT_PNG
        here = kept.is_file() and _same_file(Path(pose_path).parent, outdir)
        subject = kept if here else subject_picture(outdir, pose, video=clip)
    segments = scene_segments_of(clip, pose, images=scene_frames)
    analysis, summary = analyze_pose(pose, options=options, segments=segments)
    metrics = analysis.metrics
    save_pose_dataset(with_world_com(pose, sex=options.sex), target)
    timeseries = write_table_csv(metrics, outdir / "timeseries.csv")
    summary["warnings"] = list(warnings)
    if options.clip_name:
        summary["video"] = options.clip_name
    summary_path = _write_summary(outdir, summary)
    pictures = run_pictures(
        outdir,
        pose=pose,
        metrics=metrics,
        summary=summary,
        video=clip,
        write_video=write_video,
        report=report,
        pdf=pdf,
        progress=render_progress,
    )
    if pictures.warnings:
        summary["warnings"] = unique([*warnings, *pictures.warnings])
        _write_summary(outdir, summary)
    written = [target, keypoints, timeseries, summary_path, subject, *pictures.paths()]
    source = {"video": str(video)} if video is not None else {"pose": str(pose_path)}
    details = {**source, "warnings": summary["warnings"]}
    finish_run(outdir, written, command="analyze", details=details)
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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False

"""``pronate track``: video -> pose dataset (tracked, cleaned), written into a folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import xarray as xr

from pronate.camera.scene import FrameSampler
from pronate.errors import NoPersonError
from pronate.io.manifest import MANIFEST_NAME, write_manifest
from pronate.io.outdir import output_run
from pronate.io.tables import write_keypoints_csv
from pronate.io.video import VideoInfo, frame_times, probe_video, truncation_warning
from pronate.outputs.subject import SUBJECT_PNG, frame_of, write_subject_png
from pronate.pipeline.checks import check_tracking
from pronate.pose.config import FilterConfig, TrackConfig
from pronate.pose.filtering import clean_pose_dataset
from pronate.pose.schema import processing_log, save_pose_dataset, with_log_entry
from pronate.pose.survey import recorded_subject
from pronate.pose.tracker import track_video

INPUT_WARNINGS = "input_warnings"
"""Step name of the processing-log entry that records the video's warnings (truncation)."""


@dataclass
class TrackOutputs:
    """What ``pronate track`` wrote, and what the user should hear about."""

    pose: xr.Dataset
    pose_path: Path
    keypoints_path: Path
    frames: int
    found_frames: int
    warnings: list[str] = field(default_factory=list)
    scene_frames: list[np.ndarray] | None = None
    subject_path: Path | None = None


def run_track(
    video: Path,
    outdir: Path,
    *,
    track: TrackConfig,
    filters: FilterConfig,
    progress: Callable[[int], None] | None = None,
) -> TrackOutputs:
    """Track the subject of ``video``, clean the series, write ``pose.nc`` and
    ``keypoints.csv`` into ``outdir`` with its ``manifest.json``.

    The folder is held as :func:`pronate.io.outdir.output_run` says: locked, the files
    written aside and swapped in whole, only pronate's own files replaced. The settings
    are checked before tracking (:func:`pronate.pipeline.checks.check_tracking`). The
    warnings include a video that decodes shorter than its header declares.
    """
    check_tracking(track, filters)
    writes = ("pose.nc", "keypoints.csv", SUBJECT_PNG, MANIFEST_NAME)
    with output_run(Path(outdir), inputs=[video], writes=writes) as run:
        out = track_clip(Path(video), run.staging, track=track, filters=filters, progress=progress)
        details = {"video": str(video), "warnings": out.warnings}
        write_manifest(run.staging, command="track", details=details)
        run.commit()
    subject = Path(outdir) / SUBJECT_PNG if out.subject_path is not None else None
    return replace(
        out,
        pose_path=Path(outdir) / "pose.nc",
        keypoints_path=Path(outdir) / "keypoints.csv",
        subject_path=subject,
    )


def track_clip(
    video: Path,
    outdir: Path,
    *,
    track: TrackConfig,
    filters: FilterConfig,
    progress: Callable[[int], None] | None,
) -> TrackOutputs:
    """Track and clean ``video``, write ``pose.nc`` and ``keypoints.csv`` into ``outdir``
    (a run's staging folder)."""
    sampler = FrameSampler(probe_video(Path(video)).n_frames)
    try:
        result = track_video(Path(video), config=track, progress=progress, on_frame=sampler)
    except NoPersonError as exc:
        cut = _truncated_file(Path(video))
        if cut is None:
            raise
        raise NoPersonError(f"{exc}; {cut}") from None
    pose = clean_pose_dataset(result.pose, filters)
    warnings = unique([*result.decode.warnings, _truncation(result.info, pose)])
    if warnings:
        pose = with_log_entry(pose, INPUT_WARNINGS, warnings=warnings)
    pose_path = save_pose_dataset(pose, outdir / "pose.nc")
    keypoints_path = write_keypoints_csv(pose, outdir / "keypoints.csv")
    images = result.choice.survey.images if result.choice is not None else None
    subject_path = subject_picture(outdir, pose, images=images)
    return TrackOutputs(
        pose=pose,
        pose_path=pose_path,
        keypoints_path=keypoints_path,
        frames=int(pose.sizes["time"]),
        found_frames=result.found_frames,
        warnings=warnings,
        scene_frames=sampler.images(),
        subject_path=subject_path,
    )


def subject_picture(
    outdir: Path,
    pose: xr.Dataset,
    *,
    images: Mapping[int, np.ndarray] | None = None,
    video: Path | str | None = None,
) -> Path | None:
    """Write ``subject.png`` (who was followed, among whom) when the pose records the
    choice, from the survey's ``images`` or else the frame read from ``video``."""
    record = recorded_subject(pose)
    if not record or not record.get("people"):
        return None
    frame = int(record["frame"])
    image = (images or {}).get(frame)
    if image is None and video is not None and Path(video).is_file():
        image = frame_of(Path(video), frame)
    if image is None:
        return None
    return write_subject_png(Path(outdir) / SUBJECT_PNG, image, record)


def _truncation(info: VideoInfo, pose: xr.Dataset) -> str | None:
    """The warning of a video cut short (see :func:`pronate.io.video.truncation_warning`)."""
    t = np.asarray(pose["time"].values, dtype=np.float64)
    covered = float(t[-1] - t[0]) + 1.0 / info.fps if t.size and info.fps > 0 else 0.0
    return truncation_warning(info, frames=int(t.size), duration_s=covered)


def _truncated_file(video: Path) -> str | None:
    """Why a clip may have too few frames: its packets end before its header says."""
    info = probe_video(video)
    present = len(frame_times(video))
    return truncation_warning(info, frames=present, duration_s=present / info.fps)


def unique(items: list[str | None]) -> list[str]:
    """The non-empty items, each once, in order."""
    return list(dict.fromkeys(item for item in items if item))


def recorded_decode_warnings(pose: xr.Dataset) -> list[str]:
    """Warnings about the video recorded in a pose dataset's log when it was tracked."""
    found: list[str] = []
    for entry in processing_log(pose):
        if isinstance(entry, dict) and entry.get("step") == INPUT_WARNINGS:
            found += [str(w) for w in (entry.get("params") or {}).get("warnings") or []]
    return found

"""The jobs behind the commands, as plain functions of paths and configs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from pronate.config import FilterConfig, TrackConfig
from pronate.filtering import clean_pose_dataset
from pronate.io.atomic import ensure_output_dir
from pronate.io.tables import write_keypoints_csv
from pronate.pose.tracker import track_video
from pronate.schema import save_pose_dataset


@dataclass
class TrackOutputs:
    """What ``pronate track`` wrote, and what the user should hear about."""

    pose: xr.Dataset
    pose_path: Path
    keypoints_path: Path
    frames: int
    found_frames: int
    warnings: list[str] = field(default_factory=list)


def run_track(
    video: Path,
    outdir: Path,
    *,
    track: TrackConfig,
    filters: FilterConfig,
    progress: Callable[[int], None] | None = None,
) -> TrackOutputs:
    """Track the subject of ``video``, clean the series, write ``pose.nc`` and
    ``keypoints.csv`` into ``outdir``."""
    outdir = ensure_output_dir(Path(outdir))
    result = track_video(Path(video), config=track, progress=progress)
    pose = clean_pose_dataset(result.pose, filters)
    pose_path = save_pose_dataset(pose, outdir / "pose.nc")
    keypoints_path = write_keypoints_csv(pose, outdir / "keypoints.csv")
    return TrackOutputs(
        pose=pose,
        pose_path=pose_path,
        keypoints_path=keypoints_path,
        frames=int(pose.sizes["time"]),
        found_frames=result.found_frames,
        warnings=list(result.decode.warnings),
    )

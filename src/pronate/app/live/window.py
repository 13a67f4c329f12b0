"""The window of live mode: its frames, and the offline analysis run on them.

A window is the last seconds of frames (:class:`Frame`); :func:`analyse_window` runs the
offline stages on it -- clean-up (:func:`pronate.pose.filtering.clean_pose_dataset`), the
camera stage (:func:`pronate.camera.body.observe`, with the scene's lines in 4 of the
window's pictures as offline in 4 of the clip's), metrics, loading moments and verdicts
(:func:`pronate.verdict.analysis.analyse_body`) -- and :func:`moment_message` turns an
assessed moment into what the page and the store receive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import xarray as xr

from pronate.app.live.reading import Note, quality_notes
from pronate.camera.body import Camera, observe
from pronate.camera.scene import sample_indices, scene_segments
from pronate.io.jsonsafe import json_safe
from pronate.outputs.summary import assessment_dict
from pronate.pose.config import FilterConfig
from pronate.pose.filtering import clean_pose_dataset, effective_cutoff, sampling_rate
from pronate.pose.landmarker import N_KEYPOINTS
from pronate.pose.schema import make_pose_dataset
from pronate.verdict.analysis import analyse_body
from pronate.verdict.assessment import Assessment
from pronate.verdict.thresholds import Thresholds


@dataclass
class Frame:
    """One frame of the stream after the model (NaN keypoints when nobody was found)."""

    time_s: float
    position: np.ndarray
    confidence: np.ndarray
    world: np.ndarray
    jpeg: bytes | None
    size: tuple[int, int]


def blank(time_s: float, jpeg: bytes | None, size: tuple[int, int]) -> Frame:
    """A frame where nobody was found."""
    nan3 = np.full((N_KEYPOINTS, 3), np.nan)
    return Frame(time_s, nan3, np.zeros(N_KEYPOINTS), nan3.copy(), jpeg, size)


@dataclass
class WindowResult:
    """The analysis of one window: its camera, the last stance, the assessed moments,
    what the offline analysis would say of the subject's size and the legs' confidence
    (:func:`pronate.app.live.reading.quality_notes`), and the scene's lines it used."""

    generation: int
    camera: Camera
    stance: str
    assessments: list[Assessment]
    frames: list[Frame]
    notes: list[Note] = field(default_factory=list)
    segments: np.ndarray | None = None


def window_pose(frames: list[Frame], *, model: str) -> xr.Dataset:
    """The window's frames as a cleaned pose dataset."""
    times = np.array([f.time_s for f in frames])
    fps = (len(times) - 1) / max(times[-1] - times[0], 1e-3)
    width, height = frames[0].size
    pose = make_pose_dataset(
        position=np.stack([f.position for f in frames]),
        confidence=np.stack([f.confidence for f in frames]),
        world=np.stack([f.world for f in frames]),
        time_s=times,
        fps=float(fps),
        source_video="live",
        model=model,
        image_width=width,
        image_height=height,
    )
    # Frames arrive as fast as the model reads them (5-30 per second): the offline
    # cut-off is clamped below Nyquist here, as clean-up would, without its warning.
    rate = sampling_rate(pose["position"])
    cutoff = effective_cutoff(FilterConfig().cutoff_hz, rate)
    return clean_pose_dataset(pose, FilterConfig(cutoff_hz=cutoff))


def window_segments(frames: list[Frame]) -> np.ndarray | None:
    """Line segments of the scene in 4 of the window's pictures spread over it, the
    subject's area left out: what the offline analysis takes from 4 frames of the clip
    (:func:`pronate.camera.scene.scene_segments`), so the window's camera roll comes from
    the room's verticals as the clip's does, not from the quiet stance alone (on the
    front squat the two differed by 1.5 deg, enough to move the pelvis level and a
    verdict near its 80 %). ``None`` when no picture of them was kept."""
    picks = [frames[i].jpeg for i in sample_indices(len(frames))]
    images = []
    for data in picks:
        if data:
            bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
            if bgr is not None:
                images.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    if not images:
        return None
    position = np.stack([f.position for f in frames])
    return scene_segments(Path("live"), position, images=images)


@dataclass
class SceneLines:
    """The scene's lines of a live stream (for the camera roll), read again from a
    window's pictures every ``every_s`` seconds of the stream; in between the last ones
    are used (a fixed camera; reading them takes ~0.1 s of the window's thread)."""

    every_s: float = 10.0
    at: float = float("nan")
    lines: np.ndarray | None = None

    def known(self, time_s: float) -> np.ndarray | None:
        """The lines read less than ``every_s`` before ``time_s``, else ``None``."""
        return self.lines if 0 <= time_s - self.at < self.every_s else None

    def keep(self, time_s: float, lines: np.ndarray | None) -> None:
        """Lines just read at ``time_s`` (``None``: none could be; try again)."""
        if lines is not None:
            self.at, self.lines = time_s, lines


def analyse_window(
    frames: list[Frame],
    generation: int,
    *,
    model: str,
    thresholds: Thresholds,
    source: tuple[int, int] | None = None,
    segments: np.ndarray | None = None,
) -> WindowResult:
    """The offline analysis of the window's frames; ``source``: the size of the picture
    the frames were scaled from (for the subject's size in its pixels); ``segments``: the
    scene's lines when already known (a fixed camera: an earlier window's), else read
    from the window's pictures (:func:`window_segments`)."""
    pose = window_pose(frames, model=model)
    if segments is None:
        segments = window_segments(frames)
    analysis = analyse_body(observe(pose, segments=segments), thresholds=thresholds)
    notes = quality_notes(
        np.stack([f.position for f in frames]),
        np.stack([f.confidence for f in frames]),
        size=frames[0].size,
        source=source,
        model=model,
    )
    return WindowResult(
        generation=generation,
        camera=analysis.camera,
        stance=str(analysis.metrics["stance"].values[-1]),
        assessments=analysis.assessments,
        frames=frames,
        notes=notes,
        segments=segments,
    )


def moment_message(a: Assessment, frames: list[Frame]) -> dict[str, Any]:
    """An assessed moment of the window as the page and the store receive it."""
    moment = json_safe(assessment_dict(a))
    out: dict[str, Any] = {
        "source": "auto",
        "side": moment["side"],
        "kind": moment["kind"],
        "time": moment["peak_s"],
        "verdict": moment["verdict"],
        "legs": moment["legs"],
        "criteria": moment["criteria"],
        "uncertain_criteria": moment["uncertain_criteria"],
        "metrics": moment["metrics"],
        "uncertainty": moment["uncertainty"],
        "reason": moment["reason"],
        "placement_hint": moment["placement_hint"],
        "basis": (f"offline criteria on the last {frames[-1].time_s - frames[0].time_s:.0f} s"),
    }
    out["jpeg"] = frames[a.moment.peak].jpeg
    return out

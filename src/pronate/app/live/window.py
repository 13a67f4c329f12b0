"""The window of live mode: its frames, and the offline analysis run on them.

A window is the last seconds of frames (:class:`Frame`); :func:`analyse_window` runs the
offline stages on it -- clean-up (:func:`pronate.pose.filtering.clean_pose_dataset`), the
camera stage (:func:`pronate.camera.body.observe`), metrics, loading moments and verdicts
(:func:`pronate.verdict.analysis.analyse_body`) -- and :func:`moment_message` turns an
assessed moment into what the page and the store receive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from pronate.app.live.reading import Note, quality_notes
from pronate.camera.body import Camera, observe
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
    """The analysis of one window: its camera, the last stance, the assessed moments, and
    what the offline analysis would say of the subject's size and the legs' confidence
    (:func:`pronate.app.live.reading.quality_notes`)."""

    generation: int
    camera: Camera
    stance: str
    assessments: list[Assessment]
    frames: list[Frame]
    notes: list[Note] = field(default_factory=list)


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


def analyse_window(
    frames: list[Frame],
    generation: int,
    *,
    model: str,
    thresholds: Thresholds,
    source: tuple[int, int] | None = None,
) -> WindowResult:
    """The offline analysis of the window's frames; ``source``: the size of the picture
    the frames were scaled from (for the subject's size in its pixels)."""
    analysis = analyse_body(observe(window_pose(frames, model=model)), thresholds=thresholds)
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

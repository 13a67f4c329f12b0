"""Settings of the live analyser, and its default detector (the pose model following the
largest person, or the one clicked on)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pronate.app.live.follow import Follower
from pronate.pose.config import ModelName
from pronate.pose.landmarker import Detection
from pronate.verdict.thresholds import Thresholds

Detector = Callable[[np.ndarray, float], Detection | None]
"""``detect(rgb, time_s)`` -> the subject's detection in the frame, or ``None``."""


@dataclass(frozen=True, kw_only=True)
class LiveConfig:
    """Settings of a live analyser.

    Attributes
    ----------
    model
        PoseLandmarker bundle: ``full`` (default) or ``lite`` (``heavy`` works, slowly).
    window_s
        Length of the rolling window the camera, stance and moments are read from.
    refresh_s
        How often the window is analysed.
    max_window_s
        The longest window a loading that goes on can hold (longer loadings are not
        saved by themselves; Capture saves a frame of them).
    min_pose_confidence
        Detection / presence / tracking confidence of the landmarker.
    thresholds
        Thresholds of the offline analysis.
    background
        Analyse the window in a thread of its own, so a frame never waits for it (its
        results arrive with a later frame); ``False`` runs it in :meth:`analyse` itself.
    """

    model: ModelName = "full"
    window_s: float = 4.0
    refresh_s: float = 0.75
    max_window_s: float = 20.0
    min_pose_confidence: float = 0.5
    thresholds: Thresholds = field(default_factory=Thresholds)
    background: bool = True


def landmarker_detector(config: LiveConfig) -> tuple[Detector, Callable[[], None]]:
    """A detector on the model of ``config`` (the largest person, or the one clicked on:
    :class:`pronate.app.live.follow.Follower`), and its ``close``."""
    follower = Follower(config.model, min_confidence=config.min_pose_confidence)
    return follower, follower.close

"""Drawing aids under and along the legs: the floor line, the base of support and the
thigh's foreshortening (see :mod:`pronate.outputs.render.frame_data`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np

from pronate.outputs.render.boxes import PointF
from pronate.outputs.render.moments import LOADED_SIDES
from pronate.pose.keypoints import KEYPOINT_INDEX, SIDES

FOOT_WIDTH_PER_SHANK: Final[float] = 0.22
"""Foot width as a fraction of shank length (knee to ankle): about 0.055 and 0.246 of body
height in adult anthropometric tables, so 0.22. Used to widen the drawn base of support."""

MAX_FLOOR_TILT_DEG: Final[float] = 15.0

MIN_THIGH_IMAGE_RATIO: Final[float] = 0.7
"""A knee angle is not labelled while the thigh's image is shorter than this fraction of its
length (the 90th percentile of its image length over the clip): the thigh then points
more than ~45 deg toward or away from the camera (the bottom of a deep squat seen from the
front, a knee lifted forward) and the 2-D FPPA says little about the knee (see
``fppa_max_depth`` in :mod:`pronate.verdict.thresholds`)."""
THIGH_LENGTH_PERCENTILE: Final[float] = 90.0


def estimate_floor_angle(
    keypoints: np.ndarray,
    confidence: np.ndarray,
    stance: Sequence[str | None],
    *,
    min_confidence: float,
) -> float:
    """Estimate the floor's tilt in the image (radians, y down) from the heels.

    Uses frames with both feet in contact (all frames if ``stance`` is unknown) where the
    heels lie at least 0.3 shank apart across the image (not a side view): the median angle
    of the line through the two heels, clipped to +-15 degrees; 0 when there is no such
    frame.

    Parameters
    ----------
    keypoints
        Shape (time, 33, 2).
    confidence
        Shape (time, 33).
    stance
        Feet in contact per frame.
    min_confidence
        Keypoints below this are ignored.

    Returns
    -------
    float
        Angle of the floor direction (pointing to the image's right), radians.
    """
    lh, rh = KEYPOINT_INDEX["left_heel"], KEYPOINT_INDEX["right_heel"]
    lk, la = KEYPOINT_INDEX["left_knee"], KEYPOINT_INDEX["left_ankle"]
    d = keypoints[:, lh] - keypoints[:, rh]
    shank = np.linalg.norm(keypoints[:, lk] - keypoints[:, la], axis=1)
    usable = (
        (confidence[:, lh] >= min_confidence)
        & (confidence[:, rh] >= min_confidence)
        & np.isfinite(d).all(axis=1)
        & (np.abs(d[:, 0]) >= 0.3 * np.where(np.isfinite(shank), shank, np.inf))
    )
    if any(s is not None for s in stance):
        usable &= np.array([s == "both" for s in stance], dtype=bool)
    if not usable.any():
        return 0.0
    d = d[usable]
    d = np.where(d[:, :1] < 0, -d, d)  # point to the right
    angle = float(np.median(np.arctan2(d[:, 1], d[:, 0])))
    limit = math.radians(MAX_FLOOR_TILT_DEG)
    return float(np.clip(angle, -limit, limit))


def base_of_support(
    keypoints: np.ndarray,
    confidence: np.ndarray,
    stance: str | None,
    *,
    floor_angle: float,
    min_confidence: float,
) -> tuple[PointF, PointF] | None:
    """Return the base of support as a floor segment, or ``None``.

    The feet in contact (``stance``) each span their heel and toe points along the floor,
    widened by half a foot width (:data:`FOOT_WIDTH_PER_SHANK` of the shank) on each side;
    the segment lies on the floor line through the lowest of those points.

    Parameters
    ----------
    keypoints
        Shape (33, 2), pixels.
    confidence
        Shape (33,).
    stance
        ``left``, ``right``, ``both``; anything else gives ``None``.
    floor_angle
        Floor direction, radians, y down (see :func:`estimate_floor_angle`).
    min_confidence
        Keypoints below this are ignored.

    Returns
    -------
    tuple or None
        ``((x, y), (x, y))``, left end first.
    """
    if stance not in LOADED_SIDES:
        return None
    sides = SIDES if stance == "both" else (stance,)
    u = np.array([math.cos(floor_angle), math.sin(floor_angle)])
    n = np.array([-u[1], u[0]])  # floor normal, pointing down in the image
    along: list[float] = []
    down: list[float] = []
    for side in sides:
        pts = [
            keypoints[KEYPOINT_INDEX[f"{side}_{part}"]]
            for part in ("heel", "foot_index")
            if confidence[KEYPOINT_INDEX[f"{side}_{part}"]] >= min_confidence
            and np.isfinite(keypoints[KEYPOINT_INDEX[f"{side}_{part}"]]).all()
        ]
        if not pts:
            continue
        knee, ankle = (keypoints[KEYPOINT_INDEX[f"{side}_{p}"]] for p in ("knee", "ankle"))
        shank = float(np.linalg.norm(knee - ankle))
        half = 0.5 * FOOT_WIDTH_PER_SHANK * shank if np.isfinite(shank) else 0.0
        s = [float(p @ u) for p in pts]
        along += [min(s) - half, max(s) + half]
        down += [float(p @ n) for p in pts]
    if not along:
        return None
    level = max(down)
    a = min(along) * u + level * n
    b = max(along) * u + level * n
    return ((float(a[0]), float(a[1])), (float(b[0]), float(b[1])))


def thigh_foreshortened(
    keypoints: np.ndarray, *, min_ratio: float = MIN_THIGH_IMAGE_RATIO
) -> dict[str, np.ndarray]:
    """Per side, the frames where the thigh's image is shorter than ``min_ratio`` of its
    length (the :data:`THIGH_LENGTH_PERCENTILE` of its image length over the clip).

    Parameters
    ----------
    keypoints
        Shape (time, 33, 2): x, y of the keypoints in pixels; NaN where unknown.
    min_ratio
        See :data:`MIN_THIGH_IMAGE_RATIO`.

    Returns
    -------
    dict
        ``left`` / ``right`` to a boolean array (time); ``False`` where unknown.
    """
    out = {}
    for side in SIDES:
        hip, knee = (keypoints[:, KEYPOINT_INDEX[f"{side}_{p}"]] for p in ("hip", "knee"))
        length = np.hypot(*(knee - hip).T)
        known = np.isfinite(length)
        short = np.zeros(len(length), dtype=bool)
        if known.any():
            full = float(np.percentile(length[known], THIGH_LENGTH_PERCENTILE))
            short[known] = length[known] < min_ratio * full
        out[side] = short
    return out

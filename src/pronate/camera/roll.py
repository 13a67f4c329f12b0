"""The camera's roll: from the room's vertical lines, or from a quiet stance.

Convention (:mod:`pronate.camera.frames`): ``roll_deg`` is the angle, counter-clockwise
as seen on screen, by which the scene appears rotated in the image. The stage
(:func:`pronate.camera.body.observe`) takes, in order of preference:

``override``
    ``--roll`` given.
``scene_lines``
    The vertical vanishing point of the room (:mod:`pronate.camera.scene`), read at the
    pelvis, when it has enough support and agrees with the body's own up direction within
    :data:`MAX_SCENE_BODY_DEG` (:func:`scene_roll`). Measured on the balancing trial's
    two development cameras and their copies rotated by +-10 and +-25 deg: within 0.7 deg
    of the calibration's roll at the pelvis.
``body_axis`` / ``heel_toe``
    A real quiet stance (both feet planted, body still, see
    :func:`pronate.camera.stance.quiet_stance`; :func:`stance_roll`): the body axis
    standing on the feet (mid-ankle to mid-shoulder, vertical in quiet stance) in front,
    back and oblique views, and the heel-toe lines of the feet on the floor in side views.
    The line through the two feet is not used: a foot a few centimetres ahead of the other
    tilts it by several degrees when the camera is above the floor (4 deg on
    ``frontal_squat.mp4``, whose vertical edges are within 0.5 deg of upright). An
    estimate beyond :data:`MAX_ROLL_DEG` or whose frames scatter by more than
    :data:`MAX_ROLL_SPREAD_DEG` (median absolute deviation) is rejected.
``none``
    Nothing supports an estimate: the roll is 0 and the summary says so.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from pronate.camera import scene
from pronate.camera.frames import idx, mid

MAX_SCENE_BODY_DEG: Final[float] = 20.0
"""Largest difference between the scene's roll and the body's median up direction."""
MAX_ROLL_DEG: Final[float] = 15.0
"""Largest camera roll believed from a stance; beyond it the stance was not upright."""
MAX_ROLL_SPREAD_DEG: Final[float] = 3.0
"""Largest scatter (median absolute deviation) of the per-frame roll estimates."""


def body_up_deg(position: np.ndarray, *, frames_mask: np.ndarray | None = None) -> float:
    """The body's median up direction in the image (roll convention), mid-ankle -> mid-shoulder."""
    xy = position[..., :2] if frames_mask is None else position[frames_mask][..., :2]
    axis = mid(xy, "left_shoulder", "right_shoulder") - mid(xy, "left_ankle", "right_ankle")
    ok = np.isfinite(axis).all(axis=-1)
    if not ok.any():
        return 0.0
    return scene.up_angle_deg(np.median(axis[ok], axis=0))


def pelvis_px(position: np.ndarray) -> np.ndarray:
    """Median mid-hip position (x, y) in image pixels."""
    hip = mid(position[..., :2], "left_hip", "right_hip")
    ok = np.isfinite(hip).all(axis=-1)
    return np.median(hip[ok], axis=0) if ok.any() else np.full(2, np.nan)


def scene_roll(
    segments: np.ndarray | None, position: np.ndarray, *, width: float, height: float
) -> tuple[float | None, dict[str, Any]]:
    """Roll from the room's verticals, or ``None`` with the reason in the detail."""
    up = body_up_deg(position)
    detail: dict[str, Any] = {"body_up_deg": round(up, 1)}
    if segments is None:
        detail["scene"] = "no video frames"
        return None, detail
    pelvis = pelvis_px(position)
    if not np.isfinite(pelvis).all():
        detail["scene"] = "no pelvis seen"
        return None, detail
    found = scene.vertical_vanishing_point(
        segments,
        up_deg=up,
        width=width,
        height=height,
        at=pelvis,
        max_disagreement_deg=MAX_SCENE_BODY_DEG,
    )
    if found is None:
        detail["scene"] = "no vertical lines found"
        return None, detail
    roll = scene.roll_at(found, pelvis, up_deg=up)
    detail.update(
        scene_lines=found.inliers,
        scene_candidates=found.candidates,
        scene_support=round(found.support, 2),
        scene_fit_deg=round(found.spread_deg, 2),
        scene_roll_deg=round(roll, 1),
    )
    if not found.usable:
        detail["scene"] = "too few vertical lines in the room"
        return None, detail
    if abs(roll - up) > MAX_SCENE_BODY_DEG:
        detail["scene"] = "the room's lines disagree with the body's axis"
        return None, detail
    detail["scene"] = "used"
    return roll, detail


def _fold_horizontal(vec: np.ndarray) -> np.ndarray:
    """Angle (deg) of 2-D vectors (..., 2) taken as undirected lines, in (-90, 90]."""
    sign = np.where(vec[..., 0] < 0, -1.0, 1.0)
    return np.degrees(np.arctan2(sign * vec[..., 1], sign * vec[..., 0]))


def stance_roll(uv: np.ndarray, *, view: str, quiet: np.ndarray) -> tuple[float, str]:
    """The camera roll from a quiet stance (see the module docstring).

    Parameters
    ----------
    uv
        Upright image positions *without* roll correction (time, 33, 2).
    view
        The view (decides the method).
    quiet
        Boolean mask of the quiet-stance frames.

    Returns
    -------
    tuple of (float, str)
        Roll in degrees and the method used (``body_axis``, ``heel_toe``), or
        ``(0.0, "none")`` without a quiet stance or when the estimate is not sane.
    """
    if not quiet.any():
        return 0.0, "none"
    sel = uv[quiet]
    if view in ("left", "right"):
        vec = np.concatenate(
            [
                sel[:, idx("left_foot_index")] - sel[:, idx("left_heel")],
                sel[:, idx("right_foot_index")] - sel[:, idx("right_heel")],
            ]
        )
        angles, method = _fold_horizontal(vec), "heel_toe"
    else:
        axis = mid(sel, "left_shoulder", "right_shoulder") - mid(sel, "left_ankle", "right_ankle")
        angles, method = np.degrees(np.arctan2(-axis[:, 0], axis[:, 1])), "body_axis"
    angles = angles[np.isfinite(angles)]
    if not angles.size:
        return 0.0, "none"
    roll = float(np.median(angles))
    spread = float(np.median(np.abs(angles - roll)))
    if abs(roll) > MAX_ROLL_DEG or spread > MAX_ROLL_SPREAD_DEG:
        return 0.0, "none"
    return roll, method

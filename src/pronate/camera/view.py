"""The view: where the camera stands around the subject, and whose left is left.

Conventions (see also :mod:`pronate.camera.frames`)
---------------------------------------------------
yaw_deg
    Where the camera stands around the subject: 0 in front, +90 at the subject's left
    side, -90 at the right side, 180 behind. ``yaw = atan2(-L_z, -A_z)`` with the
    subject axes of :mod:`pronate.camera.frames`.
view
    ``front`` for ``|yaw| <= 20``, ``back`` for ``|yaw| >= 160``, ``left`` / ``right``
    for ``|yaw -/+ 90| <= 25`` (the side turned to the camera), ``oblique`` otherwise.
    The front/back half-width is 20 deg, not 25: the model's world landmarks make a turn
    look 15-20 deg smaller than it is, and cam01 of the balancing trial (45 deg off his
    front by the calibration) read -30 deg, and -24.9 deg on a copy rotated on screen by
    10 deg: at 25 it would have been called a front view.
labels
    Once the view is resolved (:func:`estimate_view`, :func:`override_view`) and the
    swap applied (:func:`pronate.pose.keypoints.swap_labels`, once, by
    :func:`pronate.camera.body.observe`), ``left_*`` keypoints are the subject's real left.
    A model seeing a back may label sides as if it saw a face; the labels are swapped
    when the left-right axis they imply disagrees with label-free cues of where the
    subject faces (heel-to-toe direction and nose in the world landmarks, face keypoint
    confidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from pronate.camera.frames import idx, mid
from pronate.errors import InputError

VIEWS: Final[tuple[str, ...]] = ("front", "back", "left", "right", "oblique")
FRONT_HALF_WIDTH_DEG: Final[float] = 20.0
SIDE_HALF_WIDTH_DEG: Final[float] = 25.0
NOMINAL_YAW_DEG: Final[dict[str, float]] = {
    "front": 0.0,
    "back": 180.0,
    "left": 90.0,
    "right": -90.0,
}
FACE: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "mouth_left",
    "mouth_right",
)


@dataclass(frozen=True)
class ViewInfo:
    """The viewing direction of a clip.

    Attributes
    ----------
    view
        One of :data:`VIEWS`.
    yaw_deg
        Camera yaw around the subject (0 front, +90 left side, 180 back).
    labels_swapped
        Whether the model's left/right labels were swapped to make ``left`` the real left.
    source
        ``"auto"`` (estimated) or ``"override"`` (given).
    """

    view: str
    yaw_deg: float
    labels_swapped: bool
    source: str


def classify_yaw(yaw_deg: float) -> str:
    """Name the view of a camera yaw (see the module docstring)."""
    a = abs((yaw_deg + 180.0) % 360.0 - 180.0)
    if a <= FRONT_HALF_WIDTH_DEG:
        return "front"
    if a >= 180.0 - FRONT_HALF_WIDTH_DEG:
        return "back"
    if abs(a - 90.0) <= SIDE_HALF_WIDTH_DEG:
        wrapped = (yaw_deg + 180.0) % 360.0 - 180.0
        return "left" if wrapped > 0 else "right"
    return "oblique"


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.hypot(v[0], v[1]))
    return v / n if n > 0 and np.isfinite(n) else np.full(2, np.nan)


def _median_rows(values: np.ndarray) -> np.ndarray:
    """Median over the first axis of the rows without NaN (NaN, quietly, when none)."""
    rows = values[np.isfinite(values).all(axis=-1)]
    return np.median(rows, axis=0) if len(rows) else np.full(values.shape[-1], np.nan)


def _mean_quiet(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def _lateral_axis(world_up: np.ndarray) -> np.ndarray:
    """Median right->left axis (x, z) of hips and shoulders in the upright world."""
    v = (
        world_up[:, idx("left_hip")]
        - world_up[:, idx("right_hip")]
        + world_up[:, idx("left_shoulder")]
        - world_up[:, idx("right_shoulder")]
    )
    return _unit(_median_rows(v[:, [0, 2]]))


def _anterior_cue(world_up: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Label-free estimate (x, z) of where the subject faces."""
    toe = 0.5 * (
        world_up[:, idx("left_foot_index")]
        - world_up[:, idx("left_heel")]
        + world_up[:, idx("right_foot_index")]
        - world_up[:, idx("right_heel")]
    )
    nose = world_up[:, idx("nose")] - mid(world_up, "left_ear", "right_ear")
    cue = _unit(_median_rows(toe[:, [0, 2]]))
    nose_dir = _unit(_median_rows(nose[:, [0, 2]]))
    cue = np.nan_to_num(cue) + 0.5 * np.nan_to_num(nose_dir)
    face = _mean_quiet(confidence[:, [idx(n) for n in FACE]])
    if np.isfinite(face):
        cue = cue + np.array([0.0, -np.clip(face - 0.5, -0.5, 0.5)])
    return cue


def _image_order(uv: np.ndarray) -> float:
    """Median of left-minus-right ``u`` of hips and shoulders (positive: left on the right)."""
    d = (
        uv[:, idx("left_hip"), 0]
        - uv[:, idx("right_hip"), 0]
        + uv[:, idx("left_shoulder"), 0]
        - uv[:, idx("right_shoulder"), 0]
    )
    return float(np.nanmedian(d)) if np.isfinite(d).any() else 0.0


def _face_facing(confidence: np.ndarray) -> bool:
    face = _mean_quiet(confidence[:, [idx(n) for n in FACE]])
    return not (np.isfinite(face) and face < 0.5)


def _yaw(lateral: np.ndarray) -> float:
    anterior = np.array([lateral[1], -lateral[0]])
    return float(np.degrees(np.arctan2(-lateral[1], -anterior[1])))


def estimate_view(uv: np.ndarray, world_up: np.ndarray, confidence: np.ndarray) -> ViewInfo:
    """Estimate the view and whether the left/right labels must be swapped.

    Parameters
    ----------
    uv
        Upright image positions (time, 33, 2) (the roll hardly matters here).
    world_up
        Level world landmarks (time, 33, 3), see :func:`level_world`; may be all NaN.
    confidence
        Keypoint confidences (time, 33).

    Returns
    -------
    ViewInfo
        The view, with ``source="auto"``.
    """
    lateral = _lateral_axis(world_up) if np.isfinite(world_up).any() else np.full(2, np.nan)
    if not np.isfinite(lateral).all():
        front = _face_facing(confidence)
        order = _image_order(uv)
        swapped = bool(order < 0) if front else bool(order > 0)
        return ViewInfo("front" if front else "back", 0.0 if front else 180.0, swapped, "auto")
    anterior = np.array([lateral[1], -lateral[0]])
    swapped = bool(np.dot(anterior, _anterior_cue(world_up, confidence)) < 0)
    if swapped:
        lateral = -lateral
    yaw = _yaw(lateral)
    view = classify_yaw(yaw)
    if view not in ("left", "right"):
        order = -_image_order(uv) if swapped else _image_order(uv)
        expected = np.cos(np.radians(yaw))
        if order * expected < 0:
            swapped = not swapped
            yaw = _yaw(-lateral)
            view = classify_yaw(yaw)
    return ViewInfo(view, yaw, swapped, "auto")


def override_view(
    view: str, uv: np.ndarray, world_up: np.ndarray, confidence: np.ndarray
) -> ViewInfo:
    """Build the :class:`ViewInfo` of a given view; decide the label swap from the data.

    Raises
    ------
    InputError
        If ``view`` is not one of :data:`VIEWS`.
    """
    if view not in VIEWS:
        raise InputError(f"view must be one of {VIEWS}, got {view!r}")
    if view == "oblique":
        auto = estimate_view(uv, world_up, confidence)
        yaw = (
            auto.yaw_deg
            if auto.view == "oblique"
            else 30.0 * np.sign(np.sin(np.radians(auto.yaw_deg)) or 1.0)
        )
        return ViewInfo("oblique", float(yaw), auto.labels_swapped, "override")
    yaw = NOMINAL_YAW_DEG[view]
    if view in ("front", "back"):
        order = _image_order(uv)
        swapped = bool(order < 0) if view == "front" else bool(order > 0)
        return ViewInfo(view, yaw, swapped, "override")
    near = (
        world_up[:, idx("left_hip"), 2]
        - world_up[:, idx("right_hip"), 2]
        + world_up[:, idx("left_shoulder"), 2]
        - world_up[:, idx("right_shoulder"), 2]
    )
    depth = float(np.nanmedian(near)) if np.isfinite(near).any() else 0.0
    swapped = bool(depth > 0) if view == "left" else bool(depth < 0)
    return ViewInfo(view, yaw, swapped, "override")


def placement(view: ViewInfo) -> tuple[str, str]:
    """Why a view gives no frontal metrics, and where to put the camera, in plain words.

    The camera's yaw around the subject is 0 in front, +90 at the subject's left side,
    180 behind. In front the hint names the way to go (toward the client's left raises
    the yaw); behind it says "straight behind them" (the nearest way is obvious there).
    The model's depth tends to make a turn look smaller (15-20 deg on the balancing
    trial), so the angle is a lower bound.
    """
    yaw = (view.yaw_deg + 180.0) % 360.0 - 180.0
    behind = abs(yaw) > 90.0
    off = 180.0 - abs(yaw) if behind else abs(yaw)
    degrees = max(5, int(5 * round(off / 5)))
    if view.view in ("left", "right"):
        reason = (
            f"side view ({view.view} side to the camera): the frontal plane is seen edge-on, "
            "so knee valgus, pelvis and centre-of-mass measures can't be read"
        )
    else:
        reason = (
            f"the camera is at least {degrees} deg off the client's "
            f"{'back' if behind else 'front'}: frontal angles can't be read from this angle"
        )
    if behind:
        hint = (
            f"move the camera at least {degrees} deg around the client so it is straight "
            "behind them"
        )
    else:
        side = "left" if yaw < 0 else "right"
        other = "right" if side == "left" else "left"
        hint = (
            f"move the camera at least {degrees} deg around the client toward their {side} so "
            f"it faces them (or ask the client to turn {degrees} deg to their {other})"
        )
    return reason, hint

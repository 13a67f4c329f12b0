"""Reference frames: camera roll, viewing direction, left/right labels, frontal plane.

Conventions (the single place where they are written down)
-----------------------------------------------------------
upright image frame
    Pixel positions re-expressed with the origin at the image centre, ``u`` to the right
    and ``v`` *up*, and rotated by ``-roll_deg`` so that the floor is horizontal.
roll_deg
    The angle, counter-clockwise as seen on screen, by which the scene appears rotated in
    the image (a horizontal floor line rising to the right has a positive roll). It is
    estimated only in a real quiet stance (both feet planted, body still, see
    :func:`pronate.camera.stance.quiet_stance`): from the body axis standing on the feet
    (mid-ankle to mid-shoulder, vertical in quiet stance) in front, back and oblique
    views, and from the heel-toe lines of the feet on the floor in side views. The line
    through the two feet is not used: a foot a few centimetres ahead of the other tilts
    it by several degrees when the camera is above the floor (4 deg on
    ``frontal_squat.mp4``, whose vertical edges are within 0.5 deg of upright). An
    estimate beyond :data:`MAX_ROLL_DEG` or whose frames scatter by more than
    :data:`MAX_ROLL_SPREAD_DEG` (median absolute deviation) is rejected; without an
    accepted estimate the roll is 0 (method ``none``). ``roll_deg`` passed explicitly
    overrides the estimate.
upright world frame
    The model's world landmarks (x right, y down, z away from the camera) with y turned
    up and the same roll removed: ``x`` right, ``y`` up, ``z`` away from the camera.
    The model's world axes follow the camera, so a camera looking down (a tripod above
    the subject) tilts them by its pitch.
pitch_deg
    How far the camera looks down (positive) or up. In the upright world the vertical is
    ``(0, cos(pitch), -sin(pitch))``; it is estimated from the body axis (mid-ankle to
    mid-shoulder) of the reference frames (quiet stance, else both feet planted, else
    every frame), kept only within :data:`MAX_PITCH_DEG`. :func:`level_world` rotates it
    away (about ``x``): the *level world* has ``y`` vertical and ``z`` horizontal.
    ``cam01`` of the balancing trial looks down by 22 deg: without levelling, the feet
    0.9 m below the hips get 0.34 m of false depth, which the oblique correction turns
    into a foot length of false lateral offset.
subject axes
    ``L`` (lateral) points from the right hip to the left hip (the subject's left);
    ``A`` (anterior) is where the subject faces; both horizontal. In the level world
    ``(x, z)`` plane ``A = (L_z, -L_x)``.
yaw_deg
    Where the camera stands around the subject: 0 in front, +90 at the subject's left
    side, -90 at the right side, 180 behind. ``yaw = atan2(-L_z, -A_z)``.
view
    ``front`` for ``|yaw| <= 20``, ``back`` for ``|yaw| >= 160``, ``left`` / ``right``
    for ``|yaw -/+ 90| <= 25`` (the side turned to the camera), ``oblique`` otherwise.
    The front/back half-width is 20 deg, not 25: the model's world landmarks make a turn
    look 15-20 deg smaller than it is, and cam01 of the balancing trial (45 deg off his
    front by the calibration) read -30 deg, and -24.9 deg on a copy rotated on screen by
    10 deg: at 25 it would have been called a front view.
labels
    Once the view is resolved (:func:`estimate_view`, :func:`override_view`) and the
    swap applied (:func:`swap_sides`), ``left_*`` keypoints are the subject's real left.
    A model seeing a back may label sides as if it saw a face; the labels are swapped
    when the left-right axis they imply disagrees with label-free cues of where the
    subject faces (heel-to-toe direction and nose in the world landmarks, face keypoint
    confidence).
frontal plane coordinates
    ``lateral`` along ``L`` (toward the subject's left) and ``vertical`` up, in pixels of
    the roll-corrected image, plain 2-D (:func:`frontal_points`): ``lateral = u`` in a
    front view, ``-u`` in a back view. Oblique and side views have none. Depth
    corrections for the camera's pitch and for oblique views (from the model's world
    landmarks) were tried and removed: against the motion capture they added error
    (issue 8: front view FPPA MAE 5.4 -> 7.2 deg left, back view 7.7 -> 9.2 deg, and a
    pelvic obliquity 6-18 deg more extreme than the image). Medial for a leg is toward
    the other leg's hip: ``-lateral`` for the left leg, ``+lateral`` for the right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.pose.keypoints import KEYPOINT_INDEX, MIRROR_ORDER

VIEWS: Final[tuple[str, ...]] = ("front", "back", "left", "right", "oblique")
FRONT_HALF_WIDTH_DEG: Final[float] = 20.0
SIDE_HALF_WIDTH_DEG: Final[float] = 25.0
MAX_ROLL_DEG: Final[float] = 15.0
"""Largest camera roll believed; beyond it the quiet stance was not upright."""
MAX_ROLL_SPREAD_DEG: Final[float] = 3.0
"""Largest scatter (median absolute deviation) of the per-frame roll estimates."""
MAX_PITCH_DEG: Final[float] = 45.0
"""Largest camera pitch believed; beyond it the pitch is taken as 0."""
NOMINAL_YAW_DEG: Final[dict[str, float]] = {
    "front": 0.0,
    "back": 180.0,
    "left": 90.0,
    "right": -90.0,
}
PLANE: Final[tuple[str, str]] = ("lateral", "vertical")
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
POINT_VARS: Final[tuple[str, ...]] = ("position", "world", "position_raw", "world_raw")
_BODY: Final[tuple[str, ...]] = (
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
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


def idx(name: str) -> int:
    """Return the index of keypoint ``name``."""
    return KEYPOINT_INDEX[name]


def mid(points: np.ndarray, a: str, b: str) -> np.ndarray:
    """Midpoint of keypoints ``a`` and ``b`` of ``points`` shaped (..., 33, d)."""
    return 0.5 * (points[..., idx(a), :] + points[..., idx(b), :])


def swap_sides(pose: xr.Dataset) -> xr.Dataset:
    """Return ``pose`` with every left keypoint exchanged with its right twin."""
    out = pose.copy()
    order = list(MIRROR_ORDER)
    for name in (*POINT_VARS, "confidence"):
        if name in out:
            out[name] = out[name].copy(data=out[name].values[:, order])
    return out


def mirror_image(pose: xr.Dataset) -> xr.Dataset:
    """Return ``pose`` as seen in a mirror: ``x -> W - x``, world ``x -> -x``.

    Labels are left as they are, so the result shows a mirrored subject whose labels
    are wrong; :func:`swap_sides` makes them right again.
    """
    out = pose.copy()
    width = float(pose.attrs["image_width"])
    for name in POINT_VARS:
        if name in out:
            values = out[name].values.copy()
            values[..., 0] = (
                width - values[..., 0] if name.startswith("position") else -values[..., 0]
            )
            out[name] = out[name].copy(data=values)
    return out


def rotate2d(xy: np.ndarray, *, angle_deg: float) -> np.ndarray:
    """Rotate 2-D vectors (..., 2) counter-clockwise (y up) by ``angle_deg``."""
    a = np.radians(angle_deg)
    c, s = np.cos(a), np.sin(a)
    return np.stack([c * xy[..., 0] - s * xy[..., 1], s * xy[..., 0] + c * xy[..., 1]], axis=-1)


def upright_image(
    position: np.ndarray, *, width: float, height: float, roll_deg: float
) -> np.ndarray:
    """Image pixels (..., >=2, y down) -> upright frame (..., 2): centred, y up, roll removed."""
    uv = np.stack([position[..., 0] - width / 2, height / 2 - position[..., 1]], axis=-1)
    return rotate2d(uv, angle_deg=-roll_deg)


def upright_world(world: np.ndarray, *, roll_deg: float) -> np.ndarray:
    """World landmarks (..., 3; x right, y down, z away) -> x right, y up, z away, roll removed."""
    xy = rotate2d(np.stack([world[..., 0], -world[..., 1]], axis=-1), angle_deg=-roll_deg)
    return np.concatenate([xy, world[..., 2:3]], axis=-1)


def estimate_pitch(world_up: np.ndarray, *, reference: np.ndarray) -> float:
    """Camera pitch (deg, positive looking down) from the body axis of reference frames.

    Parameters
    ----------
    world_up
        Upright world landmarks (time, 33, 3).
    reference
        Boolean mask of the frames whose mean body axis is taken as vertical.

    Returns
    -------
    float
        The pitch, 0 when it cannot be measured or exceeds :data:`MAX_PITCH_DEG`.
    """
    sel = world_up[reference] if reference.any() else world_up
    axis = mid(sel, "left_shoulder", "right_shoulder") - mid(sel, "left_ankle", "right_ankle")
    norm = np.linalg.norm(axis, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = axis / norm
    unit = unit[np.isfinite(unit).all(axis=-1)]
    if not unit.size:
        return 0.0
    mean = np.median(unit, axis=0)
    pitch = float(np.degrees(np.arctan2(-mean[2], mean[1])))
    return pitch if abs(pitch) <= MAX_PITCH_DEG else 0.0


def level_world(world_up: np.ndarray, *, pitch_deg: float) -> np.ndarray:
    """Rotate upright world points (..., 3) about ``x`` so that the vertical is ``y``."""
    a = np.radians(pitch_deg)
    c, s = np.cos(a), np.sin(a)
    y, z = world_up[..., 1], world_up[..., 2]
    return np.stack([world_up[..., 0], c * y - s * z, s * y + c * z], axis=-1)


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


def _fold_horizontal(vec: np.ndarray) -> np.ndarray:
    """Angle (deg) of 2-D vectors (..., 2) taken as undirected lines, in (-90, 90]."""
    sign = np.where(vec[..., 0] < 0, -1.0, 1.0)
    return np.degrees(np.arctan2(sign * vec[..., 1], sign * vec[..., 0]))


def estimate_roll(uv: np.ndarray, *, view: str, quiet: np.ndarray) -> tuple[float, str]:
    """Estimate the camera roll from a quiet stance (see the module docstring).

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


def px_per_metre(uv: np.ndarray, world_up: np.ndarray) -> float:
    """Image scale: median over frames of the slope of image ``v`` on world height."""
    cols = [idx(n) for n in _BODY]
    v = uv[:, cols, 1]
    w = world_up[:, cols, 1]
    both = np.isfinite(v) & np.isfinite(w)
    count = np.maximum(both.sum(axis=1, keepdims=True), 1)
    v, w = np.where(both, v, 0.0), np.where(both, w, 0.0)
    dv = np.where(both, v - v.sum(axis=1, keepdims=True) / count, 0.0)
    dw = np.where(both, w - w.sum(axis=1, keepdims=True) / count, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (dv * dw).sum(axis=1) / (dw * dw).sum(axis=1)
    slope = slope[np.isfinite(slope) & (slope > 0)]
    return float(np.median(slope)) if slope.size else float("nan")


def frontal_points(uv: np.ndarray, *, view: str) -> np.ndarray:
    """Frontal-plane coordinates (time, 33, 2) = (lateral, vertical) in pixels.

    Plain 2-D, in the roll-corrected image: ``lateral = u`` in a front view, ``-u`` in a
    back view; NaN in every other view (see :mod:`pronate.camera.estimate` for why oblique views
    get no frontal metrics).
    """
    if view not in ("front", "back"):
        return np.full_like(uv, np.nan)
    sign = 1.0 if view == "front" else -1.0
    return np.stack([sign * uv[..., 0], uv[..., 1]], axis=-1)


def sagittal_world(world_level: np.ndarray, *, yaw_deg: float) -> np.ndarray:
    """Sagittal-plane coordinates (time, 33, 2) = (anterior, vertical) of level world points."""
    yaw = np.radians(yaw_deg)
    anterior = world_level[..., 0] * -np.sin(yaw) + world_level[..., 2] * -np.cos(yaw)
    return np.stack([anterior, world_level[..., 1]], axis=-1)


def as_plane(
    points: np.ndarray, pose: xr.Dataset, *, plane: tuple[str, str] = PLANE
) -> xr.DataArray:
    """Wrap (time, 33, 2) coordinates as a DataArray with the pose's time/keypoint coords."""
    return xr.DataArray(
        points,
        dims=("time", "keypoint", "plane"),
        coords={
            "time": pose["time"].values,
            "frame": ("time", pose["frame"].values),
            "keypoint": pose["keypoint"].values,
            "plane": list(plane),
        },
    )

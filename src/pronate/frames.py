"""Reference frames: camera roll, viewing direction, left/right labels, frontal plane.

Conventions (the single place where they are written down)
-----------------------------------------------------------
upright image frame
    Pixel positions re-expressed with the origin at the image centre, ``u`` to the right
    and ``v`` *up*, and rotated by ``-roll_deg`` so that the floor is horizontal.
roll_deg
    The angle, counter-clockwise as seen on screen, by which the scene appears rotated in
    the image (a horizontal floor line rising to the right has a positive roll). It is
    estimated in quiet stance: from the line through the two feet in front/back views,
    from the heel-toe lines in side views, and from the body axis (mid-ankle to
    mid-shoulder, assumed vertical) in oblique views, where perspective tilts the line
    between the feet. ``roll_deg`` passed explicitly overrides the estimate.
upright world frame
    The model's world landmarks (x right, y down, z away from the camera) with y turned
    up and the same roll removed: ``x`` right, ``y`` up, ``z`` away from the camera.
subject axes
    ``L`` (lateral) points from the right hip to the left hip (the subject's left);
    ``A`` (anterior) is where the subject faces; both horizontal. In the upright world
    ``(x, z)`` plane ``A = (L_z, -L_x)``.
yaw_deg
    Where the camera stands around the subject: 0 in front, +90 at the subject's left
    side, -90 at the right side, 180 behind. ``yaw = atan2(-L_z, -A_z)``.
view
    ``front`` for ``|yaw| <= 25``, ``back`` for ``|yaw| >= 155``, ``left`` / ``right``
    for ``|yaw -/+ 90| <= 25`` (the side turned to the camera), ``oblique`` otherwise.
labels
    After :func:`resolve_view`, ``left_*`` keypoints are the subject's real left. A model
    seeing a back may label sides as if it saw a face; the labels are swapped when the
    left-right axis they imply disagrees with label-free cues of where the subject faces
    (heel-to-toe direction and nose in the world landmarks, face keypoint confidence).
frontal plane coordinates
    ``lateral`` along ``L`` (toward the subject's left) and ``vertical`` up, in pixels.
    Front view: ``lateral = u``; back view: ``lateral = -u``; oblique view: the lateral
    foreshortening and the anterior contamination of ``u`` are undone with the depth of
    the world landmarks, ``lateral = (u + k A sin(yaw)) / cos(yaw)`` where ``A`` is the
    anterior world coordinate and ``k`` pixels per metre. Medial for a leg is toward the
    other leg's hip: ``-lateral`` for the left leg, ``+lateral`` for the right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.keypoints import KEYPOINT_INDEX, MIRROR_ORDER

VIEWS: Final[tuple[str, ...]] = ("front", "back", "left", "right", "oblique")
FRONT_HALF_WIDTH_DEG: Final[float] = 25.0
SIDE_HALF_WIDTH_DEG: Final[float] = 25.0
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


def _lateral_axis(world_up: np.ndarray) -> np.ndarray:
    """Median right->left axis (x, z) of hips and shoulders in the upright world."""
    v = (
        world_up[:, idx("left_hip")]
        - world_up[:, idx("right_hip")]
        + world_up[:, idx("left_shoulder")]
        - world_up[:, idx("right_shoulder")]
    )
    return _unit(np.nanmedian(v[:, [0, 2]], axis=0))


def _anterior_cue(world_up: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Label-free estimate (x, z) of where the subject faces."""
    toe = 0.5 * (
        world_up[:, idx("left_foot_index")]
        - world_up[:, idx("left_heel")]
        + world_up[:, idx("right_foot_index")]
        - world_up[:, idx("right_heel")]
    )
    nose = world_up[:, idx("nose")] - mid(world_up, "left_ear", "right_ear")
    cue = _unit(np.nanmedian(toe[:, [0, 2]], axis=0))
    nose_dir = _unit(np.nanmedian(nose[:, [0, 2]], axis=0))
    cue = np.nan_to_num(cue) + 0.5 * np.nan_to_num(nose_dir)
    face = float(np.nanmean(confidence[:, [idx(n) for n in FACE]]))
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
    face = float(np.nanmean(confidence[:, [idx(n) for n in FACE]]))
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
        Upright world landmarks (time, 33, 3); may be all NaN.
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
    """Estimate the camera roll from quiet stance.

    Parameters
    ----------
    uv
        Upright image positions *without* roll correction (time, 33, 2).
    view
        The view (decides the method, see the module docstring).
    quiet
        Boolean mask of quiet-stance frames (all frames are used if it is empty).

    Returns
    -------
    tuple of (float, str)
        Roll in degrees and the method used (``feet``, ``heel_toe``, ``body_axis``).
    """
    sel = uv[quiet] if quiet.any() else uv
    if view in ("front", "back"):
        foot_l = 0.5 * (sel[:, idx("left_heel")] + sel[:, idx("left_foot_index")])
        foot_r = 0.5 * (sel[:, idx("right_heel")] + sel[:, idx("right_foot_index")])
        angles, method = _fold_horizontal(foot_l - foot_r), "feet"
    elif view in ("left", "right"):
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
    roll = float(np.nanmedian(angles)) if np.isfinite(angles).any() else 0.0
    return roll, method


def px_per_metre(uv: np.ndarray, world_up: np.ndarray) -> float:
    """Image scale: median over frames of the slope of image ``v`` on world height."""
    cols = [idx(n) for n in _BODY]
    v = uv[:, cols, 1]
    w = world_up[:, cols, 1]
    dv = v - np.nanmean(v, axis=1, keepdims=True)
    dw = w - np.nanmean(w, axis=1, keepdims=True)
    slope = np.nansum(dv * dw, axis=1) / np.nansum(dw * dw, axis=1)
    slope = slope[np.isfinite(slope) & (slope > 0)]
    return float(np.median(slope)) if slope.size else float("nan")


def frontal_points(
    uv: np.ndarray, world_up: np.ndarray, *, view: ViewInfo, scale: float
) -> np.ndarray:
    """Frontal-plane coordinates (time, 33, 2) = (lateral, vertical) in pixels.

    NaN everywhere in side views. See the module docstring for the oblique correction.
    """
    if view.view in ("left", "right"):
        return np.full_like(uv, np.nan)
    if view.view in ("front", "back"):
        sign = 1.0 if view.view == "front" else -1.0
        return np.stack([sign * uv[..., 0], uv[..., 1]], axis=-1)
    yaw = np.radians(view.yaw_deg)
    anterior = world_up[..., 0] * -np.sin(yaw) + world_up[..., 2] * -np.cos(yaw)
    lateral = (uv[..., 0] + scale * anterior * np.sin(yaw)) / np.cos(yaw)
    return np.stack([lateral, uv[..., 1]], axis=-1)


def anchor_to_feet(
    frontal: np.ndarray, *, contact_left: np.ndarray, contact_right: np.ndarray, quiet: np.ndarray
) -> np.ndarray:
    """Shift frames laterally so the feet on the ground stay where they were in quiet stance.

    Needed in oblique views: the world landmarks are centred between the hips, so the
    oblique correction recovers lateral positions only relative to each other within a
    frame; a forward or backward movement of the whole body would otherwise leak into
    the lateral positions. Frames with no foot on the ground get interpolated shifts.

    Parameters
    ----------
    frontal
        Frontal-plane points (time, 33, 2).
    contact_left, contact_right
        Boolean ground contact of each foot (time).
    quiet
        Boolean quiet-stance mask (time); every frame when it is empty.
    """
    ref_mask = quiet if quiet.any() else np.ones_like(quiet)
    shifts = []
    for side, contact in (("left", contact_left), ("right", contact_right)):
        foot = mid(frontal, f"{side}_heel", f"{side}_foot_index")[:, 0]
        shifts.append(np.where(contact, np.nanmedian(foot[ref_mask]) - foot, np.nan))
    stacked = np.stack(shifts)
    count = np.isfinite(stacked).sum(axis=0)
    shift = np.where(count > 0, np.nansum(stacked, axis=0) / np.maximum(count, 1), np.nan)
    ok = np.isfinite(shift)
    if not ok.any():
        return frontal
    shift = np.interp(np.arange(len(shift)), np.flatnonzero(ok), shift[ok])
    out = frontal.copy()
    out[..., 0] += shift[:, None]
    return out


def sagittal_world(world_up: np.ndarray, *, yaw_deg: float) -> np.ndarray:
    """Sagittal-plane coordinates (time, 33, 2) = (anterior, vertical) of upright world points."""
    yaw = np.radians(yaw_deg)
    anterior = world_up[..., 0] * -np.sin(yaw) + world_up[..., 2] * -np.cos(yaw)
    return np.stack([anterior, world_up[..., 1]], axis=-1)


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

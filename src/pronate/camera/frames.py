"""Coordinate frames: the upright image, the upright and level world, the frontal plane.

Conventions (the single place where they are written down; the view and the labels are
in :mod:`pronate.camera.view`, the roll's estimation in :mod:`pronate.camera.roll`)
-----------------------------------------------------------------------------------
upright image frame
    Pixel positions re-expressed with the origin at the image centre, ``u`` to the right
    and ``v`` *up*, and rotated by ``-roll_deg`` so that the floor is horizontal.
roll_deg
    The angle, counter-clockwise as seen on screen, by which the scene appears rotated in
    the image (a horizontal floor line rising to the right has a positive roll).
upright world frame
    The model's world landmarks (x right, y down, z away from the camera) with y turned
    up and the same roll removed: ``x`` right, ``y`` up, ``z`` away from the camera.
    The model's world axes follow the camera, so a camera looking down (a tripod above
    the subject) tilts them by its pitch.
pitch_deg
    How far the camera looks down (positive) or up. In the upright world the vertical is
    ``(0, cos(pitch), -sin(pitch))``; it is estimated from the body axis (mid-ankle to
    mid-shoulder) of the neutral frames (quiet stance, else both feet planted, else
    every frame), kept only within :data:`MAX_PITCH_DEG`. :func:`level_world` rotates it
    away (about ``x``): the *level world* has ``y`` vertical and ``z`` horizontal.
    ``cam01`` of the balancing trial looks down by 22 deg: without levelling, the feet
    0.9 m below the hips get 0.34 m of false depth, which the oblique correction turns
    into a foot length of false lateral offset.
subject axes
    ``L`` (lateral) points from the right hip to the left hip (the subject's left);
    ``A`` (anterior) is where the subject faces; both horizontal. In the level world
    ``(x, z)`` plane ``A = (L_z, -L_x)``.
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

from typing import Final

import numpy as np
import xarray as xr

from pronate.pose.keypoints import KEYPOINT_INDEX, swap_labels

MAX_PITCH_DEG: Final[float] = 45.0
"""Largest camera pitch believed; beyond it the pitch is taken as 0."""
PLANE: Final[tuple[str, str]] = ("lateral", "vertical")
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


def idx(name: str) -> int:
    """Return the index of keypoint ``name``."""
    return KEYPOINT_INDEX[name]


def mid(points: np.ndarray, a: str, b: str) -> np.ndarray:
    """Midpoint of keypoints ``a`` and ``b`` of ``points`` shaped (..., 33, d)."""
    return 0.5 * (points[..., idx(a), :] + points[..., idx(b), :])


def swap_sides(pose: xr.Dataset) -> xr.Dataset:
    """Return ``pose`` with every left keypoint exchanged with its right twin."""
    out = pose.copy()
    for name in (*POINT_VARS, "confidence"):
        if name in out:
            out[name] = out[name].copy(data=swap_labels(out[name].values, axis=1))
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


def estimate_pitch(world_up: np.ndarray, *, neutral: np.ndarray) -> float:
    """Camera pitch (deg, positive looking down) from the body axis of the neutral frames.

    Parameters
    ----------
    world_up
        Upright world landmarks (time, 33, 3).
    neutral
        Boolean mask of the frames whose mean body axis is taken as vertical.

    Returns
    -------
    float
        The pitch, 0 when it cannot be measured or exceeds :data:`MAX_PITCH_DEG`.
    """
    sel = world_up[neutral] if neutral.any() else world_up
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
    back view; NaN in every other view (see :mod:`pronate.camera.body` for why oblique views
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

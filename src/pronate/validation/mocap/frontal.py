"""A virtual frontal camera for a C3D trial (see :mod:`pronate.validation.mocap`)."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS
from pronate.validation.mocap.c3d import SIDES, C3DTrial
from pronate.validation.mocap.pig import marker_dict, pig_keypoints
from pronate.validation.reference import Camera, camera_coordinates, reference_pose_dataset

MIN_WALK_SPEED_M_S: Final[float] = 0.2
DEFAULT_DISTANCE_M: Final[float] = 8.0
DEFAULT_IMAGE_SIZE: Final[tuple[int, int]] = (1080, 1920)
FILL_FRACTION: Final[float] = 0.9


@dataclass(frozen=True)
class FrontalView:
    """A virtual frontal camera placed in front of a walking subject.

    Attributes
    ----------
    camera
        The pinhole camera (lab axes as world axes).
    up
        Unit vertical lab axis.
    forward
        Unit horizontal walking direction (towards the camera).
    speed_m_s
        Mean progression speed along ``forward``.
    follow
        Whether the camera follows the mean progression (treadmill-like).
    distance_m
        Distance from the furthest (``follow=False``) or mean (``follow=True``) hip
        position to the camera.
    """

    camera: Camera
    up: np.ndarray
    forward: np.ndarray
    speed_m_s: float
    follow: bool
    distance_m: float


@contextmanager
def _quiet_nan() -> Iterator[None]:
    """Silence numpy's all-NaN-slice warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _mid(points: np.ndarray, a: str, b: str) -> np.ndarray:
    return np.asarray(0.5 * (points[:, KEYPOINT_INDEX[a]] + points[:, KEYPOINT_INDEX[b]]))


def vertical_axis(keypoints: np.ndarray) -> np.ndarray:
    """The lab axis (unit vector, signed) along which the hips stand above the feet.

    Parameters
    ----------
    keypoints
        Keypoints (time, 33, 3) in lab axes.

    Raises
    ------
    InputError
        If the trial has no frame with both hips and a foot keypoint.
    """
    hips = _mid(keypoints, "left_hip", "right_hip")
    feet = [
        keypoints[:, KEYPOINT_INDEX[f"{side}_{part}"]]
        for side in SIDES
        for part in ("ankle", "heel", "foot_index")
    ]
    with _quiet_nan():
        d = np.nanmedian(hips - np.nanmean(np.stack(feet), axis=0), axis=0)
    if not np.isfinite(d).all():
        raise InputError("cannot tell which way is up: no frame with hips and feet")
    k = int(np.argmax(np.abs(d)))
    up = np.zeros(3)
    up[k] = math.copysign(1.0, float(d[k]))
    return up


def _horizontal(v: np.ndarray, up: np.ndarray) -> np.ndarray:
    return np.asarray(v - np.sum(v * up, axis=-1, keepdims=True) * up)


def _progression(
    hips: np.ndarray, *, time_s: np.ndarray, up: np.ndarray, facing: np.ndarray
) -> tuple[np.ndarray, float]:
    """Walking direction (unit, horizontal, towards where the subject faces) and speed."""
    ok = np.all(np.isfinite(hips), axis=1)
    velocity = np.zeros(3)
    if ok.sum() >= 2:
        velocity = np.polyfit(time_s[ok], _horizontal(hips[ok], up), 1)[0]
    speed = float(np.linalg.norm(velocity))
    if speed < MIN_WALK_SPEED_M_S:
        return facing, float(np.dot(velocity, facing))
    forward = velocity / speed
    if float(np.dot(forward, facing)) < 0:
        forward = -forward
    return forward, float(np.dot(velocity, forward))


def look_at_camera(
    *,
    centre: np.ndarray,
    forward: np.ndarray,
    up: np.ndarray,
    focal_px: float,
    image_size: tuple[int, int],
    name: str = "virtual_frontal",
) -> Camera:
    """A level pinhole camera at ``centre`` looking along ``-forward``.

    Parameters
    ----------
    centre
        Camera centre (3,), world axes, metres.
    forward
        Unit horizontal direction from the subject to the camera.
    up
        Unit world vertical.
    focal_px
        Focal length in pixels (square pixels, principal point at the image centre).
    image_size
        (width, height) in pixels.
    name
        Camera name.

    Returns
    -------
    Camera
        Image x to the right, y down; the camera's optical axis is ``-forward``.
    """
    z_cam = -np.asarray(forward, dtype=np.float64)
    y_cam = -np.asarray(up, dtype=np.float64)
    x_cam = np.cross(y_cam, z_cam)
    rot = np.stack([x_cam, y_cam, z_cam])
    width, height = image_size
    matrix = np.array([[focal_px, 0.0, width / 2.0], [0.0, focal_px, height / 2.0], [0, 0, 1.0]])
    return Camera(
        name=name,
        image_size=(int(width), int(height)),
        matrix=matrix,
        distortions=np.zeros(5),
        rotation=np.asarray(cv2.Rodrigues(rot)[0], dtype=np.float64).ravel(),
        translation=-rot @ np.asarray(centre, dtype=np.float64),
    )


def frontal_view(
    keypoints: np.ndarray,
    *,
    time_s: np.ndarray,
    distance_m: float = DEFAULT_DISTANCE_M,
    follow: bool = False,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
    focal_px: float | None = None,
) -> tuple[np.ndarray, FrontalView]:
    """Place a virtual frontal camera in front of a walking subject.

    Parameters
    ----------
    keypoints
        Keypoints (time, 33, 3), metres, lab axes (from :func:`pig_keypoints`).
    time_s
        Frame times (time,).
    distance_m
        Camera distance beyond the furthest hip position (fixed camera) or in front of
        the mean hip position (``follow``).
    follow
        Move the markers back by the fitted mean progression (treadmill-like).
    image_size
        (width, height) in pixels; portrait by default, like a phone.
    focal_px
        Focal length; by default every point of the trial fills at most 90 % of the
        image.

    Returns
    -------
    tuple of (numpy.ndarray, FrontalView)
        The keypoints to project (shifted when ``follow``) and the view.

    Raises
    ------
    InputError
        If the hips or feet are missing throughout, or ``distance_m`` is not positive.
    """
    if not distance_m > 0:
        raise InputError(f"camera distance must be positive, got {distance_m}")
    pts = np.asarray(keypoints, dtype=np.float64)
    time_s = np.asarray(time_s, dtype=np.float64)
    up = vertical_axis(pts)
    lateral_v = _horizontal(
        pts[:, KEYPOINT_INDEX["left_hip"]] - pts[:, KEYPOINT_INDEX["right_hip"]], up
    )
    with _quiet_nan():
        lateral = np.nanmedian(lateral_v, axis=0)
    facing = np.cross(lateral, up)
    facing = facing / np.linalg.norm(facing)
    hips = _mid(pts, "left_hip", "right_hip")
    forward, speed = _progression(hips, time_s=time_s, up=up, facing=facing)
    if follow:
        ok = np.isfinite(time_s)
        shift = speed * (time_s - float(np.mean(time_s[ok])))
        pts = pts - shift[:, None, None] * forward
        hips = _mid(pts, "left_hip", "right_hip")
    with _quiet_nan():
        mean_hip = np.nanmean(hips, axis=0)
        height = float(np.nanmedian(hips @ up))
        reach = float(np.nanmax((hips - mean_hip) @ forward))
    ahead = reach + distance_m if not follow else distance_m
    centre = _horizontal(mean_hip, up) + ahead * forward + height * up
    camera = look_at_camera(
        centre=centre, forward=forward, up=up, focal_px=1.0, image_size=image_size
    )
    if focal_px is None:
        focal_px = _fitting_focal(pts, camera, image_size=image_size)
    camera = look_at_camera(
        centre=centre, forward=forward, up=up, focal_px=focal_px, image_size=image_size
    )
    view = FrontalView(camera, up, forward, speed, follow, float(distance_m))
    return pts, view


def _fitting_focal(points: np.ndarray, camera: Camera, *, image_size: tuple[int, int]) -> float:
    cam = camera_coordinates(points.reshape(-1, 3), camera)
    cam = cam[np.all(np.isfinite(cam), axis=1) & (cam[:, 2] > 0)]
    if cam.size == 0:
        raise InputError("no marker in front of the virtual camera")
    half_w, half_h = image_size[0] / 2.0, image_size[1] / 2.0
    ratio_x = float(np.max(np.abs(cam[:, 0] / cam[:, 2])))
    ratio_y = float(np.max(np.abs(cam[:, 1] / cam[:, 2])))
    limits = [half / ratio for half, ratio in ((half_w, ratio_x), (half_h, ratio_y)) if ratio > 0]
    return FILL_FRACTION * min(limits) if limits else 1000.0


# ------------------------------------------------------------------ pose dataset


def frontal_pose_dataset(
    trial: C3DTrial,
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
    follow: bool = False,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
    focal_px: float | None = None,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> tuple[xr.Dataset, FrontalView]:
    """A pose dataset of a C3D trial seen by a virtual frontal camera.

    Parameters
    ----------
    trial
        From :func:`read_c3d`.
    distance_m, follow, image_size, focal_px
        Camera placement, see :func:`frontal_view`.
    sources
        Keypoint candidates, see :func:`pig_keypoints`.

    Returns
    -------
    tuple of (xarray.Dataset, FrontalView)
        The pose dataset (model ``"c3d-virtual-frontal"``, projected by
        :func:`pronate.validation.reference.reference_pose_dataset`; attribute ``keypoint_sources``
        is a JSON object of the candidate used per keypoint) and the camera placement.

    Raises
    ------
    InputError
        If no hips or feet can be built from the markers.
    """
    keypoints, used = pig_keypoints(marker_dict(trial.markers), sources=sources)
    points, view = frontal_view(
        keypoints,
        time_s=trial.time_s,
        distance_m=distance_m,
        follow=follow,
        image_size=image_size,
        focal_px=focal_px,
    )
    mapped = [KEYPOINT_INDEX[k] for k in KEYPOINTS if k in used]
    reference = xr.DataArray(
        points[:, mapped],
        dims=("time", "marker", "space"),
        coords={
            "time": ("time", trial.time_s),
            "frame": ("time", np.asarray(trial.markers["frame"].values)),
            "marker": [KEYPOINTS[i] for i in mapped],
            "space": list("xyz"),
        },
        attrs={"data_rate": trial.rate, "source": trial.source},
    )
    pose = reference_pose_dataset(reference, view.camera, axes="xyz", mapping={})
    pose.attrs.update(
        model="c3d-virtual-frontal",
        keypoint_sources=json.dumps(used),
        camera_distance_m=view.distance_m,
        camera_follow=int(view.follow),
        progression_axis=json.dumps([round(float(v), 6) for v in view.forward]),
        vertical_axis=json.dumps([round(float(v), 6) for v in view.up]),
    )
    return pose, view

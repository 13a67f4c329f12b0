"""Markers onto BlazePose keypoints, axes, and the reference pose dataset seen through a
camera (see :mod:`pronate.validation.reference`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS
from pronate.pose.schema import make_pose_dataset
from pronate.validation.reference.calibration import Camera, camera_coordinates, project

DEFAULT_AXES: Final[str] = "zxy"

MARKER_TO_KEYPOINT: Final[dict[str, str]] = {
    "Nose": "nose",
    "REye": "right_eye",
    "LEye": "left_eye",
    "REar": "right_ear",
    "LEar": "left_ear",
    "RShoulder": "right_shoulder",
    "LShoulder": "left_shoulder",
    "RElbow": "right_elbow",
    "LElbow": "left_elbow",
    "RWrist": "right_wrist",
    "LWrist": "left_wrist",
    "RHip": "right_hip",
    "LHip": "left_hip",
    "RKnee": "right_knee",
    "LKnee": "left_knee",
    "RAnkle": "right_ankle",
    "LAnkle": "left_ankle",
    "RHeel": "right_heel",
    "LHeel": "left_heel",
    "RBigToe": "right_foot_index",
    "LBigToe": "left_foot_index",
}
"""Pose2Sim marker names and their BlazePose twins. ``RSmallToe``, ``Neck``, ``Head``
(and ``Hip``) have none. A marker already named like a BlazePose keypoint maps to itself."""

_AXIS_TOKEN: Final[re.Pattern[str]] = re.compile(r"([+-]?)([xyz])")


def parse_axes(axes: str) -> tuple[tuple[int, int, int], tuple[float, float, float]]:
    """Parse an axis specification such as ``"zxy"`` or ``"x-zy"``.

    Parameters
    ----------
    axes
        For each world axis in turn (x, y, z), the TRC axis it comes from, optionally
        preceded by ``-`` (flip) or ``+``.

    Returns
    -------
    tuple
        (indices of the TRC axes, signs) for world x, y, z.

    Raises
    ------
    InputError
        If ``axes`` does not name each of x, y, z exactly once.
    """
    spec = axes.strip().lower()
    tokens = _AXIS_TOKEN.findall(spec)
    letters = [letter for _, letter in tokens]
    if "".join(sign + letter for sign, letter in tokens) != spec or sorted(letters) != list("xyz"):
        raise InputError(f"bad axes {axes!r}: name each of x, y, z once, e.g. 'zxy' or 'x-zy'")
    index = tuple("xyz".index(letter) for letter in letters)
    signs = tuple(-1.0 if sign == "-" else 1.0 for sign, _ in tokens)
    return (index[0], index[1], index[2]), (signs[0], signs[1], signs[2])


def convert_axes(points: np.ndarray, *, axes: str = DEFAULT_AXES) -> np.ndarray:
    """Re-express TRC points in the calibration's world axes.

    Parameters
    ----------
    points
        Array (..., 3) in the TRC's axes.
    axes
        Axis specification, see :func:`parse_axes`; ``"zxy"``: world = (Z, X, Y).

    Returns
    -------
    numpy.ndarray
        Array (..., 3) in world axes.
    """
    index, signs = parse_axes(axes)
    pts = np.asarray(points, dtype=np.float64)
    return pts[..., list(index)] * np.asarray(signs)


def keypoint_for_marker(marker: str, *, mapping: Mapping[str, str] | None = None) -> str | None:
    """The BlazePose keypoint of a reference marker, or ``None`` if it has no twin."""
    table = MARKER_TO_KEYPOINT if mapping is None else mapping
    if marker in table:
        return table[marker]
    return marker if marker in KEYPOINT_INDEX else None


def marker_keypoint_pairs(
    markers: list[str], *, mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map each BlazePose keypoint to the reference marker that stands for it.

    Raises
    ------
    InputError
        If two markers map to the same keypoint or a mapping names an unknown keypoint.
    """
    pairs: dict[str, str] = {}
    for marker in markers:
        keypoint = keypoint_for_marker(marker, mapping=mapping)
        if keypoint is None:
            continue
        if keypoint not in KEYPOINT_INDEX:
            raise InputError(f"marker {marker!r} is mapped to unknown keypoint {keypoint!r}")
        if keypoint in pairs:
            raise InputError(f"markers {pairs[keypoint]!r} and {marker!r} both map to {keypoint}")
        pairs[keypoint] = marker
    return pairs


def reference_pose_dataset(
    trc: xr.DataArray,
    camera: Camera,
    *,
    axes: str = DEFAULT_AXES,
    mapping: Mapping[str, str] | None = None,
    image_size: tuple[int, int] | None = None,
    source: str = "",
) -> xr.Dataset:
    """Project a 3-D reference into a camera as a pose dataset (:mod:`pronate.pose.schema`).

    Parameters
    ----------
    trc
        Reference trajectories from :func:`read_trc` (time, marker, space), metres.
    camera
        The camera to project into.
    axes
        How TRC axes become world axes, see :func:`convert_axes`.
    mapping
        Marker name to BlazePose keypoint; default :data:`MARKER_TO_KEYPOINT`.
    image_size
        (width, height) recorded in the dataset; default the calibration's size.
    source
        Recorded as ``source_video``; default the TRC's source path.

    Returns
    -------
    xarray.Dataset
        At the reference's timestamps (``frame`` = the TRC's frame numbers). ``position``
        holds the projected pixels, its ``z`` the depth relative to the mid-hip in the
        same scale as x (as BlazePose); ``world`` the camera-frame coordinates (x right,
        y down, z away from the camera) centred between the hips, metres;
        ``confidence`` 1 where the keypoint is present, 0 where not. Keypoints without a
        marker are NaN.

    Raises
    ------
    InputError
        If no marker maps to a BlazePose keypoint.
    """
    pairs = marker_keypoint_pairs(list(map(str, trc["marker"].values)), mapping=mapping)
    if not pairs:
        raise InputError("no reference marker maps to a BlazePose keypoint")
    world_pts = _keypoint_array(trc, pairs, axes=axes)
    cam_pts = camera_coordinates(world_pts, camera)
    pixels = project(world_pts, camera)
    mid_hip = _mid_hip(cam_pts)
    depth_px = _relative_depth_px(cam_pts, mid_hip=mid_hip, focal_px=float(camera.matrix[0, 0]))
    position = np.concatenate([pixels, depth_px[..., None]], axis=-1)
    present = np.all(np.isfinite(pixels), axis=-1)
    width, height = camera.image_size if image_size is None else image_size
    time = np.asarray(trc["time"].values, dtype=np.float64)
    return make_pose_dataset(
        position=position,
        confidence=present.astype(np.float64),
        world=cam_pts - mid_hip[:, None, :],
        time_s=time,
        fps=_rate(trc, time),
        source_video=source or str(trc.attrs.get("source", "")),
        model="reference",
        image_width=int(width),
        image_height=int(height),
        frame=np.asarray(trc["frame"].values) if "frame" in trc.coords else None,
        extra_attrs={"reference_camera": camera.name, "reference_axes": axes},
    )


def _keypoint_array(trc: xr.DataArray, pairs: Mapping[str, str], *, axes: str) -> np.ndarray:
    """World points (time, 33, 3) of the mapped keypoints, NaN elsewhere."""
    data = np.asarray(trc.transpose("time", "marker", "space").values, dtype=np.float64)
    markers = [str(m) for m in trc["marker"].values]
    out = np.full((data.shape[0], len(KEYPOINTS), 3), np.nan)
    for keypoint, marker in pairs.items():
        out[:, KEYPOINT_INDEX[keypoint]] = data[:, markers.index(marker)]
    return convert_axes(out, axes=axes)


def _mid_hip(cam_pts: np.ndarray) -> np.ndarray:
    """Mid-point of the hips per frame, (time, 3); NaN when a hip is missing."""
    left = cam_pts[:, KEYPOINT_INDEX["left_hip"]]
    right = cam_pts[:, KEYPOINT_INDEX["right_hip"]]
    return np.asarray((left + right) / 2.0)


def _relative_depth_px(cam_pts: np.ndarray, *, mid_hip: np.ndarray, focal_px: float) -> np.ndarray:
    """Depth relative to the mid-hip, in pixels at the mid-hip's distance."""
    hip_depth = mid_hip[:, 2:3]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((cam_pts[..., 2] - hip_depth) * focal_px / hip_depth)


def _rate(trc: xr.DataArray, time: np.ndarray) -> float:
    rate = trc.attrs.get("data_rate")
    if rate is not None and float(rate) > 0:
        return float(rate)
    if time.size > 1:
        return float(1.0 / np.median(np.diff(time)))
    return 1.0

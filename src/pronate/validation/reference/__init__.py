"""Motion-capture reference: read a TRC and a camera calibration, project into a camera.

A lab that has 3-D keypoints of the same trial (e.g. triangulated by Pose2Sim, or a
marker-based system) can turn them into a *pose dataset* of the same schema as pronate's
tracking (:mod:`pronate.pose.schema`), seen through one calibrated camera. The same downstream
code (metrics, validation) then runs on the reference and on the tracked data.

Conventions
-----------
TRC
    Tab-separated text (OpenSim / Pose2Sim layout): a ``PathFileType`` line, a line of
    header keys (``DataRate``, ..., ``Units``, ...) and one of their values, a line
    ``Frame#  Time  Marker1    Marker2 ...`` and a line ``X1 Y1 Z1 X2 ...``, then one
    row per frame. Lengths are converted to metres.
Axes
    TRC files are usually Y-up; calibrations (Pose2Sim, Qualisys) usually Z-up. The
    ``axes`` option says which TRC axis becomes each world axis: ``"zxy"`` (the default)
    means world = (Z, X, Y) of the TRC; ``"xyz"`` is the identity; a ``-`` before a
    letter flips that axis, e.g. ``"x-zy"`` means world = (X, -Z, Y).
Calibration
    Pose2Sim / OpenCap-style TOML: one table per camera with ``name``, ``size``
    (width, height in px), ``matrix`` (3x3 intrinsics), ``distortions`` (OpenCV order),
    ``rotation`` (Rodrigues vector, world to camera), ``translation`` (metres, world to
    camera) and ``fisheye``. Tables without ``matrix`` (e.g. ``[metadata]``) are skipped.
"""

from __future__ import annotations

from pronate.validation.reference.calibration import (
    Camera,
    camera_coordinates,
    project,
    read_calibration,
    select_camera,
)
from pronate.validation.reference.dataset import (
    DEFAULT_AXES,
    MARKER_TO_KEYPOINT,
    convert_axes,
    keypoint_for_marker,
    marker_keypoint_pairs,
    parse_axes,
    reference_pose_dataset,
)
from pronate.validation.reference.trc import UNIT_TO_METRES, read_trc

__all__ = [
    "DEFAULT_AXES",
    "MARKER_TO_KEYPOINT",
    "UNIT_TO_METRES",
    "Camera",
    "camera_coordinates",
    "convert_axes",
    "keypoint_for_marker",
    "marker_keypoint_pairs",
    "parse_axes",
    "project",
    "read_calibration",
    "read_trc",
    "reference_pose_dataset",
    "select_camera",
]

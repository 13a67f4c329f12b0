"""The chain's angles as plain array maths: one implementation for the offline series
(:mod:`pronate.metrics.kinematics` applies these along ``time``) and the live frame
(:mod:`pronate.app.live.reading` applies them to one frame's points, without xarray's cost of
about 25 ms a frame).

Points are NumPy arrays whose last axis is (lateral, vertical) of the frontal plane, in
any length unit, with any leading axes (e.g. time). The sign conventions are those of
:mod:`pronate.metrics.kinematics` (``lateral`` toward the subject's left, ``vertical`` up; medial
is toward the other leg's hip):

- knee FPPA = 180 - angle(hip, knee, ankle), positive when the knee is medial of the
  hip-ankle line (valgus);
- femur (hip -> knee) and tibia (knee -> ankle) against the downward vertical, positive
  when the distal point is medial; FPPA = femur - tibia;
- pelvic obliquity: right -> left hip against horizontal, positive when the left hip is
  higher;
- trunk lean: mid-hip -> mid-shoulder against vertical, positive toward the left.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from pronate.pose.keypoints import KEYPOINT_INDEX

SIDES: Final[tuple[str, str]] = ("left", "right")
MEDIAL_SIGN: Final[dict[str, float]] = {"left": -1.0, "right": 1.0}
"""Sign of the medial direction along the lateral (toward the subject's left) axis."""
FRAME_ANGLES: Final[tuple[str, ...]] = (
    "knee_fppa_left_deg",
    "knee_fppa_right_deg",
    "femur_frontal_left_deg",
    "femur_frontal_right_deg",
    "tibia_frontal_left_deg",
    "tibia_frontal_right_deg",
    "pelvic_obliquity_deg",
    "trunk_lean_deg",
)
"""The angles of :func:`frame_angles` (``timeseries.csv`` names)."""


def _atan2_deg(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(y, x))


def segment_angle(proximal: np.ndarray, distal: np.ndarray, *, side: str) -> np.ndarray:
    """Angle of a leg segment against the downward vertical, degrees, positive when the
    ``distal`` point is medial of the ``proximal`` one."""
    d = distal - proximal
    return _atan2_deg(MEDIAL_SIGN[side] * d[..., 0], -d[..., 1])


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at ``b`` between ``b -> a`` and ``b -> c``, degrees in [0, 180] (2-D points,
    any order of the two axes)."""
    va, vc = a - b, c - b
    cross = va[..., 0] * vc[..., 1] - va[..., 1] * vc[..., 0]
    dot = va[..., 0] * vc[..., 0] + va[..., 1] * vc[..., 1]
    return _atan2_deg(np.abs(cross), dot)


def knee_fppa_of(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, *, side: str) -> np.ndarray:
    """Frontal plane projection angle, degrees: 180 - angle(hip, knee, ankle), positive
    when the knee is medial of the hip-ankle line (valgus), 0 when they are in line."""
    ha, hk = ankle - hip, knee - hip
    cross = ha[..., 0] * hk[..., 1] - ha[..., 1] * hk[..., 0]
    return np.sign(MEDIAL_SIGN[side] * cross) * (180.0 - joint_angle(hip, knee, ankle))


def obliquity_of(left_hip: np.ndarray, right_hip: np.ndarray) -> np.ndarray:
    """Right -> left hip line against horizontal, degrees, positive when the left hip is
    higher."""
    d = left_hip - right_hip
    return _atan2_deg(d[..., 1], d[..., 0])


def trunk_lean_of(
    left_shoulder: np.ndarray,
    right_shoulder: np.ndarray,
    left_hip: np.ndarray,
    right_hip: np.ndarray,
) -> np.ndarray:
    """Mid-hip -> mid-shoulder against vertical, degrees, positive toward the left."""
    d = 0.5 * (left_shoulder + right_shoulder) - 0.5 * (left_hip + right_hip)
    return _atan2_deg(d[..., 0], d[..., 1])


def frame_angles(frontal: np.ndarray) -> dict[str, np.ndarray]:
    """All angles of :data:`FRAME_ANGLES` from frontal-plane points.

    Parameters
    ----------
    frontal
        Points (..., 33, 2): the BlazePose keypoints in :data:`pronate.pose.keypoints.KEYPOINTS`
        order, last axis (lateral, vertical).

    Returns
    -------
    dict
        Name -> array of the leading shape (a 0-d array for one frame).
    """

    def p(name: str) -> np.ndarray:
        return frontal[..., KEYPOINT_INDEX[name], :]

    out: dict[str, np.ndarray] = {}
    for side in SIDES:
        hip, knee, ankle = (p(f"{side}_{part}") for part in ("hip", "knee", "ankle"))
        out[f"knee_fppa_{side}_deg"] = knee_fppa_of(hip, knee, ankle, side=side)
        out[f"femur_frontal_{side}_deg"] = segment_angle(hip, knee, side=side)
        out[f"tibia_frontal_{side}_deg"] = segment_angle(knee, ankle, side=side)
    out["pelvic_obliquity_deg"] = obliquity_of(p("left_hip"), p("right_hip"))
    out["trunk_lean_deg"] = trunk_lean_of(
        p("left_shoulder"), p("right_shoulder"), p("left_hip"), p("right_hip")
    )
    return {name: out[name] for name in FRAME_ANGLES}

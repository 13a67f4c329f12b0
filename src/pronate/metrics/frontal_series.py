"""Frontal-plane series of the pronation chain: the angles of :mod:`pronate.metrics.angles` along
``time`` (thin xarray wrappers, so the offline series and a live frame share one
implementation), pelvis shift, centre-of-mass margins and the ankle's medial shift, from
frontal-plane points. :func:`pronate.metrics.kinematics.compute_metrics` calls
:func:`frontal_metrics`; the sign conventions are written in :mod:`pronate.metrics.kinematics`
and :mod:`pronate.metrics.angles`.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.camera import frames
from pronate.metrics import angles
from pronate.metrics.angles import MEDIAL_SIGN, SIDES
from pronate.metrics.com import segmental_com
from pronate.metrics.support import bos_margin

FRONTAL_VARIABLES: Final[tuple[str, ...]] = (
    "knee_fppa_left_deg",
    "knee_fppa_right_deg",
    "femur_frontal_left_deg",
    "femur_frontal_right_deg",
    "tibia_frontal_left_deg",
    "tibia_frontal_right_deg",
    "pelvic_obliquity_deg",
    "pelvis_shift_norm",
    "trunk_lean_deg",
    "com_margin_norm",
    "xcom_margin_norm",
    "ankle_medial_shift_left_norm",
    "ankle_medial_shift_right_norm",
)


def _point(points: xr.DataArray, name: str) -> xr.DataArray:
    return points.sel(keypoint=name, drop=True)


def _midpoint(points: xr.DataArray, a: str, b: str) -> xr.DataArray:
    return 0.5 * (_point(points, a) + _point(points, b))


def _lat(p: xr.DataArray) -> xr.DataArray:
    return p.sel(plane="lateral", drop=True)


def _apply(
    kernel: Any, points: xr.DataArray, names: tuple[str, ...], **kwargs: Any
) -> xr.DataArray:
    """``kernel`` of :mod:`pronate.metrics.angles` on the named points, along every other dim."""
    args = [_point(points, n).transpose(..., "plane") for n in names]
    out: xr.DataArray = xr.apply_ufunc(
        kernel, *args, input_core_dims=[["plane"]] * len(args), kwargs=kwargs
    )
    return out


def _frontal(frontal: xr.DataArray) -> xr.DataArray:
    return frontal.sel(plane=list(frames.PLANE))


def segment_frontal_angle(
    frontal: xr.DataArray, *, side: str, proximal: str, distal: str
) -> xr.DataArray:
    """Frontal angle of a leg segment against the downward vertical, positive medial
    (:func:`pronate.metrics.angles.segment_angle`).

    Parameters
    ----------
    frontal
        Frontal-plane points (time, keypoint, plane=(lateral, vertical)).
    side
        ``left`` or ``right``.
    proximal, distal
        Part names, e.g. ``hip`` and ``knee``.

    Returns
    -------
    xarray.DataArray
        Degrees (time); positive when the distal point is medial of the proximal one.
    """
    names = (f"{side}_{proximal}", f"{side}_{distal}")
    return _apply(angles.segment_angle, _frontal(frontal), names, side=side)


def femur_frontal(frontal: xr.DataArray, *, side: str) -> xr.DataArray:
    """Hip -> knee against vertical, degrees, positive when the knee is medial of the hip."""
    return segment_frontal_angle(frontal, side=side, proximal="hip", distal="knee")


def tibia_frontal(frontal: xr.DataArray, *, side: str) -> xr.DataArray:
    """Knee -> ankle against vertical, degrees, positive when the ankle is medial of the knee."""
    return segment_frontal_angle(frontal, side=side, proximal="knee", distal="ankle")


def _leg(side: str) -> tuple[str, str, str]:
    return (f"{side}_hip", f"{side}_knee", f"{side}_ankle")


def knee_fppa(frontal: xr.DataArray, *, side: str) -> xr.DataArray:
    """Frontal plane projection angle: 180 - angle(hip, knee, ankle), positive valgus
    (:func:`pronate.metrics.angles.knee_fppa_of`)."""
    return _apply(angles.knee_fppa_of, _frontal(frontal), _leg(side), side=side)


def knee_flexion(sagittal: xr.DataArray, *, side: str) -> xr.DataArray:
    """Knee flexion: 180 - angle(hip, knee, ankle) of 2-D points (any ``plane`` axes), deg."""
    return 180.0 - _apply(angles.joint_angle, sagittal, _leg(side))


def pelvic_obliquity(frontal: xr.DataArray) -> xr.DataArray:
    """Right -> left hip line against horizontal, degrees, positive when the left hip is higher."""
    return _apply(angles.obliquity_of, _frontal(frontal), ("left_hip", "right_hip"))


def trunk_lean(frontal: xr.DataArray) -> xr.DataArray:
    """Mid-hip -> mid-shoulder against vertical, degrees, positive toward the left."""
    names = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    return _apply(angles.trunk_lean_of, _frontal(frontal), names)


def _median_where(x: xr.DataArray, mask: xr.DataArray) -> float:
    """Median of ``x`` over the frames of ``mask`` (NaN, quietly, when none is finite)."""
    values = x.where(mask).values
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def hip_width(frontal: xr.DataArray, *, neutral: xr.DataArray) -> float:
    """Lateral distance between the hips, median over the neutral frames."""
    d = abs(_lat(_point(frontal, "left_hip") - _point(frontal, "right_hip")))
    return _median_where(d, neutral)


def pelvis_shift(frontal: xr.DataArray, *, neutral: xr.DataArray, width: float) -> xr.DataArray:
    """Hip-midpoint lateral displacement from the neutral frames, in hip widths, positive
    left."""
    x = _lat(_midpoint(frontal, "left_hip", "right_hip"))
    return (x - _median_where(x, neutral)) / width


def ankle_medial_shift(
    frontal: xr.DataArray, *, side: str, neutral: xr.DataArray, foot_length: float
) -> xr.DataArray:
    """Experimental: ankle medial of the heel-toe midpoint, from the neutral frames, in
    foot lengths."""
    foot = _lat(_midpoint(frontal, f"{side}_heel", f"{side}_foot_index"))
    offset = MEDIAL_SIGN[side] * (_lat(_point(frontal, f"{side}_ankle")) - foot)
    return (offset - _median_where(offset, neutral)) / foot_length


def extrapolated(x: xr.DataArray, *, omega0: float) -> xr.DataArray:
    """Extrapolated position x + v / omega0 (Hof 2005); v by central differences in time."""
    if x.sizes["time"] < 2:
        return x * np.nan
    v = x.differentiate("time")
    return x + v / omega0


def frontal_metrics(
    frontal: xr.DataArray,
    *,
    neutral: xr.DataArray,
    contact_left: xr.DataArray,
    contact_right: xr.DataArray,
    foot_length: float,
    omega0: float,
    sex: str = "mean",
) -> xr.Dataset:
    """All frontal-plane metrics of :data:`FRONTAL_VARIABLES` from frontal-plane points.

    Parameters
    ----------
    frontal
        Points (time, keypoint, plane=(lateral, vertical)) in any length unit.
    neutral
        Boolean mask of the neutral frames (time): the quiet stance, else double support
        (:func:`pronate.camera.body.neutral_frames`).
    contact_left, contact_right
        Boolean ground contact of each foot (time).
    foot_length
        Foot length for normalising, in the units of ``frontal``.
    omega0
        Eigenfrequency sqrt(g / l) of the inverted pendulum, 1/s.
    sex
        Table of the centre of mass.

    Returns
    -------
    xarray.Dataset
        One variable per name of :data:`FRONTAL_VARIABLES`, dim ``time``.
    """
    out: dict[str, xr.DataArray] = {}
    for side in SIDES:
        out[f"knee_fppa_{side}_deg"] = knee_fppa(frontal, side=side)
        out[f"femur_frontal_{side}_deg"] = femur_frontal(frontal, side=side)
        out[f"tibia_frontal_{side}_deg"] = tibia_frontal(frontal, side=side)
    out["pelvic_obliquity_deg"] = pelvic_obliquity(frontal)
    out["pelvis_shift_norm"] = pelvis_shift(
        frontal, neutral=neutral, width=hip_width(frontal, neutral=neutral)
    )
    out["trunk_lean_deg"] = trunk_lean(frontal)
    lateral = _lat(frontal)
    com = _lat(segmental_com(frontal, sex=sex))
    contacts = {"contact_left": contact_left, "contact_right": contact_right}
    out["com_margin_norm"] = bos_margin(com, lateral, foot_length=foot_length, **contacts)
    out["xcom_margin_norm"] = bos_margin(
        extrapolated(com, omega0=omega0), lateral, foot_length=foot_length, **contacts
    )
    for side in SIDES:
        out[f"ankle_medial_shift_{side}_norm"] = ankle_medial_shift(
            frontal, side=side, neutral=neutral, foot_length=foot_length
        )
    return xr.Dataset(
        {name: out[name].drop_vars("plane", errors="ignore") for name in FRONTAL_VARIABLES}
    )

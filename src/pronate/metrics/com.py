"""Whole-body centre of mass by the segmental method (de Leva 1996).

Segment masses (fraction of body mass) and centre-of-mass positions (fraction of the
segment length from its proximal end point) are de Leva's adjusted Zatsiorsky-Seluyanov
parameters (de Leva P., J Biomech 29(9):1223-1230, 1996, table 4), for women and men;
``sex="mean"`` (the default) uses the mean of the two tables.

Mapping onto the BlazePose keypoints (BlazePose has no vertex, C7 or third metacarpal):

=========  ==============================  ================================  ==============
segment    de Leva end points              BlazePose end points              note
=========  ==============================  ================================  ==============
head+neck  vertex -> cervicale (C7)        --                                CoM = mid-ear
trunk      cervicale -> mid hip joints     mid-shoulder -> mid-hip
upper arm  shoulder -> elbow joint         shoulder -> elbow
forearm    elbow -> wrist joint            elbow -> wrist
hand       wrist -> 3rd metacarpale        wrist -> mid(index, pinky)
thigh      hip -> knee joint               hip -> knee
shank      knee joint -> lateral malleolus knee -> ankle
foot       heel -> toe tip                 heel -> foot_index
=========  ==============================  ================================  ==============

The head's centre of mass lies close to the ear canals, so it is placed at the mid-ear
point. The mid-shoulder point lies a few centimetres below C7, which moves the trunk
centre slightly down; the error this makes in the frontal plane is negligible.

The centre of mass is a fixed linear combination of keypoints (:func:`com_weights`), so
it can be computed from 2-D pixel positions, 3-D world positions or any affine transform
of them, and is unchanged by swapping left/right labels. Keypoints the model did not see
that only place light segments (an ear, a finger point, a toe) take a stand-in
(:data:`SUBSTITUTES`) instead of making the whole centre of mass undefined.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS

SEXES: Final[tuple[str, ...]] = ("female", "male", "mean")


@dataclass(frozen=True)
class Segment:
    """One body segment of the de Leva table mapped onto BlazePose keypoints.

    Attributes
    ----------
    name
        Segment name.
    proximal, distal
        Keypoints averaged to make the proximal / distal end point.
    mass_female, mass_male
        Segment mass as a fraction of body mass.
    com_female, com_male
        Centre of mass as a fraction of the segment length from the proximal end.
    """

    name: str
    proximal: tuple[str, ...]
    distal: tuple[str, ...]
    mass_female: float
    mass_male: float
    com_female: float
    com_male: float


def _limb(side: str) -> tuple[Segment, ...]:
    s = side
    return (
        Segment(
            f"{s}_upper_arm", (f"{s}_shoulder",), (f"{s}_elbow",), 0.0255, 0.0271, 0.5754, 0.5772
        ),
        Segment(f"{s}_forearm", (f"{s}_elbow",), (f"{s}_wrist",), 0.0138, 0.0162, 0.4559, 0.4574),
        Segment(
            f"{s}_hand",
            (f"{s}_wrist",),
            (f"{s}_index", f"{s}_pinky"),
            0.0056,
            0.0061,
            0.7474,
            0.7900,
        ),
        Segment(f"{s}_thigh", (f"{s}_hip",), (f"{s}_knee",), 0.1478, 0.1416, 0.3612, 0.4095),
        Segment(f"{s}_shank", (f"{s}_knee",), (f"{s}_ankle",), 0.0481, 0.0433, 0.4416, 0.4459),
        Segment(f"{s}_foot", (f"{s}_heel",), (f"{s}_foot_index",), 0.0129, 0.0137, 0.4014, 0.4415),
    )


DE_LEVA_1996: Final[tuple[Segment, ...]] = (
    Segment("head", ("left_ear", "right_ear"), ("left_ear", "right_ear"), 0.0668, 0.0694, 0.0, 0.0),
    Segment(
        "trunk",
        ("left_shoulder", "right_shoulder"),
        ("left_hip", "right_hip"),
        0.4257,
        0.4346,
        0.4151,
        0.4486,
    ),
    *_limb("left"),
    *_limb("right"),
)
"""The segment table, mapped onto BlazePose keypoints (see the module docstring)."""


def _mass_and_com(segment: Segment, sex: str) -> tuple[float, float]:
    if sex == "female":
        return segment.mass_female, segment.com_female
    if sex == "male":
        return segment.mass_male, segment.com_male
    return (
        (segment.mass_female + segment.mass_male) / 2,
        (segment.com_female + segment.com_male) / 2,
    )


def com_weights(*, sex: str = "mean") -> xr.DataArray:
    """Return the keypoint weights whose weighted sum is the whole-body centre of mass.

    Parameters
    ----------
    sex
        ``"female"``, ``"male"`` or ``"mean"`` (mean of the two de Leva tables).

    Returns
    -------
    xarray.DataArray
        Weights along dim ``keypoint`` (only keypoints with a non-zero weight), summing
        to 1.

    Raises
    ------
    InputError
        If ``sex`` is not one of :data:`SEXES`.
    """
    if sex not in SEXES:
        raise InputError(f"sex must be one of {SEXES}, got {sex!r}")
    weights: dict[str, float] = {}
    for seg in DE_LEVA_1996:
        mass, com = _mass_and_com(seg, sex)
        for name in seg.proximal:
            weights[name] = weights.get(name, 0.0) + mass * (1 - com) / len(seg.proximal)
        for name in seg.distal:
            weights[name] = weights.get(name, 0.0) + mass * com / len(seg.distal)
    names = [n for n, w in weights.items() if w > 0]
    values = np.array([weights[n] for n in names])
    return xr.DataArray(values / values.sum(), dims=("keypoint",), coords={"keypoint": names})


SUBSTITUTES: Final[dict[str, tuple[str, ...]]] = {
    "left_ear": ("right_ear", "nose"),
    "right_ear": ("left_ear", "nose"),
    "left_index": ("left_pinky", "left_thumb", "left_wrist"),
    "left_pinky": ("left_index", "left_thumb", "left_wrist"),
    "right_index": ("right_pinky", "right_thumb", "right_wrist"),
    "right_pinky": ("right_index", "right_thumb", "right_wrist"),
    "left_heel": ("left_ankle",),
    "left_foot_index": ("left_ankle",),
    "right_heel": ("right_ankle",),
    "right_foot_index": ("right_ankle",),
}
"""Stand-ins, in order of preference, for a keypoint the model did not see (low
confidence after clean-up): the other ear or the nose for the head, the other finger
points or the wrist for a hand, the ankle for a foot point. They move the whole-body
centre of mass by a few millimetres (a hand is 0.6 % of the body mass) where it would
otherwise be undefined; trunk and leg end points have no stand-in."""


def _fill(values: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """:data:`SUBSTITUTES` applied to ``values`` (keypoint axis first), in place."""
    original = values.copy()
    for name, stand_ins in SUBSTITUTES.items():
        if name not in names:
            continue
        target = values[names.index(name)]
        for other in stand_ins:
            if other not in names:
                continue
            missing = ~np.isfinite(target)
            if not missing.any():
                break
            target[missing] = original[names.index(other)][missing]
    return values


def fill_for_com(points: xr.DataArray) -> xr.DataArray:
    """Fill unseen keypoints that only locate light segments, see :data:`SUBSTITUTES`.

    Parameters
    ----------
    points
        Positions with a ``keypoint`` dimension (BlazePose names).

    Returns
    -------
    xarray.DataArray
        A copy in which each NaN keypoint of :data:`SUBSTITUTES` takes the first of its
        stand-ins that is known at that frame.
    """
    names = [str(k) for k in points["keypoint"].values]
    out = points.copy()
    axis = out.get_axis_num("keypoint")
    values = _fill(np.moveaxis(out.values, axis, 0).copy(), names)
    out.values = np.moveaxis(values, 0, axis)
    return out


def com_of(points: np.ndarray, *, sex: str = "mean", keypoint_axis: int = -2) -> np.ndarray:
    """Whole-body centre of mass of keypoint positions as a NumPy array.

    Parameters
    ----------
    points
        Positions with the 33 BlazePose keypoints (:data:`pronate.pose.keypoints.KEYPOINTS`
        order) along ``keypoint_axis``, e.g. (33, 2) for one frame in pixels.
    sex
        ``"female"``, ``"male"`` or ``"mean"``.
    keypoint_axis
        The keypoint axis of ``points``.

    Returns
    -------
    numpy.ndarray
        ``points`` reduced over the keypoint axis; stand-ins as in
        :func:`segmental_com`; NaN where a weighted keypoint is still NaN.
    """
    rows, weights = _weight_rows(sex)
    values = _fill(np.moveaxis(np.asarray(points, dtype=float), keypoint_axis, 0).copy(), KEYPOINTS)
    return np.tensordot(weights, values[list(rows)], axes=(0, 0))


@functools.lru_cache(maxsize=len(SEXES))
def _weight_rows(sex: str) -> tuple[tuple[int, ...], np.ndarray]:
    """Rows (:data:`~pronate.pose.keypoints.KEYPOINTS` indices) and weights of
    :func:`com_weights`, computed once per table (a live frame reads them)."""
    w = com_weights(sex=sex)
    weights = w.values.copy()
    weights.flags.writeable = False
    return tuple(KEYPOINT_INDEX[str(k)] for k in w["keypoint"].values), weights


def segmental_com(points: xr.DataArray, *, sex: str = "mean") -> xr.DataArray:
    """Whole-body centre of mass of keypoint positions (:func:`com_of` along the other
    dims).

    Parameters
    ----------
    points
        Positions with a ``keypoint`` dimension (BlazePose names; absent ones count as
        unseen) and any others, e.g. (time, keypoint, space) in pixels or metres.
    sex
        ``"female"``, ``"male"`` or ``"mean"``.

    Returns
    -------
    xarray.DataArray
        ``points`` reduced over ``keypoint``; unseen head, hand and foot points are
        replaced by their stand-ins (:func:`fill_for_com`), and the result is NaN where a
        weighted keypoint is still NaN.
    """
    full = points.reindex(keypoint=list(KEYPOINTS))
    out: xr.DataArray = xr.apply_ufunc(
        com_of, full, input_core_dims=[["keypoint"]], kwargs={"sex": sex, "keypoint_axis": -1}
    )
    return out


def world_com(pose: xr.Dataset, *, sex: str = "mean") -> xr.DataArray:
    """3-D centre of mass from the world landmarks of a pose dataset.

    Parameters
    ----------
    pose
        A pose dataset (:mod:`pronate.pose.schema`).
    sex
        ``"female"``, ``"male"`` or ``"mean"``.

    Returns
    -------
    xarray.DataArray
        ``com_world`` (time, space), metres, in the frame of ``pose["world"]``.
    """
    com = segmental_com(pose["world"], sex=sex).rename("com_world")
    com.attrs = {"units": "m", "method": f"segmental, de Leva (1996), sex={sex}"}
    return com

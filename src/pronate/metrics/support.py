"""The base of support and the margin of a point inside it, along the left-right axis.

Lengths are in the units of the points (pixels of the frontal plane), margins in foot
lengths.

foot length and width
    Estimated from the leg length with Drillis & Contini's proportions (foot length
    0.152 H, thigh + shank 0.491 H, foot breadth 0.055 H): foot length =
    :data:`FOOT_PER_LEG` x leg length, foot width = :data:`FOOT_WIDTH_PER_LENGTH` x foot
    length. The foot is foreshortened in front views, so the estimate is used in every
    view for normalising.
base of support (along the left-right axis)
    Each foot in contact spans the lateral positions of its heel and foot_index, widened
    by half a foot width on each side (BlazePose has no little-toe point); the base of
    support is the interval from the lowest to the highest edge of the feet in contact.
margin
    Signed distance from a point to the nearest edge of the base of support, positive
    inside, in foot lengths; NaN when no foot is on the ground.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import xarray as xr

FOOT_PER_LEG: Final[float] = 0.152 / 0.491
FOOT_WIDTH_PER_LENGTH: Final[float] = 0.055 / 0.152


def foot_interval(
    lateral: xr.DataArray, *, side: str, foot_length: float
) -> tuple[xr.DataArray, xr.DataArray]:
    """Lateral extent (low, high) of one foot, widened by half a foot width each side.

    Parameters
    ----------
    lateral
        Lateral coordinates with a ``keypoint`` dim (e.g. (time, keypoint)).
    side
        ``left`` or ``right``.
    foot_length
        Foot length in the units of ``lateral``.
    """
    heel = lateral.sel(keypoint=f"{side}_heel", drop=True)
    toe = lateral.sel(keypoint=f"{side}_foot_index", drop=True)
    half = 0.5 * FOOT_WIDTH_PER_LENGTH * foot_length
    low: xr.DataArray = xr.where(heel < toe, heel, toe) - half
    high: xr.DataArray = xr.where(heel > toe, heel, toe) + half
    return low, high


def bos_margin(
    x: xr.DataArray,
    lateral: xr.DataArray,
    *,
    contact_left: xr.DataArray,
    contact_right: xr.DataArray,
    foot_length: float,
) -> xr.DataArray:
    """Signed margin of ``x`` inside the base of support along the lateral axis, in foot lengths.

    Parameters
    ----------
    x
        Lateral position of the point (time).
    lateral
        Lateral coordinates of the keypoints (time, keypoint).
    contact_left, contact_right
        Boolean contact of each foot (time).
    foot_length
        Foot length in the units of ``x``.

    Returns
    -------
    xarray.DataArray
        Margin (time), positive inside, NaN with no foot on the ground.
    """
    lo_l, hi_l = foot_interval(lateral, side="left", foot_length=foot_length)
    lo_r, hi_r = foot_interval(lateral, side="right", foot_length=foot_length)
    lo = np.fmin(lo_l.where(contact_left), lo_r.where(contact_right))
    hi = np.fmax(hi_l.where(contact_left), hi_r.where(contact_right))
    return np.fmin(x - lo, hi - x) / foot_length

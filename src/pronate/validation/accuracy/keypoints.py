"""Keypoint accuracy: pairing the tracked frames with the reference's, pixel errors and
their statistics (see :mod:`pronate.validation.accuracy`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.errors import InputError

GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "hips": ("left_hip", "right_hip"),
    "knees": ("left_knee", "right_knee"),
    "ankles": ("left_ankle", "right_ankle"),
    "heels": ("left_heel", "right_heel"),
}
"""Keypoint groups summarised together (all frames of both sides pooled)."""

VARIANTS: Final[tuple[tuple[str, str], ...]] = (("raw", "position_raw"), ("filtered", "position"))
"""(label, variable) of the tracked positions compared; ``position`` is raw when a dataset
has no ``position_raw`` (no clean-up applied)."""

Stats = dict[str, float | int | None]


def align_frames(
    tracked_time: np.ndarray,
    reference_time: np.ndarray,
    *,
    fps: float,
    frame_offset: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Pair reference samples with the tracked frames nearest in time.

    Reference sample ``i`` is paired with the tracked frame whose time is nearest to
    ``reference_time[i] + frame_offset / fps``, if it is at most half a frame away.

    Parameters
    ----------
    tracked_time, reference_time
        Increasing timestamps, seconds.
    fps
        Frame rate of the tracked video (sets the offset step and the tolerance).
    frame_offset
        Tracked frames to shift by: ``+1`` pairs each reference sample with the
        tracked frame one frame later.

    Returns
    -------
    tuple of numpy.ndarray
        (tracked indices, reference indices) of the pairs, same length.
    """
    tracked = np.asarray(tracked_time, dtype=np.float64)
    target = np.asarray(reference_time, dtype=np.float64) + frame_offset / fps
    if tracked.size == 0 or target.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    after = np.searchsorted(tracked, target)
    left = np.clip(after - 1, 0, tracked.size - 1)
    right = np.clip(after, 0, tracked.size - 1)
    nearest = np.where(
        np.abs(tracked[right] - target) < np.abs(tracked[left] - target), right, left
    )
    ok = np.abs(tracked[nearest] - target) <= 0.5 / fps + 1e-9
    return nearest[ok].astype(np.int64), np.flatnonzero(ok).astype(np.int64)


def paired(
    tracked: xr.Dataset, reference: xr.Dataset, *, frame_offset: int = 0
) -> tuple[xr.Dataset, xr.Dataset]:
    """The two datasets restricted to their paired frames (see :func:`align_frames`).

    Raises
    ------
    InputError
        If no frame pairs up (e.g. the reference covers another time span).
    """
    ti, ri = align_frames(
        tracked["time"].values,
        reference["time"].values,
        fps=float(tracked.attrs["fps"]),
        frame_offset=frame_offset,
    )
    if ti.size == 0:
        raise InputError("no frame of the tracking pairs with the reference (check the times)")
    return tracked.isel(time=ti), reference.isel(time=ri)


# ----------------------------------------------------------------- pixel errors


def pixel_error(tracked_position: xr.DataArray, reference_position: xr.DataArray) -> xr.DataArray:
    """Image-plane distance per frame and keypoint of two already paired positions.

    Parameters
    ----------
    tracked_position, reference_position
        (time, keypoint, space) pixels, the same number of frames and keypoints.

    Returns
    -------
    xarray.DataArray
        (time, keypoint) pixels, on the reference's coordinates; NaN where either is NaN.
    """
    xy = ["x", "y"]
    a = tracked_position.sel(space=xy).transpose("time", "keypoint", "space").values
    b = reference_position.sel(space=xy).transpose("time", "keypoint", "space").values
    distance = np.sqrt(np.sum((a - b) ** 2, axis=-1))
    return xr.DataArray(
        distance,
        dims=("time", "keypoint"),
        coords={"time": reference_position["time"], "keypoint": reference_position["keypoint"]},
        attrs={"units": "px"},
    )


def thigh_length_px(position: xr.DataArray) -> xr.DataArray:
    """Hip-knee distance in the image per frame, mean of the sides that are present.

    Parameters
    ----------
    position
        (time, keypoint, space) pixels, normally the reference's.

    Returns
    -------
    xarray.DataArray
        (time,) pixels; NaN where neither side is present.
    """
    sides = [_distance_xy(position, f"{side}_hip", f"{side}_knee") for side in ("left", "right")]
    lengths = np.stack(sides, axis=-1)
    return xr.DataArray(
        _nanmean_last(lengths),
        dims=("time",),
        coords={"time": position["time"]},
        attrs={"units": "px"},
    )


def _distance_xy(position: xr.DataArray, a: str, b: str) -> np.ndarray:
    xy = ["x", "y"]
    pa = position.sel(keypoint=a, space=xy).transpose("time", "space").values
    pb = position.sel(keypoint=b, space=xy).transpose("time", "space").values
    return np.asarray(np.sqrt(np.sum((pa - pb) ** 2, axis=-1)))


def _nanmean_last(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    count = finite.sum(axis=-1)
    total = np.where(finite, values, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def error_stats(errors: np.ndarray, thigh: np.ndarray, *, n_reference: int) -> Stats:
    """Median and 90th percentile of errors, in pixels and in thigh lengths.

    Parameters
    ----------
    errors
        Pixel errors, any shape; NaN entries are left out.
    thigh
        Thigh length in pixels, broadcastable to ``errors``.
    n_reference
        How many reference samples (present, in paired frames) there were; reported
        for coverage.

    Returns
    -------
    dict
        ``n`` (samples with an error), ``n_reference``, ``median_px``, ``p90_px``,
        ``median_thigh``, ``p90_thigh`` (``None`` when there is no sample).
    """
    err = np.asarray(errors, dtype=np.float64)
    rel = err / np.broadcast_to(np.asarray(thigh, dtype=np.float64), err.shape)
    px, th = err[np.isfinite(err)], rel[np.isfinite(rel)]
    return {
        "n": int(px.size),
        "n_reference": int(n_reference),
        "median_px": quantile(px, q=50.0),
        "p90_px": quantile(px, q=90.0),
        "median_thigh": quantile(th, q=50.0),
        "p90_thigh": quantile(th, q=90.0),
    }


def quantile(values: np.ndarray, *, q: float) -> float | None:
    return float(np.percentile(values, q)) if values.size else None


def keypoint_accuracy(
    tracked: xr.Dataset,
    reference: xr.Dataset,
    *,
    variable: str = "position",
    frame_offset: int = 0,
) -> dict[str, Any]:
    """Pixel errors of one tracked variable, per keypoint and per group of :data:`GROUPS`.

    Parameters
    ----------
    tracked
        Tracked pose dataset.
    reference
        Reference pose dataset (its ``position``; keypoints it lacks are left out).
    variable
        The tracked variable to compare (``position`` or ``position_raw``).
    frame_offset
        See :func:`align_frames`.

    Returns
    -------
    dict
        ``{"variable", "keypoints": {name: stats}, "groups": {name: stats}}`` with the
        stats of :func:`error_stats`.
    """
    if variable not in tracked:
        raise InputError(f"the tracked dataset has no variable {variable!r}")
    trk, ref = paired(tracked, reference, frame_offset=frame_offset)
    errors = pixel_error(trk[variable], ref["position"])
    thigh = thigh_length_px(ref["position"]).values
    present = _reference_present(ref["position"])
    names = [str(k) for k in ref["keypoint"].values if present.sel(keypoint=k).any()]
    keypoints = {
        name: error_stats(
            errors.sel(keypoint=name).values,
            thigh,
            n_reference=int(present.sel(keypoint=name).sum()),
        )
        for name in names
    }
    groups = {
        group: error_stats(
            errors.sel(keypoint=list(members)).values,
            thigh[:, None],
            n_reference=int(present.sel(keypoint=list(members)).sum()),
        )
        for group, members in GROUPS.items()
        if all(m in names for m in members)
    }
    return {"variable": variable, "keypoints": keypoints, "groups": groups}


def _reference_present(position: xr.DataArray) -> xr.DataArray:
    finite = xr.apply_ufunc(np.isfinite, position.sel(space=["x", "y"]))
    return finite.all("space")


def position_accuracy(
    tracked: xr.Dataset, reference: xr.Dataset, *, frame_offset: int = 0
) -> dict[str, dict[str, Any]]:
    """:func:`keypoint_accuracy` of the raw and the filtered tracked positions.

    Returns
    -------
    dict
        ``{"raw": ..., "filtered": ...}``; only ``"raw"`` (from ``position``) when the
        tracked dataset has no ``position_raw``.
    """
    return {
        label: keypoint_accuracy(tracked, reference, variable=var, frame_offset=frame_offset)
        for label, var in variants(tracked)
    }


def variants(tracked: xr.Dataset) -> list[tuple[str, str]]:
    if "position_raw" in tracked:
        return list(VARIANTS)
    return [("raw", "position")]


def estimate_frame_offset(
    tracked: xr.Dataset,
    reference: xr.Dataset,
    *,
    max_offset: int = 5,
    keypoints: Sequence[str] | None = None,
) -> int:
    """The frame offset (see :func:`align_frames`) with the smallest median pixel error.

    Parameters
    ----------
    tracked, reference
        Pose datasets.
    max_offset
        Offsets from ``-max_offset`` to ``+max_offset`` are tried.
    keypoints
        Keypoints whose errors count; default those of :data:`GROUPS`.

    Returns
    -------
    int
        The best offset; ties go to the smallest magnitude.

    Raises
    ------
    InputError
        If no offset pairs any frame with an error.
    """
    names = list(keypoints or [k for group in GROUPS.values() for k in group])

    def median_error(offset: int) -> float:
        ti, ri = align_frames(
            tracked["time"].values,
            reference["time"].values,
            fps=float(tracked.attrs["fps"]),
            frame_offset=offset,
        )
        trk, ref = tracked.isel(time=ti), reference.isel(time=ri)
        err = pixel_error(trk["position"].sel(keypoint=names), ref["position"].sel(keypoint=names))
        finite = err.values[np.isfinite(err.values)]
        return float(np.median(finite)) if finite.size else math.inf

    offsets = sorted(range(-max_offset, max_offset + 1), key=abs)
    scores = [median_error(offset) for offset in offsets]
    if not np.isfinite(min(scores)):
        raise InputError("tracking and reference share no frame with a keypoint")
    return offsets[int(np.argmin(scores))]

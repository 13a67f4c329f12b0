"""Accuracy of tracking against a reference: pixel errors and metric agreement.

Both inputs are pose datasets (:mod:`pronate.schema`): the tracked one from a video and
a reference one, e.g. motion capture projected into the same camera by
:func:`pronate.reference.reference_pose_dataset`. They are paired frame by frame
(:func:`align_frames`), and every result is a plain JSON-serialisable ``dict`` (undefined
numbers are ``None``); :func:`pronate.validate_command.format_report` turns a report into
a text table.

Errors are Euclidean distances in the image plane (x, y), pixels; they are also given
as a fraction of the thigh length (the reference's hip-knee distance in pixels, per
frame, mean of both sides), which makes them comparable across cameras and distances.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
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


# ---------------------------------------------------------------------- pairing


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


# ---------------------------------------------------------------- metric series


def compare_series(a: np.ndarray | xr.DataArray, b: np.ndarray | xr.DataArray) -> Stats:
    """Agreement of two paired series: mean absolute difference and Pearson correlation.

    Parameters
    ----------
    a, b
        Same-length series (e.g. a metric from tracking and from the reference);
        pairs where either is NaN are left out.

    Returns
    -------
    dict
        ``mae`` (units of the series), ``r`` (Pearson), ``n`` (pairs used); ``None``
        where undefined (no pair; fewer than 2 pairs or a constant series for ``r``).
    """
    x = np.asarray(a, dtype=np.float64).ravel()
    y = np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"series have different lengths ({x.size} and {y.size})")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    return {
        "mae": float(np.mean(np.abs(x - y))) if x.size else None,
        "r": _pearson(x, y),
        "n": int(x.size),
    }


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 2:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(np.sum(dx * dx)) * float(np.sum(dy * dy)))
    if denominator == 0.0:
        return None
    return float(np.clip(np.sum(dx * dy) / denominator, -1.0, 1.0))


def series_agreement(
    tracked: Mapping[str, xr.DataArray],
    reference: Mapping[str, xr.DataArray],
    *,
    fps: float,
    frame_offset: int = 0,
) -> dict[str, Stats]:
    """:func:`compare_series` of each metric present in both, paired in time.

    Parameters
    ----------
    tracked, reference
        Metric name to a 1-D series along ``time`` (with a time coordinate, seconds),
        e.g. knee FPPA per side and pelvic obliquity.
    fps
        Frame rate of the tracked video.
    frame_offset
        See :func:`align_frames`.

    Returns
    -------
    dict
        Metric name to ``{"mae", "r", "n"}``.
    """
    out: dict[str, Stats] = {}
    for name in (n for n in tracked if n in reference):
        ti, ri = align_frames(
            tracked[name]["time"].values,
            reference[name]["time"].values,
            fps=fps,
            frame_offset=frame_offset,
        )
        out[name] = compare_series(tracked[name].values[ti], reference[name].values[ri])
    return out


MetricFunction = Callable[[xr.Dataset], Mapping[str, xr.DataArray] | xr.Dataset]


def metric_agreement_with(
    compute: MetricFunction,
    tracked: xr.Dataset,
    reference: xr.Dataset,
    *,
    frame_offset: int = 0,
) -> dict[str, dict[str, Stats]]:
    """Metric agreement, raw and filtered, for any function from a pose dataset to metrics.

    Parameters
    ----------
    compute
        Pose dataset -> mapping of metric name to a series along ``time`` (an
        :class:`xarray.Dataset` of such variables works too; a variable with one more
        dimension, e.g. (time, side), is split into ``{name}_{label}`` series); it reads
        ``position``.
    tracked, reference
        Pose datasets; for the raw variant ``position_raw`` stands in for ``position``.
    frame_offset
        See :func:`align_frames`.

    Returns
    -------
    dict
        ``{"raw": {metric: {"mae", "r", "n"}}, "filtered": ...}`` (only ``"raw"`` when
        the tracked dataset has no ``position_raw``).
    """
    reference_metrics = series_of(compute(reference))
    fps = float(tracked.attrs["fps"])
    return {
        label: series_agreement(
            series_of(compute(with_position(tracked, var))),
            reference_metrics,
            fps=fps,
            frame_offset=frame_offset,
        )
        for label, var in variants(tracked)
    }


def with_position(ds: xr.Dataset, variable: str) -> xr.Dataset:
    if variable == "position":
        return ds
    out = ds.copy()
    out["position"] = ds[variable]
    if "world_raw" in ds:
        out["world"] = ds["world_raw"]
    return out


def series_of(metrics: Mapping[str, xr.DataArray] | xr.Dataset) -> dict[str, xr.DataArray]:
    """Metric name to 1-D series along ``time``; a 2-D metric (time, side) is split per side."""
    items = (
        [(str(k), v) for k, v in metrics.data_vars.items()]
        if isinstance(metrics, xr.Dataset)
        else [(str(k), v) for k, v in metrics.items()]
    )
    out: dict[str, xr.DataArray] = {}
    for name, da in items:
        if da.dims == ("time",):
            out[name] = da
        elif "time" in da.dims and da.ndim == 2:
            (other,) = (d for d in da.dims if d != "time")
            for label in da[other].values:
                out[f"{name}_{label}"] = da.sel({other: label}).drop_vars([other], errors="ignore")
    return out


def metric_agreement(
    tracked: xr.Dataset, reference: xr.Dataset, *, frame_offset: int = 0
) -> dict[str, dict[str, Stats]]:
    """:func:`metric_agreement_with` :func:`pronate.kinematics.compute_metrics`.

    Raises
    ------
    InputError
        If :mod:`pronate.kinematics` is not available.
    """
    try:
        from pronate.kinematics import compute_metrics
    except ImportError as exc:
        raise InputError("metric agreement needs pronate.kinematics.compute_metrics") from exc
    return metric_agreement_with(compute_metrics, tracked, reference, frame_offset=frame_offset)

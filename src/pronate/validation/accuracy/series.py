"""Agreement of metric series (angles, margins) with the reference's (see
:mod:`pronate.validation.accuracy`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from pronate.camera.body import observe
from pronate.metrics.kinematics import compute_metrics
from pronate.metrics.uncertainty import ANGLE_METRICS
from pronate.validation.accuracy.keypoints import Stats, align_frames, variants


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


def metrics_of(
    pose: xr.Dataset, *, view: str | None = None, roll_deg: float | None = None
) -> xr.Dataset:
    """The metrics of a pose dataset (camera stage, then
    :func:`pronate.metrics.kinematics.compute_metrics`) without NumPy's all-NaN warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return compute_metrics(observe(pose, view=view, roll_deg=roll_deg))


def metric_agreement(
    tracked: xr.Dataset, reference: xr.Dataset, *, frame_offset: int = 0
) -> dict[str, dict[str, Stats]]:
    """:func:`metric_agreement_with` the metrics of :func:`metrics_of`."""
    return metric_agreement_with(metrics_of, tracked, reference, frame_offset=frame_offset)


def _rms(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return float("nan"), 0
    return float(np.sqrt(np.mean((a[ok] - b[ok]) ** 2))), int(ok.sum())


def image_plane_errors(
    tracked: xr.Dataset, reference: xr.Dataset, *, frame_offset: int = 0
) -> dict[str, dict[str, Any]]:
    """RMSE of image-plane angles: tracked keypoints against projected mocap keypoints
    (the source of :data:`pronate.metrics.uncertainty.TABLE`).

    Both datasets are measured as a front view with no roll correction (the angles are
    those of the picture itself), so only the keypoints' error enters.

    Returns
    -------
    dict
        Metric name to ``{"rmse", "n"}`` for :data:`pronate.metrics.uncertainty.ANGLE_METRICS`.
    """
    trk = metrics_of(tracked, view="front", roll_deg=0.0)
    ref = metrics_of(reference, view="front", roll_deg=0.0)
    ti, ri = align_frames(
        trk["time"].values,
        ref["time"].values,
        fps=float(tracked.attrs["fps"]),
        frame_offset=frame_offset,
    )
    out: dict[str, dict[str, Any]] = {}
    for name in ANGLE_METRICS:
        rmse, n = _rms(trk[name].values[ti], ref[name].values[ri])
        out[name] = {"rmse": rmse, "n": n}
    return out

"""Accuracy of tracking against a reference: pixel errors and metric agreement.

Both inputs are pose datasets (:mod:`pronate.schema`): the tracked one from a video and
a reference one, e.g. motion capture projected into the same camera by
:func:`pronate.reference.reference_pose_dataset`. They are paired frame by frame
(:func:`align_frames`), and every result is a plain JSON-serialisable ``dict`` (undefined
numbers are ``None``); :func:`format_report` turns a report into a text table.

Errors are Euclidean distances in the image plane (x, y), pixels; they are also given
as a fraction of the thigh length (the reference's hip-knee distance in pixels, per
frame, mean of both sides), which makes them comparable across cameras and distances.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.config import FilterConfig, TrackConfig
from pronate.errors import InputError
from pronate.io.jsonsafe import json_safe
from pronate.uncertainty import image_plane_errors

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
        "median_px": _quantile(px, q=50.0),
        "p90_px": _quantile(px, q=90.0),
        "median_thigh": _quantile(th, q=50.0),
        "p90_thigh": _quantile(th, q=90.0),
    }


def _quantile(values: np.ndarray, *, q: float) -> float | None:
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
        for label, var in _variants(tracked)
    }


def _variants(tracked: xr.Dataset) -> list[tuple[str, str]]:
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
    reference_metrics = _series_of(compute(reference))
    fps = float(tracked.attrs["fps"])
    return {
        label: series_agreement(
            _series_of(compute(_with_position(tracked, var))),
            reference_metrics,
            fps=fps,
            frame_offset=frame_offset,
        )
        for label, var in _variants(tracked)
    }


def _with_position(ds: xr.Dataset, variable: str) -> xr.Dataset:
    if variable == "position":
        return ds
    out = ds.copy()
    out["position"] = ds[variable]
    if "world_raw" in ds:
        out["world"] = ds["world_raw"]
    return out


def _series_of(metrics: Mapping[str, xr.DataArray] | xr.Dataset) -> dict[str, xr.DataArray]:
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


# ---------------------------------------------------------------------- report


def validation_report(
    tracked: xr.Dataset,
    reference: xr.Dataset,
    *,
    frame_offset: int = 0,
    metrics: Mapping[str, Mapping[str, Stats]] | None = None,
) -> dict[str, Any]:
    """Everything :func:`format_report` prints, as one JSON-serialisable dict.

    Parameters
    ----------
    tracked, reference
        Pose datasets.
    frame_offset
        See :func:`align_frames`.
    metrics
        A result of :func:`metric_agreement` (or :func:`metric_agreement_with`) to
        include.

    Returns
    -------
    dict
        ``frames`` (tracked, reference, paired, ``frame_offset``), ``thigh_length_px``
        (median), ``position`` (:func:`position_accuracy`) and ``metrics``.
    """
    trk, ref = paired(tracked, reference, frame_offset=frame_offset)
    thigh = thigh_length_px(ref["position"]).values
    finite_thigh = thigh[np.isfinite(thigh)]
    return {
        "frames": {
            "tracked": int(tracked.sizes["time"]),
            "reference": int(reference.sizes["time"]),
            "paired": int(trk.sizes["time"]),
            "frame_offset": int(frame_offset),
        },
        "thigh_length_px": _quantile(finite_thigh, q=50.0),
        "position": position_accuracy(tracked, reference, frame_offset=frame_offset),
        "metrics": {k: dict(v) for k, v in (metrics or {}).items()},
    }


def format_report(report: Mapping[str, Any]) -> str:
    """A plain-text table of a :func:`validation_report`."""
    frames = report["frames"]
    lines = [
        f"paired frames: {frames['paired']} of {frames['reference']} reference, "
        f"{frames['tracked']} tracked (frame offset {frames['frame_offset']:+d}); "
        f"median thigh length {_fmt(report.get('thigh_length_px'), digits=1)} px",
    ]
    for label, result in report["position"].items():
        lines += ["", f"pixel error, {label} ({result['variable']})", *_error_table(result)]
    for label, series in report.get("metrics", {}).items():
        lines += ["", f"metric agreement, {label}", *_metric_table(series)]
    return "\n".join(lines)


def _error_table(result: Mapping[str, Any]) -> list[str]:
    header = (
        f"{'keypoint':<18} {'n':>5} {'median px':>10} {'p90 px':>8} "
        f"{'median %thigh':>14} {'p90 %thigh':>11}"
    )
    rows = [*result["groups"].items(), *result["keypoints"].items()]
    body = [
        f"{name:<18} {s['n']:>5} {_fmt(s['median_px']):>10} {_fmt(s['p90_px']):>8} "
        f"{_fmt(_percent(s['median_thigh'])):>14} {_fmt(_percent(s['p90_thigh'])):>11}"
        for name, s in rows
    ]
    return [header, "-" * len(header), *body]


def _metric_table(series: Mapping[str, Stats]) -> list[str]:
    header = f"{'metric':<28} {'n':>5} {'MAE':>8} {'r':>6}"
    body = [
        f"{name:<28} {s['n']:>5} {_fmt(s['mae']):>8} {_fmt(s['r'], digits=2):>6}"
        for name, s in series.items()
    ]
    return [header, "-" * len(header), *body]


def _percent(value: float | int | None) -> float | None:
    return None if value is None else 100.0 * float(value)


def _fmt(value: float | int | None, *, digits: int = 1) -> str:
    return "-" if value is None else f"{float(value):.{digits}f}"


# --------------------------------------------------------------------- command

VALIDATED_METRICS: Final[tuple[str, ...]] = (
    "knee_fppa_left_deg",
    "knee_fppa_right_deg",
    "pelvic_obliquity_deg",
)
"""Metrics of :func:`pronate.kinematics.compute_metrics` compared by :func:`run_validate`."""

MAX_AUTO_OFFSET: Final[int] = 5
"""Frame offsets from ``-MAX_AUTO_OFFSET`` to ``+MAX_AUTO_OFFSET`` are tried when none is
given (see :func:`estimate_frame_offset`)."""

SIZE_TOLERANCE_PX: Final[int] = 16
"""A video whose frame size differs from the calibration's by more than this (either
side) gets a warning: calibrations are often made on frames padded to 16 pixels."""

_FRAME_ATTRS: Final[tuple[str, ...]] = ("view", "yaw_deg", "roll_deg", "roll_method")


@dataclass
class ValidateOutputs:
    """What ``pronate validate`` wrote, and what the user should hear about.

    Attributes
    ----------
    report
        The content of ``validation.json`` (see :func:`run_validate`).
    report_path
        ``validation.json``.
    pose_path, keypoints_path
        ``pose.nc`` and ``keypoints.csv`` when a video was tracked, else ``None``.
    warnings
        Decoding and calibration warnings.
    """

    report: dict[str, Any]
    report_path: Path
    pose_path: Path | None = None
    keypoints_path: Path | None = None
    warnings: list[str] = field(default_factory=list)


def run_validate(
    outdir: Path,
    *,
    reference: Path,
    calibration: Path,
    camera: str,
    video: Path | None = None,
    pose_path: Path | None = None,
    axes: str | None = None,
    frame_offset: int | None = None,
    track: TrackConfig | None = None,
    filters: FilterConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> ValidateOutputs:
    """Track ``video`` (or read ``pose_path``) and compare it with a 3-D reference.

    The reference (a TRC) is projected into the calibrated ``camera``
    (:func:`pronate.reference.reference_pose_dataset`); the tracking is compared with it
    keypoint by keypoint (:func:`position_accuracy`) and through the metrics
    :data:`VALIDATED_METRICS`, each computed by :func:`pronate.kinematics.compute_metrics`
    from the tracking (raw and filtered) and from the reference, each with its own
    estimated view and roll. Inputs are all read before tracking starts, so a bad file
    fails at once.

    Parameters
    ----------
    outdir
        Folder for ``validation.json`` (and ``pose.nc``, ``keypoints.csv`` when tracking).
    reference
        The ``.trc`` file.
    calibration
        The ``.toml`` calibration.
    camera
        Camera name in the calibration (``cam01`` matches ``cam_01``).
    video, pose_path
        Exactly one: the video to track, or a pose dataset tracked before.
    axes
        TRC axes to world axes (see :func:`pronate.reference.parse_axes`); default
        ``zxy`` (Y-up TRC, Z-up calibration).
    frame_offset
        See :func:`align_frames`; ``None`` estimates it within +-:data:`MAX_AUTO_OFFSET`
        frames.
    track, filters
        Tracking and clean-up settings when tracking ``video``.
    progress
        Called with the number of frames tracked, as tracking goes.

    Returns
    -------
    ValidateOutputs
        The report is :func:`validation_report` plus ``inputs`` (paths, camera, axes,
        model), ``frames.frame_offset_source`` (``given`` or ``estimated``),
        ``metric_frames`` (view, yaw, roll of each compared series) and ``warnings``.

    Raises
    ------
    InputError
        For a missing or malformed input, an unknown camera, bad ``axes``, a video
        calibrated in the other orientation, or no frame in common.
    """
    from pronate import __version__
    from pronate.io.atomic import ensure_output_dir, write_text_atomic
    from pronate.reference import (
        DEFAULT_AXES,
        parse_axes,
        read_calibration,
        read_trc,
        reference_pose_dataset,
        select_camera,
    )
    from pronate.schema import load_pose_dataset

    if (video is None) == (pose_path is None):
        raise InputError("give either a video or --from POSE.nc, not both or neither")
    axes = axes or DEFAULT_AXES
    parse_axes(axes)
    trc = read_trc(reference)
    cam = select_camera(read_calibration(calibration), camera)
    outdir = ensure_output_dir(Path(outdir))
    outputs = ValidateOutputs(report={}, report_path=outdir / "validation.json")
    if video is not None:
        from pronate.pipeline import run_track

        tracked_out = run_track(
            Path(video),
            outdir,
            track=track or TrackConfig(),
            filters=filters or FilterConfig(),
            progress=progress,
        )
        tracked = tracked_out.pose
        outputs.pose_path, outputs.keypoints_path = (
            tracked_out.pose_path,
            tracked_out.keypoints_path,
        )
        outputs.warnings.extend(tracked_out.warnings)
    else:
        assert pose_path is not None
        tracked = load_pose_dataset(Path(pose_path))
    size = (int(tracked.attrs["image_width"]), int(tracked.attrs["image_height"]))
    outputs.warnings.extend(check_image_size(size, cam.image_size, camera=cam.name))
    ref = reference_pose_dataset(trc, cam, axes=axes, image_size=size, source=str(reference))
    source = "given"
    if frame_offset is None:
        frame_offset = estimate_frame_offset(tracked, ref, max_offset=MAX_AUTO_OFFSET)
        source = "estimated"
    agreement, metric_frames = _validated_metric_agreement(tracked, ref, frame_offset=frame_offset)
    report = validation_report(tracked, ref, frame_offset=frame_offset, metrics=agreement)
    report["frames"]["frame_offset_source"] = source
    report["inputs"] = {
        "video": str(video) if video is not None else str(tracked.attrs.get("source_video", "")),
        "pose": str(pose_path) if pose_path is not None else str(outputs.pose_path),
        "reference": str(reference),
        "calibration": str(calibration),
        "camera": cam.name,
        "axes": axes,
        "model": str(tracked.attrs.get("model", "")),
        "image_size": list(size),
        "calibration_image_size": list(cam.image_size),
        "pronate_version": __version__,
    }
    report["metric_frames"] = metric_frames
    report["image_plane_error"] = image_plane_errors(tracked, ref, frame_offset=frame_offset)
    report["warnings"] = list(outputs.warnings)
    outputs.report = json_safe(report)
    text = json.dumps(outputs.report, indent=2, allow_nan=False)
    write_text_atomic(outputs.report_path, text + "\n")
    return outputs


def check_image_size(
    size: tuple[int, int], calibrated: tuple[int, int], *, camera: str
) -> list[str]:
    """Compare the video's frame size with the calibration's.

    Returns
    -------
    list of str
        A warning when a side differs by more than :data:`SIZE_TOLERANCE_PX`.

    Raises
    ------
    InputError
        When one is portrait and the other landscape (a rotated video or the wrong camera).
    """
    (w, h), (cw, ch) = size, calibrated
    if w != h and cw != ch and (w > h) != (cw > ch):
        raise InputError(
            f"the video is {w}x{h} but camera {camera} was calibrated on {cw}x{ch} images "
            "(rotated video, or the wrong camera?)"
        )
    if abs(w - cw) > SIZE_TOLERANCE_PX or abs(h - ch) > SIZE_TOLERANCE_PX:
        return [
            f"the video is {w}x{h} but camera {camera} was calibrated on {cw}x{ch} images; "
            "the projected reference may be off"
        ]
    return []


def _quiet_metrics(ds: xr.Dataset) -> xr.Dataset:
    """:func:`pronate.kinematics.compute_metrics` without NumPy's all-NaN warnings."""
    from pronate.kinematics import compute_metrics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return compute_metrics(ds)


def _validated_metric_agreement(
    tracked: xr.Dataset, reference: xr.Dataset, *, frame_offset: int
) -> tuple[dict[str, dict[str, Stats]], dict[str, dict[str, Any]]]:
    """Agreement of :data:`VALIDATED_METRICS` (raw and filtered) and the frames used."""
    names = list(VALIDATED_METRICS)
    ref_metrics = _quiet_metrics(reference)
    frames_used = {"reference": _frame_attrs(ref_metrics)}
    fps = float(tracked.attrs["fps"])
    agreement: dict[str, dict[str, Stats]] = {}
    for label, variable in _variants(tracked):
        metrics = _quiet_metrics(_with_position(tracked, variable))
        frames_used[label] = _frame_attrs(metrics)
        agreement[label] = series_agreement(
            _series_of(metrics[names]),
            _series_of(ref_metrics[names]),
            fps=fps,
            frame_offset=frame_offset,
        )
    return agreement, frames_used


def _frame_attrs(metrics: xr.Dataset) -> dict[str, Any]:
    return {key: metrics.attrs.get(key) for key in _FRAME_ATTRS}


def format_validation(report: Mapping[str, Any]) -> str:
    """The table of :func:`format_report` under a line naming the inputs and settings."""
    inputs, frames = report.get("inputs", {}), report["frames"]
    head = (
        f"camera {inputs.get('camera', '?')}, axes {inputs.get('axes', '?')}, "
        f"model {inputs.get('model', '?')}, frame offset {frames['frame_offset']:+d} "
        f"({frames.get('frame_offset_source', 'given')})"
    )
    lines = [head, format_report(report)]
    views = report.get("metric_frames", {})
    if any(v.get("view") not in ("front", "back") for v in views.values()):
        lines += [
            "",
            "frontal metrics are not given in oblique and side views (pronate.camera): the "
            "agreement above is empty there; the image-plane error below still measures "
            "the keypoints",
        ]
    plane = report.get("image_plane_error", {})
    if plane:
        lines += ["", "image-plane angle error, RMSE deg (the +/- of pronate.uncertainty)"]
        lines += [
            f"  {name:<26} {_fmt(v.get('rmse'))}  (n {v.get('n')})" for name, v in plane.items()
        ]
    views = report.get("metric_frames", {})
    if views:
        lines += ["", "metric frames (estimated per series):"]
        lines += [
            f"  {label:<10} view {v.get('view')}, yaw {_fmt(v.get('yaw_deg'))} deg, "
            f"roll {_fmt(v.get('roll_deg'))} deg ({v.get('roll_method')})"
            for label, v in views.items()
        ]
    return "\n".join(lines)

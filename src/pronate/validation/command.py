"""The ``pronate validate`` command: track (or read) a clip, compare it with a motion-capture
reference (:mod:`pronate.validation.accuracy`), write ``validation.json`` and print the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.io.jsonsafe import json_safe
from pronate.pose.config import FilterConfig, TrackConfig
from pronate.validation.accuracy import (
    Stats,
    estimate_frame_offset,
    image_plane_errors,
    metrics_of,
    paired,
    position_accuracy,
    quantile,
    series_agreement,
    series_of,
    thigh_length_px,
    variants,
    with_position,
)

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
        "thigh_length_px": quantile(finite_thigh, q=50.0),
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
"""Metrics of :func:`pronate.metrics.kinematics.compute_metrics` compared by
:func:`run_validate`."""

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
    (:func:`pronate.validation.reference.reference_pose_dataset`); the tracking is compared with it
    keypoint by keypoint (:func:`position_accuracy`) and through the metrics
    :data:`VALIDATED_METRICS`, each computed by :func:`pronate.metrics.kinematics.compute_metrics`
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
        TRC axes to world axes (see :func:`pronate.validation.reference.parse_axes`); default
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
    from pronate.pose.schema import load_pose_dataset
    from pronate.validation.reference import (
        DEFAULT_AXES,
        parse_axes,
        read_calibration,
        read_trc,
        reference_pose_dataset,
        select_camera,
    )

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


def _validated_metric_agreement(
    tracked: xr.Dataset, reference: xr.Dataset, *, frame_offset: int
) -> tuple[dict[str, dict[str, Stats]], dict[str, dict[str, Any]]]:
    """Agreement of :data:`VALIDATED_METRICS` (raw and filtered) and the frames used."""
    names = list(VALIDATED_METRICS)
    ref_metrics = metrics_of(reference)
    frames_used = {"reference": _frame_attrs(ref_metrics)}
    fps = float(tracked.attrs["fps"])
    agreement: dict[str, dict[str, Stats]] = {}
    for label, variable in variants(tracked):
        metrics = metrics_of(with_position(tracked, variable))
        frames_used[label] = _frame_attrs(metrics)
        agreement[label] = series_agreement(
            series_of(metrics[names]),
            series_of(ref_metrics[names]),
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
            "frontal metrics are not given in oblique and side views (pronate.camera.body): "
            "the agreement above is empty there; the image-plane error below still measures "
            "the keypoints",
        ]
    plane = report.get("image_plane_error", {})
    if plane:
        lines += ["", "image-plane angle error, RMSE deg (the +/- of pronate.metrics.uncertainty)"]
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

"""The pose dataset: one labelled container, its schema written down once.

A pose dataset is an :class:`xarray.Dataset` with

dimensions
    ``time`` (one entry per video frame, coordinate = real frame timestamp in seconds),
    ``keypoint`` (the 33 BlazePose names of :data:`pronate.pose.keypoints.KEYPOINTS`),
    ``space`` (``x``, ``y``, ``z``).
coordinates
    ``time`` (float, s), ``frame`` (int, along ``time``: index of the frame in the video),
    ``keypoint`` (str), ``space`` (str).
data variables
    ``position`` (time, keypoint, space), float, pixels of the upright (rotation-corrected)
    frame; image axes: x to the right, y *down*. ``z`` is the model's relative depth
    (same scale as x, smaller = nearer the camera), less reliable than x and y.
    ``confidence`` (time, keypoint), float in [0, 1]: min(visibility, presence).
    ``world`` (time, keypoint, space), float, metres, the model's 3-D estimate centred
    between the hips (x right, y down, z away from the camera, as the model gives it).
    Optional ``position_raw`` / ``world_raw``: the same before clean-up, when filtering
    has been applied (then ``position`` / ``world`` hold the filtered values).
    NaN everywhere for a frame where the subject was not found.
attributes
    ``fps`` (float, nominal frame rate), ``source_video`` (str), ``model`` (str),
    ``image_width`` / ``image_height`` (int, upright frame), ``rotation_deg`` (int),
    ``processing_log`` (JSON list of ``{"step", "params", ...}``), ``pronate_version``.

Validation happens once, at the boundary: :func:`validate_pose_dataset` is called by the
functions that create a dataset and by :func:`load_pose_dataset`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate import __version__
from pronate.errors import InputError, SchemaError
from pronate.pose.keypoints import KEYPOINTS

SPACE: Final[tuple[str, str, str]] = ("x", "y", "z")
DIMS_POINTS: Final[tuple[str, str, str]] = ("time", "keypoint", "space")
DIMS_CONF: Final[tuple[str, str]] = ("time", "keypoint")
REQUIRED_VARS: Final[dict[str, tuple[str, ...]]] = {
    "position": DIMS_POINTS,
    "confidence": DIMS_CONF,
    "world": DIMS_POINTS,
}
OPTIONAL_VARS: Final[dict[str, tuple[str, ...]]] = {
    "position_raw": DIMS_POINTS,
    "world_raw": DIMS_POINTS,
}
REQUIRED_ATTRS: Final[dict[str, type | tuple[type, ...]]] = {
    "fps": (float, np.floating),
    "source_video": str,
    "model": str,
    "image_width": (int, np.integer),
    "image_height": (int, np.integer),
    "processing_log": str,
}


def make_pose_dataset(
    *,
    position: np.ndarray,
    confidence: np.ndarray,
    world: np.ndarray,
    time_s: np.ndarray,
    fps: float,
    source_video: str,
    model: str,
    image_width: int,
    image_height: int,
    rotation_deg: int = 0,
    frame: np.ndarray | None = None,
    extra_attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Build and validate a pose dataset from plain arrays.

    Parameters
    ----------
    position
        Pixel positions, shape (n_frames, 33, 3).
    confidence
        Confidences, shape (n_frames, 33).
    world
        World positions in metres, shape (n_frames, 33, 3).
    time_s
        Frame timestamps in seconds, shape (n_frames,), strictly increasing.
    fps
        Nominal frame rate of the video.
    source_video
        Path or name of the video the keypoints come from.
    model
        Name of the pose model (e.g. ``mediapipe-pose-heavy``).
    image_width, image_height
        Size of the upright frame in pixels.
    rotation_deg
        Rotation that was applied to the decoded frames to make them upright.
    frame
        Frame indices; defaults to ``0..n_frames-1``.
    extra_attrs
        More attributes to store.

    Returns
    -------
    xarray.Dataset
        A validated pose dataset.
    """
    n = len(time_s)
    frames = np.arange(n) if frame is None else np.asarray(frame, dtype=np.int64)
    ds = xr.Dataset(
        data_vars={
            "position": (DIMS_POINTS, np.asarray(position, dtype=np.float64)),
            "confidence": (DIMS_CONF, np.asarray(confidence, dtype=np.float64)),
            "world": (DIMS_POINTS, np.asarray(world, dtype=np.float64)),
        },
        coords={
            "time": ("time", np.asarray(time_s, dtype=np.float64)),
            "frame": ("time", frames),
            "keypoint": ("keypoint", list(KEYPOINTS)),
            "space": ("space", list(SPACE)),
        },
        attrs={
            "fps": float(fps),
            "source_video": str(source_video),
            "model": str(model),
            "image_width": int(image_width),
            "image_height": int(image_height),
            "rotation_deg": int(rotation_deg),
            "processing_log": "[]",
            "pronate_version": __version__,
            **dict(extra_attrs or {}),
        },
    )
    ds["position"].attrs["units"] = "px"
    ds["world"].attrs["units"] = "m"
    ds["time"].attrs["units"] = "s"
    return validate_pose_dataset(ds)


def validate_pose_dataset(ds: xr.Dataset) -> xr.Dataset:
    """Check that ``ds`` follows the pose-dataset schema; return it unchanged.

    Raises
    ------
    SchemaError
        With a message naming the first violation found.
    """
    for name, dims in {**REQUIRED_VARS, **OPTIONAL_VARS}.items():
        if name not in ds:
            if name in REQUIRED_VARS:
                raise SchemaError(f"pose dataset has no variable {name!r}")
            continue
        if tuple(ds[name].dims) != dims:
            raise SchemaError(f"variable {name!r} has dims {ds[name].dims}, expected {dims}")
        if not np.issubdtype(ds[name].dtype, np.floating):
            raise SchemaError(f"variable {name!r} must be floating point")
    if list(ds["keypoint"].values) != list(KEYPOINTS):
        raise SchemaError("keypoint coordinate must list the 33 BlazePose keypoints in order")
    if list(ds["space"].values) != list(SPACE):
        raise SchemaError(f"space coordinate must be {SPACE}")
    if "frame" not in ds.coords or ds["frame"].dims != ("time",):
        raise SchemaError("pose dataset needs a 'frame' coordinate along 'time'")
    t = ds["time"].values
    if t.size and not np.all(np.diff(t) > 0):
        raise SchemaError("time coordinate must be strictly increasing")
    for key, kind in REQUIRED_ATTRS.items():
        if key not in ds.attrs:
            raise SchemaError(f"pose dataset has no attribute {key!r}")
        if not isinstance(ds.attrs[key], kind):
            raise SchemaError(f"attribute {key!r} has type {type(ds.attrs[key]).__name__}")
    if not ds.attrs["fps"] > 0:
        raise SchemaError("attribute 'fps' must be positive")
    conf = ds["confidence"].values
    finite = conf[np.isfinite(conf)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise SchemaError("confidence must lie in [0, 1]")
    try:
        log = json.loads(ds.attrs["processing_log"])
    except json.JSONDecodeError as exc:
        raise SchemaError("attribute 'processing_log' is not valid JSON") from exc
    if not isinstance(log, list):
        raise SchemaError("attribute 'processing_log' must be a JSON list")
    return ds


def processing_log(ds: xr.Dataset) -> list[dict[str, Any]]:
    """Return the processing log of ``ds`` as a list of dicts."""
    log: list[dict[str, Any]] = json.loads(ds.attrs.get("processing_log", "[]"))
    return log


def with_log_entry(ds: xr.Dataset, step: str, **params: Any) -> xr.Dataset:
    """Return a shallow copy of ``ds`` with one more entry in its processing log."""
    out = ds.copy()
    out.attrs = dict(ds.attrs)
    log = processing_log(ds)
    log.append({"step": step, "params": params})
    out.attrs["processing_log"] = json.dumps(log, default=_json_default)
    return out


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def save_pose_dataset(ds: xr.Dataset, path: Path) -> Path:
    """Write ``ds`` to a netCDF file atomically (temp file, then rename)."""
    from pronate.io.atomic import atomic_path

    validate_pose_dataset(ds)
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
    return path


def load_pose_dataset(path: Path) -> xr.Dataset:
    """Read and validate a pose dataset written by :func:`save_pose_dataset`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as raw:
            ds = raw.load()
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is not a pose dataset ({exc})") from exc
    for key in ("image_width", "image_height", "rotation_deg"):
        if key in ds.attrs:
            ds.attrs[key] = int(ds.attrs[key])
    if "fps" in ds.attrs:
        ds.attrs["fps"] = float(ds.attrs["fps"])
    try:
        return check_usable(validate_pose_dataset(ds))
    except SchemaError as exc:
        raise SchemaError(f"{path}: {exc}") from None


OUTSIDE_FRAMES: Final[float] = 4.0
"""Keypoints may lie outside the picture (a foot below its edge), up to this many frame
sizes beyond it; further out a dataset is not a tracking of this frame."""
MAX_WORLD_M: Final[float] = 100.0
"""Largest world coordinate (m) of a person's keypoint around the hips."""


def check_usable(ds: xr.Dataset) -> xr.Dataset:
    """Check that a pose dataset read from a file can be analysed; return it unchanged.

    A finite frame rate, at least one frame, finite times, a frame size, positions that
    are finite or NaN and within :data:`OUTSIDE_FRAMES` frame sizes of the picture, world
    coordinates within :data:`MAX_WORLD_M`, and a keypoint seen in at least one frame.

    Raises
    ------
    SchemaError
        Naming what is wrong.
    """
    fps = float(ds.attrs["fps"])
    if not math.isfinite(fps) or fps > 10_000:
        raise SchemaError(f"its frame rate (fps = {fps:g}) is not a finite rate")
    if ds.sizes["time"] == 0:
        raise SchemaError("it holds no frame")
    if not np.all(np.isfinite(ds["time"].values)):
        raise SchemaError("its frame times are not all finite")
    width, height = (int(ds.attrs.get(k, 0)) for k in ("image_width", "image_height"))
    if width <= 0 or height <= 0:
        raise SchemaError(f"its frame size ({width}x{height}) is not a picture's")
    size = np.array([width, height, max(width, height)], dtype=np.float64)
    for name in ("position", "position_raw"):
        if name not in ds:
            continue
        values = np.asarray(ds[name].values, dtype=np.float64)
        if np.isinf(values).any():
            raise SchemaError(f"{name} holds infinite coordinates")
        reach = np.abs(values - size / 2) - (0.5 + OUTSIDE_FRAMES) * size
        if (np.nan_to_num(reach, nan=-1.0) > 0).any():
            raise SchemaError(
                f"{name} holds coordinates more than {OUTSIDE_FRAMES:g} frame sizes outside "
                f"its {width}x{height} picture: not a tracking of this frame"
            )
    for name in ("world", "world_raw"):
        if name in ds:
            values = np.asarray(ds[name].values, dtype=np.float64)
            if (np.nan_to_num(np.abs(values), nan=0.0) > MAX_WORLD_M).any():
                raise SchemaError(f"{name} holds coordinates beyond {MAX_WORLD_M:g} m")
    if not np.isfinite(ds["position"].sel(space=["x", "y"]).values).any():
        raise SchemaError("no keypoint is seen in any frame (all NaN): nothing to analyse")
    return ds

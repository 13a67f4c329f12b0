"""CSV tables written from labelled arrays (atomically)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from pronate.io.atomic import write_text_atomic


def keypoint_columns(names: Sequence[str]) -> list[str]:
    """Column names of ``keypoints.csv`` after ``frame`` and ``time_s``."""
    return [f"{n}_{suffix}" for n in names for suffix in ("x", "y", "conf")]


def write_keypoints_csv(pose: xr.Dataset, path: Path) -> Path:
    """Write one row per frame: ``frame``, ``time_s``, then ``{name}_x``, ``{name}_y``,
    ``{name}_conf`` of every keypoint (``position`` as stored: filtered, pixels)."""
    names = [str(k) for k in pose["keypoint"].values]
    xy = pose["position"].sel(space=["x", "y"]).values  # (time, keypoint, 2)
    conf = pose["confidence"].values[:, :, None]
    body = np.concatenate([xy, conf], axis=2).reshape(len(pose["time"]), -1)
    lead = np.column_stack([pose["frame"].values, pose["time"].values])
    return _write_rows(path, ["frame", "time_s", *keypoint_columns(names)], lead, body)


def write_table_csv(table: xr.Dataset, path: Path) -> Path:
    """Write a Dataset with only a ``time`` dim: ``frame``, ``time_s``, then each variable."""
    columns = [str(v) for v in table.data_vars]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["frame", "time_s", *columns])
    values = [table[c].values for c in columns]
    for i, (frame, t) in enumerate(zip(table["frame"].values, table["time"].values, strict=True)):
        writer.writerow([int(frame), _fmt(float(t)), *(_cell(v[i]) for v in values)])
    return write_text_atomic(path, buf.getvalue())


def _cell(value: object) -> str:
    if isinstance(value, float | np.floating):
        return _fmt(float(value))
    return str(value)


def _fmt(value: float) -> str:
    return "" if not np.isfinite(value) else f"{value:.6g}"


def _write_rows(path: Path, header: list[str], lead: np.ndarray, body: np.ndarray) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for frame_t, row in zip(lead, body, strict=True):
        writer.writerow([int(frame_t[0]), _fmt(frame_t[1]), *(_fmt(v) for v in row)])
    return write_text_atomic(path, buf.getvalue())

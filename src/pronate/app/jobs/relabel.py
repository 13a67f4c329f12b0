"""An analysis reused for another upload of the same content, named after that upload.

The reused folder is a hard-linked copy (:mod:`pronate.app.reuse`): its ``summary.json``
and ``report.html`` still name the first upload (``"video": "cam01.mp4"``), perhaps
another client's file. :func:`relabel` writes both again with the new name, as new files
(the links to the first analysis are broken, never written through), from what the folder
holds: the summary, the per-frame metrics of ``timeseries.csv``, the pose and the key
frames.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pronate.io.atomic import write_text_atomic

log = logging.getLogger(__name__)
KEYFRAME = re.compile(r"^(\d+)_.*\.png$")


def relabel(folder: Path, name: str) -> bool:
    """Name the analysis in ``folder`` after ``name`` (summary and report); ``False`` when
    it already did. A report that cannot be written again is removed (logged)."""
    path = folder / "summary.json"
    summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if summary.get("video") == name:
        return False
    summary["video"] = name
    write_text_atomic(path, json.dumps(summary, indent=2, allow_nan=False) + "\n")
    report = folder / "report.html"
    if report.is_file():
        try:
            write_report_of(folder, summary)
        except Exception:  # never leave the first upload's name behind
            log.exception("%s: the report could not be written again; it is removed", folder)
            report.unlink(missing_ok=True)
    return True


def metrics_of(table: Path, *, roll_method: str | None) -> xr.Dataset:
    """The per-frame metrics read back from ``timeseries.csv`` (numbers as floats, the
    ``stance`` labels as text)."""
    with table.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = {name: [row[i] for row in body] for i, name in enumerate(header)}
    time = np.array([float(v) for v in columns.pop("time_s")])
    frame = np.array([int(v) for v in columns.pop("frame")])
    data = {}
    for name, values in columns.items():
        try:
            array: np.ndarray = np.array([float(v) if v else np.nan for v in values])
        except ValueError:
            array = np.array(values, dtype=object).astype(str)
        data[name] = ("time", array)
    metrics = xr.Dataset(data, coords={"time": time, "frame": ("time", frame)})
    if roll_method:
        metrics.attrs["roll_method"] = roll_method
    return metrics


def write_report_of(folder: Path, summary: dict[str, Any]) -> None:
    """Write ``report.html`` of the analysis in ``folder`` again, for ``summary``."""
    from pronate.outputs.report import write_report
    from pronate.pose.schema import load_pose_dataset

    pose = load_pose_dataset(folder / "pose.nc") if (folder / "pose.nc").is_file() else None
    table = folder / "timeseries.csv"
    camera = summary.get("camera") or {}
    metrics = metrics_of(table, roll_method=camera.get("roll_method")) if table.is_file() else None
    frames = folder / "keyframes"
    keyframes = {
        int(found.group(1)): p
        for p in (sorted(frames.glob("*.png")) if frames.is_dir() else [])
        if (found := KEYFRAME.match(p.name))
    }
    left_vs_right = frames / "left_vs_right.png"
    write_report(
        folder / "report.html",
        summary,
        metrics=metrics,
        pose=pose,
        keyframes=keyframes,
        left_vs_right=left_vs_right if left_vs_right.is_file() else None,
        notes=[f"Warning: {w}." for w in summary.get("warnings") or []],
    )

"""An analysis reused for another upload of the same content, named after that upload.

The reused folder is a hard-linked copy (:mod:`pronate.app.reuse`): its ``summary.json``
and ``report.html`` still name the first upload (``"video": "cam01.mp4"``), perhaps
another client's file. :func:`relabel` writes both again with the new name, as new files
(the links to the first analysis are broken, never written through): the summary with
the new name, and the report from the analysis of the folder's pose dataset run again
(:func:`pronate.pipeline.analyze_pose`, the same options and scene as the first time, so
the same numbers), with its key frames.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from pronate.io.atomic import write_text_atomic

log = logging.getLogger(__name__)
KEYFRAME = re.compile(r"^(\d+)_.*\.png$")


def relabel(folder: Path, name: str, *, video: Path | None = None) -> bool:
    """Name the analysis in ``folder`` after ``name`` (summary and report); ``False`` when
    it already did. ``video``: the clip, for the scene's lines of the camera roll. A
    report that cannot be written again is removed (logged)."""
    path = folder / "summary.json"
    summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if summary.get("video") == name:
        return False
    summary["video"] = name
    write_text_atomic(path, json.dumps(summary, indent=2, allow_nan=False) + "\n")
    report = folder / "report.html"
    if report.is_file():
        try:
            write_report_of(folder, summary, video=video)
        except Exception:  # never leave the first upload's name behind
            log.exception("%s: the report could not be written again; it is removed", folder)
            report.unlink(missing_ok=True)
    return True


def write_report_of(folder: Path, summary: dict[str, Any], *, video: Path | None) -> None:
    """Write ``report.html`` of the analysis in ``folder`` again, for ``summary``."""
    from pronate.outputs.pictures import scene_segments_of
    from pronate.outputs.report import write_report
    from pronate.pipeline import AnalysisOptions, analyze_pose
    from pronate.pose.schema import load_pose_dataset

    pose = load_pose_dataset(folder / "pose.nc")
    segments = scene_segments_of(video, pose) if video is not None else None
    analysis, _ = analyze_pose(pose, options=AnalysisOptions(), segments=segments)
    frames = folder / "keyframes"
    keyframes = {
        int(found.group(1)): p
        for p in (sorted(frames.glob("*.png")) if frames.is_dir() else [])
        if (found := KEYFRAME.match(p.name))
    }
    left_vs_right = frames / "left_vs_right.png"
    write_report(
        folder / "report.html",
        analysis,
        summary=summary,
        pose=pose,
        keyframes=keyframes,
        left_vs_right=left_vs_right if left_vs_right.is_file() else None,
        notes=[f"Warning: {w}." for w in summary.get("warnings") or []],
    )

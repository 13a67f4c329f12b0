"""The report's camera panel: where the camera stood, how it was held, what that allows,
as rows of plain text (the template ``camera.html.j2`` shows them).

It shows ``summary["camera"]`` (:mod:`pronate.camera.body`), ``summary["quality"]``
(:mod:`pronate.camera.quality`) and the uncertainty of the model
(:mod:`pronate.metrics.uncertainty`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pronate.outputs.report.values import fmt

ROLL_METHOD: Final[dict[str, str]] = {
    "override": "as given (--roll)",
    "scene_lines": "from the room's vertical lines",
    "body_axis": "from the body in a quiet stance",
    "heel_toe": "from the feet in a quiet stance",
    "none": "not measurable here: taken as level",
}
UNCERTAINTY_NAMES: Final[dict[str, str]] = {
    "knee_fppa": "knee angle (FPPA)",
    "segment": "thigh / shin tilt",
    "pelvic_obliquity": "pelvic tilt",
    "trunk_lean": "trunk lean",
}


Row = tuple[str, str]
"""A row of the camera panel: label and value (plain text)."""


def camera_rows(camera: Mapping[str, Any]) -> list[Row]:
    """Rows of the camera: view, roll, pitch, and what can be measured."""
    view = camera.get("view") or "unknown"
    yaw = camera.get("yaw_deg")
    rows = [("view", f"{view} (turned {fmt(yaw, 0)}° from facing the camera)")]
    method = str(camera.get("roll_method") or "none")
    roll = f"{fmt(camera.get('roll_deg'), 1)}° {ROLL_METHOD.get(method, method)}"
    confidence = camera.get("roll_confidence")
    if confidence and confidence != "none":
        roll += f", confidence {confidence}"
    rows.append(("camera tilt (roll)", roll))
    rows.append(("looking down (pitch)", f"{fmt(camera.get('pitch_deg'), 0)}°"))
    if camera.get("frontal_measurable") is False:
        rows.append(("frontal measures", f"not given: {camera.get('reason')}"))
        rows.append(("to measure them", str(camera.get("placement_hint"))))
    else:
        rows.append(("frontal measures", "given (front or back view)"))
    return rows


def quality_rows(quality: Mapping[str, Any]) -> list[Row]:
    """Rows of the clip's quality: subject size, keypoint confidence, warnings."""
    size = quality.get("image_size") or [None, None]
    rows = [
        ("picture", f"{fmt(size[0], 0)} × {fmt(size[1], 0)} px"),
        ("client's height in the picture", f"{fmt(quality.get('subject_height_px'), 0)} px"),
        ("leg keypoint confidence", fmt(quality.get("leg_confidence"), 2)),
    ]
    rows.extend(("warning", str(w)) for w in quality.get("warnings") or [])
    return rows


def uncertainty_rows(table: Mapping[str, Any]) -> list[Row]:
    """Rows of the ± of each kind of angle."""
    return [
        (f"± {UNCERTAINTY_NAMES.get(str(k), str(k))}", f"{fmt(v, 1)}°") for k, v in table.items()
    ]


def camera_panel(summary: Mapping[str, Any]) -> list[Row]:
    """The rows of the camera panel; none when the summary has no camera."""
    camera = summary.get("camera") or {}
    if not camera:
        return []
    return (
        camera_rows(camera)
        + quality_rows(summary.get("quality") or {})
        + uncertainty_rows(summary.get("uncertainty_deg") or {})
    )

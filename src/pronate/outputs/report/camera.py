"""The report's camera panel: where the camera stood, how it was held, what that allows.

It shows ``summary["camera"]`` (:mod:`pronate.camera.estimate`), ``summary["quality"]``
(:mod:`pronate.camera.quality`) and the uncertainty of the model
(:mod:`pronate.metrics.uncertainty`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pronate.outputs.report.values import esc, fmt

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


def _row(label: str, value: str) -> str:
    return f"<tr><th>{esc(label)}</th><td>{value}</td></tr>"


def camera_rows(camera: Mapping[str, Any]) -> list[str]:
    """Table rows of the camera: view, roll, pitch, and what can be measured."""
    view = esc(camera.get("view") or "unknown")
    yaw = camera.get("yaw_deg")
    rows = [_row("view", f"{view} (turned {fmt(yaw, 0)}° from facing the camera)")]
    method = str(camera.get("roll_method") or "none")
    roll = f"{fmt(camera.get('roll_deg'), 1)}° {esc(ROLL_METHOD.get(method, method))}"
    confidence = camera.get("roll_confidence")
    if confidence and confidence != "none":
        roll += f", confidence {esc(confidence)}"
    rows.append(_row("camera tilt (roll)", roll))
    rows.append(_row("looking down (pitch)", f"{fmt(camera.get('pitch_deg'), 0)}°"))
    if camera.get("frontal_measurable") is False:
        rows.append(_row("frontal measures", f"not given: {esc(camera.get('reason'))}"))
        rows.append(_row("to measure them", esc(camera.get("placement_hint"))))
    else:
        rows.append(_row("frontal measures", "given (front or back view)"))
    return rows


def quality_rows(quality: Mapping[str, Any]) -> list[str]:
    """Table rows of the clip's quality: subject size, keypoint confidence, warnings."""
    size = quality.get("image_size") or [None, None]
    rows = [
        _row("picture", f"{fmt(size[0], 0)} × {fmt(size[1], 0)} px"),
        _row("client's height in the picture", f"{fmt(quality.get('subject_height_px'), 0)} px"),
        _row("leg keypoint confidence", fmt(quality.get("leg_confidence"), 2)),
    ]
    rows.extend(_row("warning", esc(w)) for w in quality.get("warnings") or [])
    return rows


def uncertainty_rows(table: Mapping[str, Any]) -> list[str]:
    """Table rows of the ± of each kind of angle."""
    return [
        _row(f"± {UNCERTAINTY_NAMES.get(str(k), str(k))}", f"{fmt(v, 1)}°")
        for k, v in table.items()
    ]


def camera_section(summary: Mapping[str, Any]) -> str:
    """The camera panel (empty string when the summary has no camera)."""
    camera = summary.get("camera") or {}
    if not camera:
        return ""
    rows = camera_rows(camera)
    rows += quality_rows(summary.get("quality") or {})
    rows += uncertainty_rows(summary.get("uncertainty_deg") or {})
    return (
        '<section class="card" id="camera"><h2>Camera</h2>'
        f'<div class="scroll"><table class="camera"><tbody>{"".join(rows)}</tbody></table>'
        "</div></section>"
    )

"""The report's camera panel: where the camera stood, how it was held, what that allows,
as rows of plain text (the template ``camera.html.j2`` shows them).

It shows the analysis's camera (:class:`pronate.camera.body.Camera`, as ``summary.json``
rounds it), its quality (:mod:`pronate.camera.quality`) and the uncertainty of its model
(:mod:`pronate.metrics.uncertainty`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pronate.camera.body import Camera
from pronate.metrics import uncertainty
from pronate.outputs.report.values import fmt
from pronate.verdict.analysis import Analysis

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


def camera_rows(camera: Camera) -> list[Row]:
    """Rows of the camera: view, roll, pitch, and what can be measured (the angles
    rounded as in ``summary.json``)."""
    shown = camera.as_dict()
    rows = [
        ("view", f"{camera.view.view} (turned {fmt(shown['yaw_deg'], 0)}° from facing the camera)")
    ]
    method = camera.roll_method
    roll = f"{fmt(shown['roll_deg'], 1)}° {ROLL_METHOD.get(method, method)}"
    if camera.roll_confidence and camera.roll_confidence != "none":
        roll += f", confidence {camera.roll_confidence}"
    rows.append(("camera tilt (roll)", roll))
    rows.append(("looking down (pitch)", f"{fmt(shown['pitch_deg'], 0)}°"))
    if not camera.frontal_measurable:
        rows.append(("frontal measures", f"not given: {camera.reason}"))
        rows.append(("to measure them", str(camera.placement_hint)))
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


def camera_panel(analysis: Analysis) -> list[Row]:
    """The rows of the camera panel: the camera, the clip's quality, the model's ±."""
    table = uncertainty.nominal_table(analysis.model)
    return camera_rows(analysis.camera) + quality_rows(analysis.quality) + uncertainty_rows(table)

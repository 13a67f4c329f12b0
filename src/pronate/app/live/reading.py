"""The reading of one frame: chain metrics with their +/-, and guidance while filming.

No maths of its own: the angles are :func:`pronate.metrics.angles.frame_angles` (the
functions :mod:`pronate.metrics.kinematics` applies along time) on the frame's frontal
points as the window's camera sees them (:meth:`pronate.camera.body.Camera.upright` and
:meth:`~pronate.camera.body.Camera.frontal`, those of the offline body), the centre of mass
is :func:`pronate.metrics.com.com_of` (that of :func:`pronate.metrics.com.segmental_com`),
the +/- comes from :mod:`pronate.metrics.uncertainty`, exactly as in the offline analysis
(which then filters the series; a live frame is read raw).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from pronate.camera.body import Camera
from pronate.metrics import angles
from pronate.metrics.com import com_of
from pronate.metrics.uncertainty import ANGLE_METRICS, uncertainty_of
from pronate.pose.keypoints import KEYPOINT_INDEX

ANGLES: Final[tuple[str, ...]] = ANGLE_METRICS
"""The per-frame angles of a live reading (``timeseries.csv`` names)."""
EDGE_POINTS: Final[dict[str, tuple[str, ...]]] = {
    "head": ("nose", "left_eye", "right_eye"),
    "feet": ("left_heel", "right_heel", "left_foot_index", "right_foot_index"),
    "ankles": ("left_ankle", "right_ankle"),
}
MIN_EDGE_CONFIDENCE: Final[float] = 0.5
MAX_ROLL_DEG: Final[float] = 5.0
"""A camera rolled more than this is named in the guidance (the angles are corrected)."""
MIN_SUBJECT_SHARE: Final[float] = 0.4
"""A subject shorter than this share of the picture's height is asked to come closer."""


def frontal_of(position: np.ndarray, *, width: int, height: int, camera: Camera) -> np.ndarray:
    """Frontal-plane points (33, 2) of one frame's pixel ``position`` (33, 3): the labels
    swapped and the roll removed as the camera says (:meth:`Camera.upright`), NaN unless
    the view is front or back (:meth:`Camera.frontal`), as offline."""
    return camera.frontal(camera.upright(position, width=width, height=height))


def frame_metrics(
    position: np.ndarray, *, width: int, height: int, camera: Camera, model: str
) -> dict[str, dict[str, float | None]]:
    """The angles of :data:`ANGLES` and the centre of mass of one frame.

    Returns
    -------
    dict
        ``{name: {"value": float or None, "uncertainty": float or None}}``; ``com_x_px``
        and ``com_y_px`` in the frame's pixels.
    """
    frontal = frontal_of(position, width=width, height=height, camera=camera)
    values = {name: float(v) for name, v in angles.frame_angles(frontal).items()}
    com = com_of(position)
    values["com_x_px"], values["com_y_px"] = float(com[0]), float(com[1])
    return {
        name: {
            "value": None if not np.isfinite(v) else round(v, 2),
            "uncertainty": uncertainty_of(name, model=model),
        }
        for name, v in values.items()
    }


def cut_off(position: np.ndarray, confidence: np.ndarray, *, width: int, height: int) -> list[str]:
    """Parts of the body (``head``, ``feet``, ``ankles``) outside the picture or unseen."""
    out = []
    for part, names in EDGE_POINTS.items():
        rows = [KEYPOINT_INDEX[n] for n in names]
        xy, conf = position[rows, :2], confidence[rows]
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
        if not np.all(inside & (conf >= MIN_EDGE_CONFIDENCE)):
            out.append(part)
    return out


def guidance(
    *,
    found: bool,
    missing_parts: list[str],
    camera: Camera | None,
    subject_share: float,
) -> list[dict[str, str]]:
    """What to fix while filming, most urgent first: ``[{"code", "text"}]``.

    Codes: ``nobody``, ``not_in_frame``, ``too_oblique``, ``rolled``, ``small``.
    """
    if not found:
        return [
            {"code": "nobody", "text": "Nobody is seen: the client should stand in the picture."}
        ]
    out = []
    if missing_parts:
        parts = " and ".join(missing_parts)
        out.append(
            {
                "code": "not_in_frame",
                "text": f"Not fully in frame ({parts} cut off or unseen): move the camera "
                "back or ask the client to step away, head to feet in the picture.",
            }
        )
    if camera is not None and not camera.frontal_measurable:
        text = f"Too oblique for frontal measures (view: {camera.view.view})."
        if camera.placement_hint:
            text += f" {camera.placement_hint[0].upper()}{camera.placement_hint[1:]}."
        out.append({"code": "too_oblique", "text": text})
    if camera is not None and camera.roll_method != "none" and abs(camera.roll_deg) > MAX_ROLL_DEG:
        out.append(
            {
                "code": "rolled",
                "text": f"The camera is rolled {camera.roll_deg:+.0f}° ({camera.roll_method}): "
                "level it; angles are corrected, but less surely.",
            }
        )
    if np.isfinite(subject_share) and subject_share < MIN_SUBJECT_SHARE:
        out.append(
            {
                "code": "small",
                "text": f"The client fills only {100 * subject_share:.0f} % of the picture's "
                "height: come closer for precise angles.",
            }
        )
    return out


def camera_dict(camera: Camera | None) -> dict[str, Any] | None:
    """The camera as sent to the page (view, yaw, roll, whether frontal is measurable)."""
    if camera is None:
        return None
    return {
        "view": camera.view.view,
        "yaw_deg": round(float(camera.view.yaw_deg), 1),
        "roll_deg": round(float(camera.roll_deg), 1),
        "roll_method": camera.roll_method,
        "frontal_measurable": camera.frontal_measurable,
        "labels_swapped": bool(camera.view.labels_swapped),
    }

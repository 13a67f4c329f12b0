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

from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from pronate.camera.body import Camera
from pronate.camera.quality import MIN_SUBJECT_PX, assess_quality
from pronate.metrics import angles
from pronate.metrics.com import com_of
from pronate.metrics.uncertainty import ANGLE_METRICS, uncertainty_of
from pronate.outputs.evidence import value_text
from pronate.pose.keypoints import KEYPOINT_INDEX
from pronate.pose.landmarker import N_KEYPOINTS
from pronate.pose.schema import make_pose_dataset

ANGLES: Final[tuple[str, ...]] = ANGLE_METRICS
"""The per-frame angles of a live reading (``timeseries.csv`` names)."""
EDGE_POINTS: Final[dict[str, tuple[str, ...]]] = {
    "head": ("nose", "left_eye", "right_eye"),
    "feet": ("left_heel", "right_heel", "left_foot_index", "right_foot_index"),
    "ankles": ("left_ankle", "right_ankle"),
}
MIN_EDGE_CONFIDENCE: Final[float] = 0.5


def frontal_of(position: np.ndarray, *, width: int, height: int, camera: Camera) -> np.ndarray:
    """Frontal-plane points (33, 2) of one frame's pixel ``position`` (33, 3): the labels
    swapped and the roll removed as the camera says (:meth:`Camera.upright`), NaN unless
    the view is front or back (:meth:`Camera.frontal`), as offline."""
    return camera.frontal(camera.upright(position, width=width, height=height))


def frame_metrics(
    position: np.ndarray, *, width: int, height: int, camera: Camera, model: str
) -> dict[str, dict[str, Any]]:
    """The angles of :data:`ANGLES` and the centre of mass of one frame.

    Returns
    -------
    dict
        ``{name: {"value": float or None, "uncertainty": float or None, "text": str}}``
        (``text``: the value with its unit and ± in the coach's words,
        :func:`pronate.outputs.evidence.value_text`); ``com_x_px`` and ``com_y_px`` in
        the frame's pixels.
    """
    frontal = frontal_of(position, width=width, height=height, camera=camera)
    values = {name: float(v) for name, v in angles.frame_angles(frontal).items()}
    com = com_of(position)
    values["com_x_px"], values["com_y_px"] = float(com[0]), float(com[1])
    out: dict[str, dict[str, Any]] = {}
    for name, v in values.items():
        value = None if not np.isfinite(v) else round(v, 2)
        sigma = uncertainty_of(name, model=model)
        out[name] = {"value": value, "uncertainty": sigma, "text": value_text(name, value, sigma)}
    return out


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


Note = tuple[str, str]
"""A guidance item: its code and its words."""


def quality_notes(
    position: np.ndarray,
    confidence: np.ndarray,
    *,
    size: tuple[int, int],
    source: tuple[int, int] | None,
    model: str,
) -> list[Note]:
    """What the offline analysis would say of the subject's size and the legs'
    confidence (:func:`pronate.camera.quality.assess_quality`, its thresholds and its
    words) over these frames, in the pixels of the source picture (the page sends a
    picture scaled down to at most 720 px; the recording is analysed at full size).

    Parameters
    ----------
    position, confidence
        The frames' keypoints (n, 33, 3) in the frame's pixels, and their confidence.
    size
        The frame's width and height.
    source
        The source picture's width and height (``None``: the frame's).

    Returns
    -------
    list
        ``("small", words)`` for a subject below :data:`MIN_SUBJECT_PX`, ``("unsure",
        words)`` for legs the model is unsure of.
    """
    seen = np.isfinite(position[..., :2]).all(axis=(1, 2))
    if not seen.any():
        return []
    width, height = size
    scale = source[1] / height if source else 1.0
    n = int(seen.sum())
    pose = make_pose_dataset(
        position=position[seen] * scale,
        confidence=confidence[seen],
        world=np.full((n, N_KEYPOINTS, 3), np.nan),
        time_s=np.arange(n, dtype=np.float64),
        fps=30.0,
        source_video="live",
        model=model,
        image_width=max(1, round(width * scale)),
        image_height=max(1, round(height * scale)),
    )
    quality = assess_quality(pose)
    tall = quality["subject_height_px"]
    warnings = list(quality["warnings"])
    notes: list[Note] = []
    if warnings and (tall is None or tall < MIN_SUBJECT_PX):  # its first warning
        notes.append(("small", f"The client is too small: {warnings.pop(0)}."))
    notes += [("unsure", f"{w[0].upper()}{w[1:]}.") for w in warnings]
    return notes


def guidance(
    *,
    found: bool,
    missing_parts: list[str],
    camera: Camera | None,
    notes: Sequence[Note] = (),
    tilt_deg: float | None = None,
) -> list[dict[str, str]]:
    """What to fix while filming, most urgent first: ``[{"code", "text"}]``.

    Codes: ``nobody``, ``not_in_frame``, ``too_oblique``, ``rolled``, and the quality
    notes (:func:`quality_notes`: ``small``, ``unsure``). Nobody found in the frame but a
    small person found by the tile probe (:mod:`pronate.app.live.probe`): ``small``,
    not ``nobody``. The words of the view and the tilt are those of the offline
    analysis (:func:`pronate.camera.view.placement`); ``camera`` is the steady one
    (:mod:`pronate.app.live.steady`), ``tilt_deg`` the tilt its windows agree on.
    """
    small = [{"code": c, "text": t} for c, t in notes if c == "small"]
    if not found:
        return small or [
            {
                "code": "nobody",
                "text": "Nobody is seen: the client should stand in the picture (a client "
                "very far away, or in a small tile of a call, is not found: come closer or "
                "enlarge their tile).",
            }
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
    if camera is not None and not camera.frontal_measurable and camera.reason:
        text = f"No frontal measures from this view: {camera.reason}."
        if camera.placement_hint:
            text += f" To measure, {camera.placement_hint}."
        out.append({"code": "too_oblique", "text": text})
    if tilt_deg is not None:
        out.append(
            {
                "code": "rolled",
                "text": f"The picture is tilted by {tilt_deg:+.0f}°: level the camera (or, if "
                "the client leans, ask them to stand upright for a moment); the angles are "
                "corrected, but less surely.",
            }
        )
    return out + [{"code": c, "text": t} for c, t in notes]


VIEW_WORDS: Final[dict[str, str]] = {
    "front": "from the front",
    "back": "from behind",
    "left": "from the client's left side",
    "right": "from the client's right side",
    "oblique": "at an angle",
}


def camera_dict(camera: Camera | None, tilt_deg: float | None = None) -> dict[str, Any] | None:
    """The camera as sent to the page (view, yaw, roll, whether frontal is measurable),
    and ``text``: the view and the tilt in words."""
    if camera is None:
        return None
    off = abs(((camera.view.yaw_deg + 180.0) % 360.0) - 180.0)
    off = min(off, 180.0 - off) if camera.view.view == "back" else off
    view = VIEW_WORDS.get(camera.view.view, camera.view.view)
    words = (
        f"{view} (about {5 * round(off / 5):.0f}° off)" if camera.view.view == "oblique" else view
    )
    tilt = f"tilted {tilt_deg:+.0f}°" if tilt_deg is not None else "level"
    return {
        "text": f"{words}, {tilt}",
        "view": camera.view.view,
        "yaw_deg": round(float(camera.view.yaw_deg), 1),
        "roll_deg": round(float(camera.roll_deg), 1),
        "roll_method": camera.roll_method,
        "frontal_measurable": camera.frontal_measurable,
        "labels_swapped": bool(camera.view.labels_swapped),
    }

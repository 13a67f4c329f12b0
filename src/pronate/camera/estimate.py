"""The camera stage: view, roll, pitch and scale, estimated once, in one object.

Data flow: pose dataset (+ the room's line segments, + the user's overrides) ->
:func:`estimate_camera` -> :class:`Camera` -> :func:`pronate.metrics.kinematics.compute_metrics`.
Everything downstream reads the camera from here; the report's "camera" panel and
``summary.json["camera"]`` show :meth:`Camera.as_dict`.

Roll (convention in :mod:`pronate.camera.frames`), in order of preference:

``override``
    ``--roll`` given.
``scene_lines``
    The vertical vanishing point of the room (:mod:`pronate.camera.scene`), read at the pelvis,
    when it has enough support and agrees with the body's own up direction within
    :data:`MAX_SCENE_BODY_DEG` (a room's lines can't be confused with the floor's then).
    Measured on the balancing trial's two development cameras and their copies rotated
    by +-10 and +-25 deg: within 0.7 deg of the calibration's roll at the pelvis.
``body_axis`` / ``heel_toe``
    A quiet stance (:func:`pronate.camera.frames.estimate_roll`).
``none``
    Nothing supports an estimate: the roll is 0 and the summary says so.

Frontal measurability: front and back views (camera within
:data:`pronate.camera.frames.FRONT_HALF_WIDTH_DEG` of the subject's front or back) are measured
in the roll-corrected image, plain 2-D (Munro 2012). Oblique and side views get no
frontal metrics: a 2-D projection 30-60 deg off the frontal axis is not the frontal
plane, and the model's depth did not rescue it against the motion capture (validation
figures in the README). They say why and where to put the camera instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.camera import frames, scene, stance
from pronate.camera.contact import foot_contact
from pronate.pose.schema import validate_pose_dataset
from pronate.series import true_runs

MAX_SCENE_BODY_DEG: Final[float] = 20.0
"""Largest difference between the scene's roll and the body's median up direction."""

DOUBLE_SUPPORT_MIN_FRAMES: Final[int] = 5
"""Shortest double support taken as the neutral stance when there is no quiet stance."""


@dataclass(frozen=True, kw_only=True)
class Camera:
    """Where the camera stands and how it is held, estimated once per clip.

    Attributes
    ----------
    view
        The view (:class:`pronate.camera.frames.ViewInfo`).
    roll_deg
        Camera roll removed from the image (counter-clockwise on screen).
    roll_method
        ``override``, ``scene_lines``, ``body_axis``, ``heel_toe`` or ``none``.
    roll_confidence
        ``high`` (scene lines with strong support, or the user's value), ``medium``
        (scene lines with fewer lines, or a quiet stance), ``none`` (no estimate: 0).
    roll_detail
        How the roll was found: the scene's support, the body's up direction, etc.
    pitch_deg
        How far the camera looks down (from the world landmarks; informative).
    px_per_m
        Image scale at the subject (pixels per metre; NaN in side views).
    frontal_measurable
        Whether frontal-plane metrics and verdicts are given in this view.
    reason
        Why not, in the coach's words (``None`` when measurable).
    placement_hint
        Where to put the camera instead (``None`` when measurable).
    """

    view: frames.ViewInfo
    roll_deg: float
    roll_method: str
    roll_confidence: str
    pitch_deg: float
    px_per_m: float
    frontal_measurable: bool
    reason: str | None = None
    placement_hint: str | None = None
    roll_detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The camera as ``summary.json["camera"]``."""
        return {
            "view": self.view.view,
            "view_source": self.view.source,
            "yaw_deg": round(float(self.view.yaw_deg), 1),
            "labels_swapped": bool(self.view.labels_swapped),
            "roll_deg": round(float(self.roll_deg), 1),
            "roll_method": self.roll_method,
            "roll_confidence": self.roll_confidence,
            "roll_detail": self.roll_detail,
            "pitch_deg": round(float(self.pitch_deg), 1),
            "px_per_m": None if not np.isfinite(self.px_per_m) else round(self.px_per_m, 1),
            "frontal_measurable": self.frontal_measurable,
            "reason": self.reason,
            "placement_hint": self.placement_hint,
        }


def body_up_deg(position: np.ndarray, *, frames_mask: np.ndarray | None = None) -> float:
    """The body's median up direction in the image (roll convention), mid-ankle -> mid-shoulder."""
    xy = position[..., :2] if frames_mask is None else position[frames_mask][..., :2]
    axis = frames.mid(xy, "left_shoulder", "right_shoulder") - frames.mid(
        xy, "left_ankle", "right_ankle"
    )
    ok = np.isfinite(axis).all(axis=-1)
    if not ok.any():
        return 0.0
    return scene.up_angle_deg(np.median(axis[ok], axis=0))


def pelvis_px(position: np.ndarray) -> np.ndarray:
    """Median mid-hip position (x, y) in image pixels."""
    hip = frames.mid(position[..., :2], "left_hip", "right_hip")
    ok = np.isfinite(hip).all(axis=-1)
    return np.median(hip[ok], axis=0) if ok.any() else np.full(2, np.nan)


def scene_roll(
    segments: np.ndarray | None, position: np.ndarray, *, width: float, height: float
) -> tuple[float | None, dict[str, Any]]:
    """Roll from the room's verticals, or ``None`` with the reason in the detail."""
    up = body_up_deg(position)
    detail: dict[str, Any] = {"body_up_deg": round(up, 1)}
    if segments is None:
        detail["scene"] = "no video frames"
        return None, detail
    pelvis = pelvis_px(position)
    if not np.isfinite(pelvis).all():
        detail["scene"] = "no pelvis seen"
        return None, detail
    found = scene.vertical_vanishing_point(
        segments,
        up_deg=up,
        width=width,
        height=height,
        at=pelvis,
        max_disagreement_deg=MAX_SCENE_BODY_DEG,
    )
    if found is None:
        detail["scene"] = "no vertical lines found"
        return None, detail
    roll = scene.roll_at(found, pelvis, up_deg=up)
    detail.update(
        scene_lines=found.inliers,
        scene_candidates=found.candidates,
        scene_support=round(found.support, 2),
        scene_fit_deg=round(found.spread_deg, 2),
        scene_roll_deg=round(roll, 1),
    )
    if not found.usable:
        detail["scene"] = "too few vertical lines in the room"
        return None, detail
    if abs(roll - up) > MAX_SCENE_BODY_DEG:
        detail["scene"] = "the room's lines disagree with the body's axis"
        return None, detail
    detail["scene"] = "used"
    return roll, detail


def _view(view: str | None, uv: np.ndarray, level: np.ndarray, conf: np.ndarray) -> frames.ViewInfo:
    if view is None:
        return frames.estimate_view(uv, level, conf)
    return frames.override_view(view, uv, level, conf)


def reference_frames(
    quiet: np.ndarray, contact_left: np.ndarray, contact_right: np.ndarray
) -> tuple[np.ndarray, str]:
    """Frames that define the neutral position (pelvis shift, hip width, ankle offset).

    The quiet stance when there is one, else the first stretch of at least
    :data:`DOUBLE_SUPPORT_MIN_FRAMES` frames with both feet planted (the longest when
    none is that long), else every frame; the second value names the choice
    (``quiet``, ``both_feet``, ``all``).
    """
    if quiet.any():
        return quiet, "quiet"
    runs = true_runs(contact_left & contact_right)
    if runs:
        long_runs = [r for r in runs if r[1] - r[0] >= DOUBLE_SUPPORT_MIN_FRAMES]
        start, stop = long_runs[0] if long_runs else max(runs, key=lambda r: r[1] - r[0])
        mask = np.zeros_like(quiet)
        mask[start:stop] = True
        return mask, "both_feet"
    return np.ones_like(quiet), "all"


def _contacts(uv: np.ndarray, time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    leg = stance.leg_length(uv)
    left, right = (foot_contact(uv, side=s, time_s=time_s, leg=leg) for s in ("left", "right"))
    quiet = stance.quiet_stance(uv, contact_left=left, contact_right=right, time_s=time_s, leg=leg)
    return left, right, quiet


def _body_roll(
    pose: xr.Dataset, *, view: str | None, width: float, height: float
) -> tuple[float, str]:
    """Roll from a quiet stance (the pre-scene method), ``(0, "none")`` without one."""
    time_s = pose["time"].values
    uv0 = frames.upright_image(pose["position"].values, width=width, height=height, roll_deg=0.0)
    world0 = frames.upright_world(pose["world"].values, roll_deg=0.0)
    c_l, c_r, quiet0 = _contacts(uv0, time_s)
    reference0 = reference_frames(quiet0, c_l, c_r)[0]
    level0 = frames.level_world(
        world0, pitch_deg=frames.estimate_pitch(world0, reference=reference0)
    )
    first = _view(view, uv0, level0, pose["confidence"].values)
    return frames.estimate_roll(uv0, view=first.view, quiet=quiet0)


def estimate_roll(
    pose: xr.Dataset,
    *,
    segments: np.ndarray | None,
    view: str | None,
    roll_deg: float | None,
) -> tuple[float, str, str, dict[str, Any]]:
    """Roll, method, confidence and detail (see the module docstring)."""
    if roll_deg is not None:
        return float(roll_deg), "override", "high", {}
    width, height = float(pose.attrs["image_width"]), float(pose.attrs["image_height"])
    position = pose["position"].values
    roll, detail = scene_roll(segments, position, width=width, height=height)
    if roll is not None:
        strong = detail["scene_lines"] >= 2 * scene.MIN_INLIERS
        return roll, "scene_lines", "high" if strong else "medium", detail
    body, method = _body_roll(pose, view=view, width=width, height=height)
    if method != "none":
        return body, method, "medium", detail
    return 0.0, "none", "none", detail


def placement(view: frames.ViewInfo) -> tuple[str, str]:
    """Why a view gives no frontal metrics, and where to put the camera, in plain words.

    The camera's yaw around the subject is 0 in front, +90 at the subject's left side,
    180 behind. In front the hint names the way to go (toward the client's left raises
    the yaw); behind it says "straight behind them" (the nearest way is obvious there).
    The model's depth tends to make a turn look smaller (15-20 deg on the balancing
    trial), so the angle is a lower bound.
    """
    yaw = (view.yaw_deg + 180.0) % 360.0 - 180.0
    behind = abs(yaw) > 90.0
    off = 180.0 - abs(yaw) if behind else abs(yaw)
    degrees = max(5, int(5 * round(off / 5)))
    if view.view in ("left", "right"):
        reason = (
            f"side view ({view.view} side to the camera): the frontal plane is seen edge-on, "
            "so knee valgus, pelvis and centre-of-mass measures can't be read"
        )
    else:
        reason = (
            f"the camera is at least {degrees} deg off the client's "
            f"{'back' if behind else 'front'}: frontal angles can't be read from this angle"
        )
    if behind:
        hint = (
            f"move the camera at least {degrees} deg around the client so it is straight "
            "behind them"
        )
    else:
        side = "left" if yaw < 0 else "right"
        other = "right" if side == "left" else "left"
        hint = (
            f"move the camera at least {degrees} deg around the client toward their {side} so "
            f"it faces them (or ask the client to turn {degrees} deg to their {other})"
        )
    return reason, hint


def estimate_camera(
    pose: xr.Dataset,
    *,
    segments: np.ndarray | None = None,
    view: str | None = None,
    roll_deg: float | None = None,
) -> Camera:
    """Estimate the camera of a clip, once.

    Parameters
    ----------
    pose
        The pose dataset (labels as the model gave them).
    segments
        Line segments of a few frames of the clip (:func:`pronate.camera.scene.scene_segments`);
        ``None`` when the video is not at hand (roll then from a quiet stance only).
    view
        Override of the view.
    roll_deg
        Override of the roll.

    Returns
    -------
    Camera
        The camera; ``frontal_measurable`` is false in oblique and side views.
    """
    validate_pose_dataset(pose)
    roll, method, confidence, detail = estimate_roll(
        pose, segments=segments, view=view, roll_deg=roll_deg
    )
    width, height = float(pose.attrs["image_width"]), float(pose.attrs["image_height"])
    uv = frames.upright_image(pose["position"].values, width=width, height=height, roll_deg=roll)
    world = frames.upright_world(pose["world"].values, roll_deg=roll)
    c_l, c_r, quiet = _contacts(uv, pose["time"].values)
    reference = reference_frames(quiet, c_l, c_r)[0]
    pitch = frames.estimate_pitch(world, reference=reference)
    level = frames.level_world(world, pitch_deg=pitch)
    info = _view(view, uv, level, pose["confidence"].values)
    measurable = info.view in ("front", "back")
    reason, hint = (None, None) if measurable else placement(info)
    scale = frames.px_per_metre(uv, world) if info.view not in ("left", "right") else np.nan
    return Camera(
        view=info,
        roll_deg=roll,
        roll_method=method,
        roll_confidence=confidence,
        roll_detail=detail,
        pitch_deg=pitch,
        px_per_m=float(scale),
        frontal_measurable=measurable,
        reason=reason,
        placement_hint=hint,
    )

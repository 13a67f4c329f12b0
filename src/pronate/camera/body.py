"""The camera stage: the camera (view, roll, pitch, scale) and the body as it sees it, once.

Data flow: pose dataset (+ the room's line segments, + the user's overrides) ->
:func:`observe` -> :class:`Body` (with its :class:`Camera`) -> the metrics
(:func:`pronate.metrics.kinematics.compute_metrics`), the loading moments and the live
reading. Nothing downstream recomputes the upright coordinates, the left/right labels,
the leg length, the contacts or the neutral frames; the report's "camera" panel and
``summary.json["camera"]`` show :meth:`Camera.as_dict`.

Order of the stage: the roll (:mod:`pronate.camera.roll`: ``--roll``, the room's
verticals, or a quiet stance seen at roll 0), the body upright at that roll (contacts,
quiet stance, neutral frames), the pitch from the neutral frames, the view from the
levelled world landmarks (:mod:`pronate.camera.view`), then the labels swapped once so
that ``left`` is the subject's real left.

Frontal measurability: front and back views (camera within
:data:`pronate.camera.view.FRONT_HALF_WIDTH_DEG` of the subject's front or back) are
measured in the roll-corrected image, plain 2-D (Munro 2012). Oblique and side views get
no frontal metrics: a 2-D projection 30-60 deg off the frontal axis is not the frontal
plane, and the model's depth did not rescue it against the motion capture (validation
figures in the README). They say why and where to put the camera instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.camera import frames, roll, scene, stance
from pronate.camera.contact import foot_contact
from pronate.camera.view import ViewInfo, estimate_view, override_view, placement
from pronate.pose.keypoints import SIDES, swap_labels
from pronate.series import true_runs

DOUBLE_SUPPORT_MIN_FRAMES: Final[int] = 5
"""Shortest double support taken as the neutral stance when there is no quiet stance."""


@dataclass(frozen=True, kw_only=True)
class Camera:
    """Where the camera stands and how it is held, estimated once per clip.

    Attributes
    ----------
    view
        The view (:class:`pronate.camera.view.ViewInfo`).
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

    view: ViewInfo
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

    def upright(self, position: np.ndarray, *, width: float, height: float) -> np.ndarray:
        """Upright image points (..., 33, 2) of pixel positions (..., 33, >=2) as the model
        labelled them: the labels made the subject's real sides and the roll removed."""
        if self.view.labels_swapped:
            position = swap_labels(position, axis=-2)
        return frames.upright_image(position, width=width, height=height, roll_deg=self.roll_deg)

    def frontal(self, uv: np.ndarray) -> np.ndarray:
        """Frontal-plane points (lateral, vertical) of upright points; NaN unless the view
        is measurable (front or back)."""
        points = frames.frontal_points(uv, view=self.view.view)
        return points if self.frontal_measurable else np.full_like(points, np.nan)


@dataclass(frozen=True, kw_only=True)
class Body:
    """The subject as the camera sees them: computed once per clip by :func:`observe`.

    Every array runs along the pose's ``time``; ``left`` is the subject's real left.

    Attributes
    ----------
    camera
        The camera.
    pose
        The pose dataset with the labels made the subject's real sides.
    uv
        Upright image points (time, 33, 2), pixels, roll removed (:mod:`pronate.camera.frames`).
    world
        Upright world landmarks (time, 33, 3), metres, roll removed.
    level
        The same levelled (pitch removed): ``y`` vertical.
    leg_px
        Leg length (thigh + shank) in the upright image, pixels.
    contact_left, contact_right
        Ground contact of each foot (:mod:`pronate.camera.contact`).
    quiet
        The quiet-stance frames (:func:`pronate.camera.stance.quiet_stance`).
    neutral
        The frames that define the neutral position (pelvis shift, hip width, ankle
        offset, the camera's pitch): see :func:`neutral_frames`.
    neutral_kind
        ``quiet``, ``both_feet`` or ``all``.
    """

    camera: Camera
    pose: xr.Dataset
    uv: np.ndarray
    world: np.ndarray
    level: np.ndarray
    leg_px: float
    contact_left: np.ndarray
    contact_right: np.ndarray
    quiet: np.ndarray
    neutral: np.ndarray
    neutral_kind: str

    @property
    def time_s(self) -> np.ndarray:
        """Frame times, seconds."""
        return np.asarray(self.pose["time"].values)

    @property
    def stance(self) -> np.ndarray:
        """``both`` / ``left`` / ``right`` / ``none`` per frame."""
        return stance.stance_labels(self.contact_left, self.contact_right)

    @property
    def frontal(self) -> np.ndarray:
        """Frontal-plane points (time, 33, 2); NaN unless the view is front or back."""
        return self.camera.frontal(self.uv)

    @property
    def sagittal(self) -> np.ndarray:
        """Sagittal-plane points (time, 33, 2) for the knee flexion: the image in side
        views, the level world seen from the side in oblique views, NaN in front and back
        views."""
        view = self.camera.view
        if view.view in ("left", "right"):
            return self.uv
        if view.view == "oblique":
            return frames.sagittal_world(self.level, yaw_deg=view.yaw_deg)
        return np.full_like(self.uv, np.nan)

    def along_time(self, values: np.ndarray) -> xr.DataArray:
        """``values`` (time, ...) as a DataArray along the pose's ``time`` and ``frame``."""
        return xr.DataArray(
            values,
            dims=("time",),
            coords={"time": self.pose["time"].values, "frame": ("time", self.pose["frame"].values)},
        )


def neutral_frames(
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


@dataclass(frozen=True, kw_only=True)
class _Upright:
    """The body upright at one roll, with the labels as the model gave them."""

    uv: np.ndarray
    world: np.ndarray
    leg_px: float
    contacts: tuple[np.ndarray, np.ndarray]
    quiet: np.ndarray
    neutral: np.ndarray
    neutral_kind: str


def _upright(pose: xr.Dataset, roll_deg: float) -> _Upright:
    width, height = float(pose.attrs["image_width"]), float(pose.attrs["image_height"])
    time_s = pose["time"].values
    uv = frames.upright_image(
        pose["position"].values, width=width, height=height, roll_deg=roll_deg
    )
    leg = stance.leg_length(uv)
    left, right = (foot_contact(uv, side=s, time_s=time_s, leg=leg) for s in SIDES)
    quiet = stance.quiet_stance(uv, contact_left=left, contact_right=right, time_s=time_s, leg=leg)
    neutral, kind = neutral_frames(quiet, left, right)
    return _Upright(
        uv=uv,
        world=frames.upright_world(pose["world"].values, roll_deg=roll_deg),
        leg_px=leg,
        contacts=(left, right),
        quiet=quiet,
        neutral=neutral,
        neutral_kind=kind,
    )


def _view(view: str | None, seen: _Upright, level: np.ndarray, conf: np.ndarray) -> ViewInfo:
    if view is None:
        return estimate_view(seen.uv, level, conf)
    return override_view(view, seen.uv, level, conf)


@dataclass(frozen=True)
class _Roll:
    deg: float
    method: str
    confidence: str
    detail: dict[str, Any]


def _roll(
    pose: xr.Dataset, *, segments: np.ndarray | None, view: str | None
) -> tuple[_Roll, _Upright | None]:
    """The roll from the room's lines, else from a quiet stance seen at roll 0 (returned
    too, to be reused when the roll stays 0), else 0."""
    width, height = float(pose.attrs["image_width"]), float(pose.attrs["image_height"])
    found, detail = roll.scene_roll(segments, pose["position"].values, width=width, height=height)
    if found is not None:
        strong = detail["scene_lines"] >= 2 * scene.MIN_INLIERS
        return _Roll(found, "scene_lines", "high" if strong else "medium", detail), None
    seen0 = _upright(pose, 0.0)
    pitch0 = frames.estimate_pitch(seen0.world, neutral=seen0.neutral)
    first = _view(view, seen0, frames.level_world(seen0.world, pitch_deg=pitch0), _conf(pose))
    body, method = roll.stance_roll(seen0.uv, view=first.view, quiet=seen0.quiet)
    if method != "none":
        return _Roll(body, method, "medium", detail), seen0
    return _Roll(0.0, "none", "none", detail), seen0


def _conf(pose: xr.Dataset) -> np.ndarray:
    return np.asarray(pose["confidence"].values)


def observe(
    pose: xr.Dataset,
    *,
    segments: np.ndarray | None = None,
    view: str | None = None,
    roll_deg: float | None = None,
) -> Body:
    """The camera stage of a clip: its camera and the body as that camera sees it, once.

    Parameters
    ----------
    pose
        The pose dataset (labels as the model gave them), validated where it was made or
        read (:mod:`pronate.pose.schema`).
    segments
        Line segments of a few frames of the clip (:func:`pronate.camera.scene.scene_segments`);
        ``None`` when the video is not at hand (roll then from a quiet stance only).
    view
        Override of the view (one of :data:`pronate.camera.view.VIEWS`).
    roll_deg
        Override of the roll.

    Returns
    -------
    Body
        The body, its camera included; ``camera.frontal_measurable`` is false in oblique
        and side views.
    """
    seen0: _Upright | None = None
    if roll_deg is not None:
        found = _Roll(float(roll_deg), "override", "high", {})
    else:
        found, seen0 = _roll(pose, segments=segments, view=view)
    seen = seen0 if seen0 is not None and found.deg == 0.0 else _upright(pose, found.deg)
    pitch = frames.estimate_pitch(seen.world, neutral=seen.neutral)
    level = frames.level_world(seen.world, pitch_deg=pitch)
    info = _view(view, seen, level, _conf(pose))
    measurable = info.view in ("front", "back")
    reason, hint = (None, None) if measurable else placement(info)
    scale = (
        frames.px_per_metre(seen.uv, seen.world) if info.view not in ("left", "right") else np.nan
    )
    camera = Camera(
        view=info,
        roll_deg=found.deg,
        roll_method=found.method,
        roll_confidence=found.confidence,
        roll_detail=found.detail,
        pitch_deg=pitch,
        px_per_m=float(scale),
        frontal_measurable=measurable,
        reason=reason,
        placement_hint=hint,
    )
    return _as_seen_by(camera, pose, seen, level)


def seen_by(camera: Camera, pose: xr.Dataset) -> Body:
    """The body of ``pose`` as a camera already known sees it (e.g. the camera of a live
    window, or of the scene a stretch of a recording belongs to): the same upright
    coordinates, labels and contacts :func:`observe` gives with that camera."""
    seen = _upright(pose, camera.roll_deg)
    return _as_seen_by(
        camera, pose, seen, frames.level_world(seen.world, pitch_deg=camera.pitch_deg)
    )


def _as_seen_by(camera: Camera, pose: xr.Dataset, seen: _Upright, level: np.ndarray) -> Body:
    """The body with the labels made the subject's real sides (swapped once, if at all)."""
    left, right = seen.contacts
    body = Body(
        camera=camera,
        pose=pose,
        uv=seen.uv,
        world=seen.world,
        level=level,
        leg_px=seen.leg_px,
        contact_left=left,
        contact_right=right,
        quiet=seen.quiet,
        neutral=seen.neutral,
        neutral_kind=seen.neutral_kind,
    )
    if not camera.view.labels_swapped:
        return body
    return replace(
        body,
        pose=frames.swap_sides(pose),
        uv=swap_labels(seen.uv, axis=1),
        world=swap_labels(seen.world, axis=1),
        level=swap_labels(level, axis=1),
        contact_left=right,
        contact_right=left,
    )

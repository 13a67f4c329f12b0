"""What an annotator may draw on one frame: :class:`FrameData`, and its builder.

Every position is in pixels of the *upright* frame (x to the right, y down), as in the pose
dataset (:mod:`pronate.pose.schema`). :class:`FrameDataBuilder` assembles a ``FrameData`` for any
video frame from the pose dataset (``position``, ``confidence``, coordinate ``frame``) and,
when there is one, the clip's analysis (:class:`pronate.verdict.analysis.Analysis`):

- its metrics (:mod:`pronate.metrics.schema`), on the pose's ``time`` axis, of which these
  variables are used (a missing one draws nothing): ``stance``
  (``left``/``right``/``both``/``none``), ``com_x_px``, ``com_y_px``, ``com_margin_norm``
  (positive = centre of mass inside the base of support), ``knee_fppa_left_deg``,
  ``knee_fppa_right_deg``, ``pelvic_obliquity_deg``;
- its loading moments with their verdicts (``assessments``, numbered as
  :mod:`pronate.outputs.render.moments` numbers them);
- its camera: the roll (``roll_deg``, counter-clockwise in a y-up frame, so the floor runs
  at ``-roll_deg`` in the image) and the view; and its model, for the +/- of the angles.

Without an analysis (a pose alone) there are no metrics, moments or camera: the skeleton
is drawn with nothing measured on it.

The base of support drawn under the feet follows the rule of the analysis (the feet in
contact, each spanning its heel and toe points, widened by an estimated foot width) on a
floor line tilted by the camera roll (estimated from the heels in double stance without an
analysis); it is a drawing aid, and its colour comes from ``com_margin_norm``, the
analysis's own answer.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import xarray as xr

from pronate.metrics.uncertainty import uncertainty_of
from pronate.outputs.render.boxes import (
    BoxF,
    PointF,
    body_part_boxes,
    body_parts_of,
    finite_boxes,
    robust_union,
    sweep_boxes,
    union_box,
)
from pronate.outputs.render.moments import LOADED_SIDES, current_moment, in_order
from pronate.outputs.render.style import VERDICTS
from pronate.outputs.render.support import (
    base_of_support,
    estimate_floor_angle,
    thigh_foreshortened,
)
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS, SIDES
from pronate.verdict.analysis import Analysis
from pronate.verdict.assessment import Assessment


def _readonly(array: np.ndarray) -> np.ndarray:
    out = np.array(array, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, kw_only=True, eq=False)
class FrameData:
    """Everything an annotator may draw on one frame (pixels of the upright frame, y down).

    Immutable: arrays are copied and made read-only. Compared by identity (it holds arrays).

    Attributes
    ----------
    frame_size
        ``(width, height)`` of the frame.
    keypoints
        Shape (33, 2): x, y of the BlazePose keypoints; NaN where unknown. Stored read-only.
    confidence
        Shape (33,): confidence in [0, 1]; NaN where unknown. Stored read-only.
    time_s
        Time of the frame in seconds from the first frame.
    duration_s
        Length of the clip in seconds.
    loaded_side
        ``left``, ``right``, ``both`` or ``None``: the current moment's side, else the
        feet in contact.
    verdict
        Verdict of the current loading moment, ``None`` outside loading moments.
    moment
        The current loading moment, if any (one of :attr:`moments`).
    com_px
        Centre of mass ``(x, y)``, or ``None``.
    base_of_support
        The base of support as a floor segment: two endpoints ``((x, y), (x, y))``; the
        floor may be tilted by camera roll. ``None`` when no foot is in contact.
    com_inside
        Whether the centre of mass is inside the base of support; ``None`` if unknown.
    knee_fppa_deg
        Knee frontal plane projection angle per side (``left``, ``right``), degrees,
        positive = valgus; NaN where not measurable.
    thigh_foreshortened
        Per side: the thigh points toward or away from the camera
        (:data:`MIN_THIGH_IMAGE_RATIO`), so its knee angle is not read on this frame.
    pelvic_obliquity_deg
        Pelvic obliquity, degrees, positive when the left hip is higher.
    moments
        All loading moments of the clip, in order (moment *n* is item *n* - 1).
    body_parts
        Boxes ``(x0, y0, x1, y1)`` that together cover the body around this frame (padded;
        they may cover a short time window, so labels placed around them stay still);
        ``None`` computes them from ``keypoints`` (:func:`body_parts_of`).
    clip_body_box
        Box the body occupies over most of the clip, for placements that must not move
        (the time strip); ``None`` uses the box around the body parts.
    view
        Camera view of the clip (``front``, ``back``, ``left``, ``right``, ``oblique``) or
        ``None``.
    fppa_uncertainty_deg, obliquity_uncertainty_deg
        The +/- of the knee and pelvis angles (:mod:`pronate.metrics.uncertainty`), NaN when not
        stated; drawn beside the values.
    """

    frame_size: tuple[int, int]
    keypoints: np.ndarray
    confidence: np.ndarray
    time_s: float = math.nan
    duration_s: float = math.nan
    loaded_side: str | None = None
    verdict: str | None = None
    moment: Assessment | None = None
    com_px: PointF | None = None
    base_of_support: tuple[PointF, PointF] | None = None
    com_inside: bool | None = None
    knee_fppa_deg: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"left": math.nan, "right": math.nan})
    )
    thigh_foreshortened: Mapping[str, bool] = field(
        default_factory=lambda: MappingProxyType({"left": False, "right": False})
    )
    pelvic_obliquity_deg: float = math.nan
    fppa_uncertainty_deg: float = math.nan
    obliquity_uncertainty_deg: float = math.nan
    moments: tuple[Assessment, ...] = ()
    body_parts: tuple[BoxF, ...] | None = None
    clip_body_box: BoxF | None = None
    view: str | None = None

    def __post_init__(self) -> None:
        kp = np.asarray(self.keypoints, dtype=np.float64)
        conf = np.asarray(self.confidence, dtype=np.float64)
        if kp.shape != (len(KEYPOINTS), 2):
            raise ValueError(f"keypoints must have shape ({len(KEYPOINTS)}, 2), got {kp.shape}")
        if conf.shape != (len(KEYPOINTS),):
            raise ValueError(f"confidence must have shape ({len(KEYPOINTS)},), got {conf.shape}")
        width, height = self.frame_size
        if width < 1 or height < 1:
            raise ValueError(f"frame_size must be positive, got {self.frame_size}")
        if self.loaded_side is not None and self.loaded_side not in LOADED_SIDES:
            raise ValueError(f"loaded_side must be one of {LOADED_SIDES} or None")
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS} or None, got {self.verdict!r}")
        object.__setattr__(self, "frame_size", (int(width), int(height)))
        object.__setattr__(self, "keypoints", _readonly(kp))
        object.__setattr__(self, "confidence", _readonly(conf))
        fppa = {side: float(self.knee_fppa_deg.get(side, math.nan)) for side in SIDES}
        object.__setattr__(self, "knee_fppa_deg", MappingProxyType(fppa))
        short = {side: bool(self.thigh_foreshortened.get(side, False)) for side in SIDES}
        object.__setattr__(self, "thigh_foreshortened", MappingProxyType(short))
        object.__setattr__(self, "moments", tuple(self.moments))
        if self.body_parts is not None:
            parts = tuple(tuple(float(v) for v in box) for box in self.body_parts)
            if any(len(box) != 4 for box in parts):
                raise ValueError("body_parts must be (x0, y0, x1, y1) boxes")
            object.__setattr__(self, "body_parts", parts)

    def point(self, name: str, *, min_confidence: float) -> PointF | None:
        """Return keypoint ``name`` as ``(x, y)``, or ``None`` if unknown or below
        ``min_confidence``."""
        i = KEYPOINT_INDEX[name]
        x, y = self.keypoints[i]
        c = self.confidence[i]
        if not (np.isfinite(x) and np.isfinite(y)) or not (c >= min_confidence):
            return None
        return (float(x), float(y))

    def parts(self) -> tuple[BoxF, ...]:
        """Return :attr:`body_parts`, or the parts of the current keypoints."""
        if self.body_parts is not None:
            return self.body_parts
        return tuple(body_parts_of(self.keypoints, self.confidence))

    def body_extent(self) -> BoxF | None:
        """Return the box around :meth:`parts`, or ``None`` when the body is not seen."""
        return union_box(self.parts())


def _metric(metrics: xr.Dataset | None, name: str, pose: xr.Dataset) -> np.ndarray | None:
    """Values of metric ``name`` on the pose's time axis, or ``None`` if absent."""
    if metrics is None or name not in metrics:
        return None
    var = metrics[name]
    if var.dims != ("time",):
        raise ValueError(f"metric {name!r} must have dims ('time',), got {var.dims}")
    n = pose.sizes["time"]
    if var.sizes["time"] == n and (
        "time" not in var.coords
        or np.allclose(var["time"].values, pose["time"].values, rtol=0, atol=1e-6)
    ):
        return np.asarray(var.values)
    fps = float(pose.attrs.get("fps", 30.0))
    aligned = var.reindex(time=pose["time"].values, method="nearest", tolerance=0.5 / fps)
    return np.asarray(aligned.values)


def _floats(values: np.ndarray | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    return np.asarray(values, dtype=np.float64)


def _stance(values: np.ndarray | None, n: int) -> list[str | None]:
    if values is None:
        return [None] * n
    out: list[str | None] = []
    for v in values:
        text = v.decode() if isinstance(v, bytes) else str(v)
        out.append(text if text in LOADED_SIDES else None)
    return out


class FrameDataBuilder:
    """Build the :class:`FrameData` of any video frame of an analysed clip.

    Arrays are extracted once, so calling the builder for every frame of a video is cheap.

    Parameters
    ----------
    pose
        Pose dataset (:mod:`pronate.pose.schema`).
    analysis
        The clip's analysis (see the module docstring), or ``None``: the skeleton only.
    min_confidence
        Keypoints below this are ignored for the body box and base of support.
    body_window_s
        The body box of a frame covers the body from ``t - body_window_s`` to
        ``t + body_window_s``, so labels placed around it stay still.

    Attributes
    ----------
    moments
        The analysis's loading moments, in order (:func:`pronate.outputs.render.moments.in_order`).
    floor_angle
        Angle of the floor line in the image, radians (y down).
    view
        The camera's view, ``None`` without an analysis.
    """

    def __init__(
        self,
        pose: xr.Dataset,
        analysis: Analysis | None = None,
        *,
        min_confidence: float = 0.3,
        body_window_s: float = 0.25,
    ) -> None:
        n = pose.sizes["time"]
        metrics = analysis.metrics if analysis is not None else None
        self.fps = float(pose.attrs["fps"])
        self.frame_size = (int(pose.attrs["image_width"]), int(pose.attrs["image_height"]))
        self.min_confidence = min_confidence
        self._times = np.asarray(pose["time"].values, dtype=np.float64)
        self._rows = {int(f): i for i, f in enumerate(np.asarray(pose["frame"].values))}
        self._kp = np.asarray(pose["position"].sel(space=["x", "y"]).values, dtype=np.float64)
        self._conf = np.asarray(pose["confidence"].values, dtype=np.float64)
        self._stance = _stance(_metric(metrics, "stance", pose), n)
        self._com = np.stack(
            [
                _floats(_metric(metrics, "com_x_px", pose), n),
                _floats(_metric(metrics, "com_y_px", pose), n),
            ],
            axis=1,
        )
        self._margin = _floats(_metric(metrics, "com_margin_norm", pose), n)
        self._fppa = {
            side: _floats(_metric(metrics, f"knee_fppa_{side}_deg", pose), n) for side in SIDES
        }
        self._pelvis = _floats(_metric(metrics, "pelvic_obliquity_deg", pose), n)
        self._thigh_short = thigh_foreshortened(self._kp)
        self.moments = in_order(analysis.assessments) if analysis is not None else ()
        self.duration_s = float(self._times[-1] + 1.0 / self.fps) if n else 0.0
        if analysis is not None:
            # the camera's roll turns the y-up frame counter-clockwise: floor at -roll
            self.floor_angle = -math.radians(float(analysis.camera.roll_deg))
        else:
            self.floor_angle = estimate_floor_angle(
                self._kp, self._conf, self._stance, min_confidence=min_confidence
            )
        self.view = analysis.camera.view.view if analysis is not None else None
        model = analysis.model if analysis is not None else ""
        self._sigma = {
            name: float(uncertainty_of(name, model=model) or math.nan) if model else math.nan
            for name in ("knee_fppa_left_deg", "pelvic_obliquity_deg")
        }
        parts = body_part_boxes(self._kp, self._conf)
        self._parts = sweep_boxes(parts, half_window=max(0, round(body_window_s * self.fps)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)  # frames without a body
            boxes = np.concatenate(
                [np.nanmin(parts[..., :2], axis=1), np.nanmax(parts[..., 2:], axis=1)], axis=1
            )
        self.clip_body_box = robust_union(boxes)

    def __len__(self) -> int:
        return len(self._times)

    def _window_parts(self, row: int) -> tuple[BoxF, ...]:
        """Body parts swept over the time window around ``row``."""
        return tuple(finite_boxes(self._parts[row]))

    def __call__(self, index: int) -> FrameData:
        """Return the :class:`FrameData` of video frame ``index`` (the pose's ``frame``).

        A frame missing from the pose dataset gets unknown keypoints and no metrics.
        """
        row = self._rows.get(int(index))
        if row is None:
            time_s = index / self.fps
            moment = current_moment(self.moments, time_s=time_s)
            return FrameData(
                frame_size=self.frame_size,
                keypoints=np.full((len(KEYPOINTS), 2), np.nan),
                confidence=np.full(len(KEYPOINTS), np.nan),
                time_s=time_s,
                duration_s=self.duration_s,
                loaded_side=moment.moment.side if moment else None,
                verdict=moment.verdict if moment else None,
                moment=moment,
                moments=self.moments,
                clip_body_box=self.clip_body_box,
                view=self.view,
            )
        time_s = float(self._times[row])
        moment = current_moment(self.moments, time_s=time_s)
        stance = self._stance[row]
        com = self._com[row]
        margin = self._margin[row]
        return FrameData(
            frame_size=self.frame_size,
            keypoints=self._kp[row],
            confidence=self._conf[row],
            time_s=time_s,
            duration_s=self.duration_s,
            loaded_side=moment.moment.side if moment else stance,
            verdict=moment.verdict if moment else None,
            moment=moment,
            com_px=(float(com[0]), float(com[1])) if np.isfinite(com).all() else None,
            base_of_support=base_of_support(
                self._kp[row],
                self._conf[row],
                stance,
                floor_angle=self.floor_angle,
                min_confidence=self.min_confidence,
            ),
            com_inside=bool(margin >= 0) if np.isfinite(margin) else None,
            knee_fppa_deg={side: float(self._fppa[side][row]) for side in SIDES},
            thigh_foreshortened={side: bool(self._thigh_short[side][row]) for side in SIDES},
            pelvic_obliquity_deg=float(self._pelvis[row]),
            fppa_uncertainty_deg=self._sigma["knee_fppa_left_deg"],
            obliquity_uncertainty_deg=self._sigma["pelvic_obliquity_deg"],
            moments=self.moments,
            body_parts=self._window_parts(row),
            clip_body_box=self.clip_body_box,
            view=self.view,
        )


def frame_data_at(pose: xr.Dataset, analysis: Analysis | None, index: int) -> FrameData:
    """Return the :class:`FrameData` of video frame ``index`` of an analysed clip.

    A one-off convenience; for many frames build a :class:`FrameDataBuilder` once.

    Parameters
    ----------
    pose
        Pose dataset.
    analysis
        The clip's analysis (see the module docstring), or ``None``.
    index
        Video frame index (the pose dataset's ``frame`` coordinate).

    Returns
    -------
    FrameData
        What the annotators draw on that frame.
    """
    return FrameDataBuilder(pose, analysis)(index)

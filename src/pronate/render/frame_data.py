"""What an annotator may draw on one frame: :class:`FrameData`, and its builder.

Every position is in pixels of the *upright* frame (x to the right, y down), as in the pose
dataset (:mod:`pronate.schema`). :class:`FrameDataBuilder` assembles a ``FrameData`` for any
video frame from the three documented contracts of the analysis:

- the pose dataset (``position``, ``confidence``, coordinate ``frame``);
- the metrics dataset of :func:`pronate.kinematics.compute_metrics`, on the pose's ``time``
  axis, of which these variables are used (all optional; a missing one draws nothing):
  ``stance`` (``left``/``right``/``both``/``none``), ``com_x_px``, ``com_y_px``,
  ``com_margin_norm`` (positive = centre of mass inside the base of support),
  ``knee_fppa_left_deg``, ``knee_fppa_right_deg``, ``pelvic_obliquity_deg``;
- the loading moments (``summary["events"]``): dicts with ``side``, ``kind``, ``start_s``,
  ``peak_s``, ``end_s`` and ``verdict``.

Two attributes of the metrics dataset are used when present: ``roll_deg`` (camera roll,
counter-clockwise in a y-up frame, so the floor runs at ``-roll_deg`` in the image) and
``view`` (``front``, ``back``, ``left``, ``right``, ``oblique``).

The base of support drawn under the feet follows the rule of the analysis (the feet in
contact, each spanning its heel and toe points, widened by an estimated foot width) on a
floor line tilted by the camera roll (estimated from the heels in double stance when the
metrics carry no ``roll_deg``); it is a drawing aid, and its colour comes from
``com_margin_norm``, the analysis's own answer.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.keypoints import KEYPOINT_INDEX, KEYPOINTS, SIDES
from pronate.render.style import VERDICTS
from pronate.uncertainty import uncertainty_of

LOADED_SIDES: Final[tuple[str, ...]] = ("left", "right", "both")

BoxF = tuple[float, float, float, float]
PointF = tuple[float, float]

FOOT_WIDTH_PER_SHANK: Final[float] = 0.22
"""Foot width as a fraction of shank length (knee to ankle): about 0.055 and 0.246 of body
height in adult anthropometric tables, so 0.22. Used to widen the drawn base of support."""

HEAD_TOP_PER_NECK: Final[float] = 0.7
"""The top of the head lies this many nose-to-mid-shoulder distances above the nose."""

BODY_PAD: Final[float] = 0.07
"""Padding of the body-part boxes (limbs have width), as a fraction of the body's length
(torso plus mean leg, mid-shoulder -> mid-hip -> knee -> ankle): about 5 % of the standing
height, and unchanged by how the arms or legs move. When those keypoints are missing,
0.05 of the larger side of the keypoints' box is used."""

MAX_FLOOR_TILT_DEG: Final[float] = 15.0

MIN_THIGH_IMAGE_RATIO: Final[float] = 0.7
"""A knee angle is not labelled while the thigh's image is shorter than this fraction of its
length (the 90th percentile of its image length over the clip): the thigh then points
more than ~45 deg toward or away from the camera (the bottom of a deep squat seen from the
front, a knee lifted forward) and the 2-D FPPA says little about the knee (see
``fppa_max_depth`` in :mod:`pronate.thresholds`)."""
THIGH_LENGTH_PERCENTILE: Final[float] = 90.0


@dataclass(frozen=True, kw_only=True)
class LoadingMoment:
    """One loading moment of the clip, as the timeline and key frames show it.

    Attributes
    ----------
    number
        1-based position of the moment in the clip, by start time.
    side
        Loaded leg: ``left``, ``right`` or ``both``.
    kind
        What the moment is (``single_leg_stance``, ``squat``, ...).
    start_s, peak_s, end_s
        Times in seconds from the first frame.
    verdict
        One of :data:`pronate.render.style.VERDICTS`, or ``None`` when not assessed.
    """

    number: int
    side: str
    kind: str
    start_s: float
    peak_s: float
    end_s: float
    verdict: str | None

    def __post_init__(self) -> None:
        if self.side not in LOADED_SIDES:
            raise ValueError(f"moment side must be one of {LOADED_SIDES}, got {self.side!r}")
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"moment verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not self.start_s <= self.end_s:
            raise ValueError(f"moment ends ({self.end_s}) before it starts ({self.start_s})")

    def contains(self, *, time_s: float) -> bool:
        """Return whether ``time_s`` lies within the moment (ends included)."""
        return self.start_s <= time_s <= self.end_s

    @property
    def kind_words(self) -> str:
        """The kind in words: ``single_leg_stance`` -> ``single-leg stance``."""
        words = self.kind.replace("_", " ").replace("-", " ").strip()
        return words.replace("single leg", "single-leg").replace("step down", "step-down")


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
        The current loading moment, if any.
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
        All loading moments of the clip, by start time.
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
        The +/- of the knee and pelvis angles (:mod:`pronate.uncertainty`), NaN when not
        stated; drawn beside the values.
    """

    frame_size: tuple[int, int]
    keypoints: np.ndarray
    confidence: np.ndarray
    time_s: float = math.nan
    duration_s: float = math.nan
    loaded_side: str | None = None
    verdict: str | None = None
    moment: LoadingMoment | None = None
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
    moments: tuple[LoadingMoment, ...] = ()
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


_LIMBS: Final[tuple[tuple[str, str], ...]] = tuple(
    (f"{side}_{a}", f"{side}_{b}")
    for side in SIDES
    for a, b in (
        ("shoulder", "elbow"),
        ("elbow", "wrist"),
        ("hip", "knee"),
        ("knee", "ankle"),
        ("ankle", "heel"),
        ("heel", "foot_index"),
        ("ankle", "foot_index"),
    )
)
_HEAD_TOP = len(KEYPOINTS)  # extra points appended to the keypoints
_MID_SHOULDER = len(KEYPOINTS) + 1
_PART_GROUPS: Final[tuple[tuple[int, ...], ...]] = (
    *((KEYPOINT_INDEX[a], KEYPOINT_INDEX[b]) for a, b in _LIMBS),
    tuple(KEYPOINT_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")),
    *(
        (KEYPOINT_INDEX[f"{side}_{p}"],)
        for side in SIDES
        for p in ("wrist", "pinky", "index", "thumb")
    ),
    (*range(11), _HEAD_TOP),
    (KEYPOINT_INDEX["nose"], _MID_SHOULDER),
)
"""Keypoint groups whose padded boxes cover the body: limb segments, torso, hand points,
head (face points and the top of the head), neck. Every keypoint is in some group."""


def body_part_boxes(
    keypoints: np.ndarray, confidence: np.ndarray, *, min_confidence: float = 0.0
) -> np.ndarray:
    """Return the padded box of each body part (:data:`_PART_GROUPS`), NaN where unseen.

    The head reaches :data:`HEAD_TOP_PER_NECK` above the nose along the mid-shoulder ->
    nose direction. Boxes are padded for the limbs' width (:data:`BODY_PAD`).

    Parameters
    ----------
    keypoints
        Shape (..., 33, 2), pixels (any leading dims, e.g. time).
    confidence
        Shape (..., 33).
    min_confidence
        Keypoints below this are ignored. The default, 0, keeps every keypoint with a
        position: the body is there even where the model is unsure of it, and a label must
        not cover a leg because its keypoints have a low confidence.

    Returns
    -------
    numpy.ndarray
        Shape (..., n_parts, 4): ``x0, y0, x1, y1`` per part.
    """
    kp = np.array(keypoints, dtype=np.float64)
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.isfinite(kp).all(axis=-1) & (conf >= min_confidence)
    kp[~ok] = np.nan
    nose = kp[..., KEYPOINT_INDEX["nose"], :]
    mid = 0.5 * (
        kp[..., KEYPOINT_INDEX["left_shoulder"], :] + kp[..., KEYPOINT_INDEX["right_shoulder"], :]
    )
    top = nose + HEAD_TOP_PER_NECK * (nose - mid)
    pts = np.concatenate([kp, top[..., None, :], mid[..., None, :]], axis=-2)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN slices
        lo = np.nanmin(kp, axis=-2)
        hi = np.nanmax(kp, axis=-2)
        pad = _body_length(kp) * BODY_PAD
        fallback = 0.05 * np.maximum(np.max(hi - lo, axis=-1), 1.0)
        pad = np.where(np.isfinite(pad), pad, fallback)
        boxes = []
        for group in _PART_GROUPS:
            g = pts[..., list(group), :]
            boxes.append(np.concatenate([np.nanmin(g, axis=-2), np.nanmax(g, axis=-2)], axis=-1))
    out = np.stack(boxes, axis=-2)
    out += np.stack([-pad, -pad, pad, pad], axis=-1)[..., None, :]
    few = ok.sum(axis=-1) < 2
    out[few] = np.nan
    return out


def _body_length(kp: np.ndarray) -> np.ndarray:
    """Torso plus mean leg length (pixels) of keypoints (..., 33, 2); NaN if unknown."""

    def dist(a: str, b: str) -> np.ndarray:
        d = kp[..., KEYPOINT_INDEX[a], :] - kp[..., KEYPOINT_INDEX[b], :]
        return np.asarray(np.hypot(d[..., 0], d[..., 1]))

    legs = np.stack(
        [dist(f"{s}_hip", f"{s}_knee") + dist(f"{s}_knee", f"{s}_ankle") for s in SIDES]
    )
    mid_shoulder = 0.5 * (
        kp[..., KEYPOINT_INDEX["left_shoulder"], :] + kp[..., KEYPOINT_INDEX["right_shoulder"], :]
    )
    mid_hip = 0.5 * (
        kp[..., KEYPOINT_INDEX["left_hip"], :] + kp[..., KEYPOINT_INDEX["right_hip"], :]
    )
    torso = np.hypot(*np.moveaxis(mid_shoulder - mid_hip, -1, 0))
    return np.asarray(np.nanmean(legs, axis=0) + torso)


def _finite_boxes(boxes: np.ndarray) -> list[BoxF]:
    return [
        (float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes if np.isfinite(b).all()
    ]


def body_parts_of(
    keypoints: np.ndarray, confidence: np.ndarray, *, min_confidence: float = 0.0
) -> list[BoxF]:
    """Return boxes ``(x0, y0, x1, y1)`` that together cover the body, padded.

    One box per limb segment, one for the torso, one per hand point, the head and the neck
    (see :func:`body_part_boxes`). Finer than one box around everything, so a label can sit
    beside the knee below a raised arm.

    Parameters
    ----------
    keypoints
        Shape (33, 2), pixels.
    confidence
        Shape (33,).
    min_confidence
        Keypoints below this are ignored.

    Returns
    -------
    list of tuple of float
        The boxes of the parts seen; empty when fewer than two keypoints are usable.
    """
    return _finite_boxes(body_part_boxes(keypoints, confidence, min_confidence=min_confidence))


def union_box(boxes: Sequence[BoxF]) -> BoxF | None:
    """Return the box around ``boxes`` (``None`` for none)."""
    if not boxes:
        return None
    arr = np.asarray(boxes, dtype=np.float64)
    return (
        float(arr[:, 0].min()),
        float(arr[:, 1].min()),
        float(arr[:, 2].max()),
        float(arr[:, 3].max()),
    )


def body_box_of(
    keypoints: np.ndarray, confidence: np.ndarray, *, min_confidence: float = 0.0
) -> BoxF | None:
    """Return the box around :func:`body_parts_of`, or ``None`` without keypoints."""
    return union_box(body_parts_of(keypoints, confidence, min_confidence=min_confidence))


def moments_from_events(
    events: Sequence[Mapping[str, Any]] | Mapping[str, Any],
) -> tuple[LoadingMoment, ...]:
    """Turn the analysis's events (or a whole ``summary`` dict) into loading moments.

    Parameters
    ----------
    events
        A sequence of event dicts (``side``, ``kind``, ``start_s``, ``peak_s``, ``end_s``,
        ``verdict``), or a summary dict holding them under ``events``.

    Returns
    -------
    tuple of LoadingMoment
        Sorted by start time and numbered from 1.

    Raises
    ------
    ValueError
        For an event without times, or with an unknown side or verdict.
    """
    if isinstance(events, Mapping):
        events = list(events.get("events", []))
    parsed = []
    for i, event in enumerate(events):
        try:
            start, end = float(event["start_s"]), float(event["end_s"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"event {i} has no valid start_s/end_s: {event!r}") from exc
        peak = event.get("peak_s")
        peak_s = float(peak) if peak is not None and np.isfinite(peak) else (start + end) / 2
        verdict = event.get("verdict")
        parsed.append((start, peak_s, end, str(event.get("side")), event, verdict))
    parsed.sort(key=lambda item: (item[0], item[1]))
    return tuple(
        LoadingMoment(
            number=k + 1,
            side=side,
            kind=str(event.get("kind") or "loading"),
            start_s=start,
            peak_s=peak_s,
            end_s=end,
            verdict=None if verdict is None else str(verdict),
        )
        for k, (start, peak_s, end, side, event, verdict) in enumerate(parsed)
    )


def current_moment(moments: Sequence[LoadingMoment], *, time_s: float) -> LoadingMoment | None:
    """Return the moment containing ``time_s``; of overlapping ones, the nearest peak."""
    inside = [m for m in moments if m.contains(time_s=time_s)]
    if not inside:
        return None
    return min(inside, key=lambda m: (abs(m.peak_s - time_s), m.number))


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


def estimate_floor_angle(
    keypoints: np.ndarray,
    confidence: np.ndarray,
    stance: Sequence[str | None],
    *,
    min_confidence: float,
) -> float:
    """Estimate the floor's tilt in the image (radians, y down) from the heels.

    Uses frames with both feet in contact (all frames if ``stance`` is unknown) where the
    heels lie at least 0.3 shank apart across the image (not a side view): the median angle
    of the line through the two heels, clipped to +-15 degrees; 0 when there is no such
    frame.

    Parameters
    ----------
    keypoints
        Shape (time, 33, 2).
    confidence
        Shape (time, 33).
    stance
        Feet in contact per frame.
    min_confidence
        Keypoints below this are ignored.

    Returns
    -------
    float
        Angle of the floor direction (pointing to the image's right), radians.
    """
    lh, rh = KEYPOINT_INDEX["left_heel"], KEYPOINT_INDEX["right_heel"]
    lk, la = KEYPOINT_INDEX["left_knee"], KEYPOINT_INDEX["left_ankle"]
    d = keypoints[:, lh] - keypoints[:, rh]
    shank = np.linalg.norm(keypoints[:, lk] - keypoints[:, la], axis=1)
    usable = (
        (confidence[:, lh] >= min_confidence)
        & (confidence[:, rh] >= min_confidence)
        & np.isfinite(d).all(axis=1)
        & (np.abs(d[:, 0]) >= 0.3 * np.where(np.isfinite(shank), shank, np.inf))
    )
    if any(s is not None for s in stance):
        usable &= np.array([s == "both" for s in stance], dtype=bool)
    if not usable.any():
        return 0.0
    d = d[usable]
    d = np.where(d[:, :1] < 0, -d, d)  # point to the right
    angle = float(np.median(np.arctan2(d[:, 1], d[:, 0])))
    limit = math.radians(MAX_FLOOR_TILT_DEG)
    return float(np.clip(angle, -limit, limit))


def base_of_support(
    keypoints: np.ndarray,
    confidence: np.ndarray,
    stance: str | None,
    *,
    floor_angle: float,
    min_confidence: float,
) -> tuple[PointF, PointF] | None:
    """Return the base of support as a floor segment, or ``None``.

    The feet in contact (``stance``) each span their heel and toe points along the floor,
    widened by half a foot width (:data:`FOOT_WIDTH_PER_SHANK` of the shank) on each side;
    the segment lies on the floor line through the lowest of those points.

    Parameters
    ----------
    keypoints
        Shape (33, 2), pixels.
    confidence
        Shape (33,).
    stance
        ``left``, ``right``, ``both``; anything else gives ``None``.
    floor_angle
        Floor direction, radians, y down (see :func:`estimate_floor_angle`).
    min_confidence
        Keypoints below this are ignored.

    Returns
    -------
    tuple or None
        ``((x, y), (x, y))``, left end first.
    """
    if stance not in LOADED_SIDES:
        return None
    sides = SIDES if stance == "both" else (stance,)
    u = np.array([math.cos(floor_angle), math.sin(floor_angle)])
    n = np.array([-u[1], u[0]])  # floor normal, pointing down in the image
    along: list[float] = []
    down: list[float] = []
    for side in sides:
        pts = [
            keypoints[KEYPOINT_INDEX[f"{side}_{part}"]]
            for part in ("heel", "foot_index")
            if confidence[KEYPOINT_INDEX[f"{side}_{part}"]] >= min_confidence
            and np.isfinite(keypoints[KEYPOINT_INDEX[f"{side}_{part}"]]).all()
        ]
        if not pts:
            continue
        knee, ankle = (keypoints[KEYPOINT_INDEX[f"{side}_{p}"]] for p in ("knee", "ankle"))
        shank = float(np.linalg.norm(knee - ankle))
        half = 0.5 * FOOT_WIDTH_PER_SHANK * shank if np.isfinite(shank) else 0.0
        s = [float(p @ u) for p in pts]
        along += [min(s) - half, max(s) + half]
        down += [float(p @ n) for p in pts]
    if not along:
        return None
    level = max(down)
    a = min(along) * u + level * n
    b = max(along) * u + level * n
    return ((float(a[0]), float(a[1])), (float(b[0]), float(b[1])))


def thigh_foreshortened(
    keypoints: np.ndarray, *, min_ratio: float = MIN_THIGH_IMAGE_RATIO
) -> dict[str, np.ndarray]:
    """Per side, the frames where the thigh's image is shorter than ``min_ratio`` of its
    length (the :data:`THIGH_LENGTH_PERCENTILE` of its image length over the clip).

    Parameters
    ----------
    keypoints
        Shape (time, 33, 2): x, y of the keypoints in pixels; NaN where unknown.
    min_ratio
        See :data:`MIN_THIGH_IMAGE_RATIO`.

    Returns
    -------
    dict
        ``left`` / ``right`` to a boolean array (time); ``False`` where unknown.
    """
    out = {}
    for side in SIDES:
        hip, knee = (keypoints[:, KEYPOINT_INDEX[f"{side}_{p}"]] for p in ("hip", "knee"))
        length = np.hypot(*(knee - hip).T)
        known = np.isfinite(length)
        short = np.zeros(len(length), dtype=bool)
        if known.any():
            full = float(np.percentile(length[known], THIGH_LENGTH_PERCENTILE))
            short[known] = length[known] < min_ratio * full
        out[side] = short
    return out


class FrameDataBuilder:
    """Build the :class:`FrameData` of any video frame of an analysed clip.

    Arrays are extracted once, so calling the builder for every frame of a video is cheap.

    Parameters
    ----------
    pose
        Pose dataset (:mod:`pronate.schema`).
    metrics
        Metrics dataset on the pose's ``time`` axis (see the module docstring), or ``None``.
    events
        Loading moments: event dicts, or a summary dict holding them under ``events``.
    min_confidence
        Keypoints below this are ignored for the body box and base of support.
    body_window_s
        The body box of a frame covers the body from ``t - body_window_s`` to
        ``t + body_window_s``, so labels placed around it stay still.
    """

    def __init__(
        self,
        pose: xr.Dataset,
        metrics: xr.Dataset | None = None,
        events: Sequence[Mapping[str, Any]] | Mapping[str, Any] = (),
        *,
        min_confidence: float = 0.3,
        body_window_s: float = 0.25,
    ) -> None:
        n = pose.sizes["time"]
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
        self.moments = moments_from_events(events)
        self.duration_s = float(self._times[-1] + 1.0 / self.fps) if n else 0.0
        roll = metrics.attrs.get("roll_deg") if metrics is not None else None
        if roll is not None and np.isfinite(float(roll)):
            # the analysis's roll turns the y-up frame counter-clockwise: floor at -roll
            self.floor_angle = -math.radians(float(roll))
        else:
            self.floor_angle = estimate_floor_angle(
                self._kp, self._conf, self._stance, min_confidence=min_confidence
            )
        view = metrics.attrs.get("view") if metrics is not None else None
        self.view = str(view) if view else None
        model = str(metrics.attrs.get("model", "")) if metrics is not None else ""
        self._sigma = {
            name: float(uncertainty_of(name, model=model) or math.nan) if model else math.nan
            for name in ("knee_fppa_left_deg", "pelvic_obliquity_deg")
        }
        parts = body_part_boxes(self._kp, self._conf)
        self._parts = _sweep(parts, half_window=max(0, round(body_window_s * self.fps)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)  # frames without a body
            boxes = np.concatenate(
                [np.nanmin(parts[..., :2], axis=1), np.nanmax(parts[..., 2:], axis=1)], axis=1
            )
        self.clip_body_box = _robust_union(boxes)

    def __len__(self) -> int:
        return len(self._times)

    def _window_parts(self, row: int) -> tuple[BoxF, ...]:
        """Body parts swept over the time window around ``row``."""
        return tuple(_finite_boxes(self._parts[row]))

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
                loaded_side=moment.side if moment else None,
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
            loaded_side=moment.side if moment else stance,
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


def _sweep(parts: np.ndarray, *, half_window: int) -> np.ndarray:
    """Each part's box swept over ``row - half_window .. row + half_window`` (NaN-aware)."""
    out = parts.copy()
    n = len(parts)
    for shift in range(1, min(half_window, n - 1) + 1):  # a window beyond the clip adds nothing
        for a, b in (
            (slice(shift, n), slice(0, n - shift)),
            (slice(0, n - shift), slice(shift, n)),
        ):
            out[a, :, :2] = np.fmin(out[a, :, :2], parts[b, :, :2])
            out[a, :, 2:] = np.fmax(out[a, :, 2:], parts[b, :, 2:])
    return out


def _robust_union(boxes: np.ndarray) -> BoxF | None:
    ok = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(ok):
        return None
    return (
        float(np.percentile(ok[:, 0], 2)),
        float(np.percentile(ok[:, 1], 2)),
        float(np.percentile(ok[:, 2], 98)),
        float(np.percentile(ok[:, 3], 98)),
    )


def frame_data_at(
    pose: xr.Dataset,
    metrics: xr.Dataset | None,
    events: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    index: int,
) -> FrameData:
    """Return the :class:`FrameData` of video frame ``index`` of an analysed clip.

    A one-off convenience; for many frames build a :class:`FrameDataBuilder` once.

    Parameters
    ----------
    pose
        Pose dataset.
    metrics
        Metrics dataset (see the module docstring), or ``None``.
    events
        Event dicts, or a summary dict holding them under ``events``.
    index
        Video frame index (the pose dataset's ``frame`` coordinate).

    Returns
    -------
    FrameData
        What the annotators draw on that frame.
    """
    return FrameDataBuilder(pose, metrics, events)(index)

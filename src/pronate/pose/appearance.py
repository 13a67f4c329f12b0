"""What a person looks like: colour histograms of the torso and of each leg.

A person's clothes and skin tell them apart from the people around them far better than
where their box is. :func:`look_of` reads, from the frame, the colours inside the trunk
(from 30 % to 80 % of the way from the shoulders to the hips: below a bowed head) and along each leg
(thigh and shank, as thick lines) of a detection's keypoints, as normalised histograms in
HSV: coloured pixels by hue and saturation, grey ones (black, white, grey) by brightness.
:class:`AppearanceModel` is the mean of a person's first clear looks; :func:`similarity`
is the Bhattacharyya coefficient of two histograms (1: the same colours, 0: none shared).

The comparison only means something for comparable poses: :func:`is_comparable` asks for
an upright-ish torso; a part is read only where its keypoints are surely seen. A
backflip, a somersault or a body lying down is followed on motion alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np

from pronate.pose.keypoints import KEYPOINT_INDEX

PARTS: Final[tuple[str, ...]] = ("torso", "left_leg", "right_leg")
"""The parts a person is compared by."""
LEG_POINTS: Final[dict[str, tuple[int, int, int]]] = {
    side: (
        KEYPOINT_INDEX[f"{side}_hip"],
        KEYPOINT_INDEX[f"{side}_knee"],
        KEYPOINT_INDEX[f"{side}_ankle"],
    )
    for side in ("left", "right")
}
SHOULDERS: Final[tuple[int, int]] = (
    KEYPOINT_INDEX["left_shoulder"],
    KEYPOINT_INDEX["right_shoulder"],
)
HIPS: Final[tuple[int, int]] = (KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"])
BODY: Final[tuple[int, ...]] = (
    *SHOULDERS,
    *HIPS,
    *LEG_POINTS["left"][1:],
    *LEG_POINTS["right"][1:],
)
"""Shoulders, hips, knees, ankles: the points a comparable look needs."""
HUE_BINS = 12
GREY_BINS = 6
N_BINS = 2 * HUE_BINS + GREY_BINS
MIN_PIXELS = 40
"""A part with fewer pixels than this is not read."""
MIN_CONFIDENCE = 0.6
"""A look is learnt only when its shoulders, hips, knees and ankles are this sure..."""
PART_CONFIDENCE = 0.5
"""...and a part is read only when its keypoints are this sure."""
LOOK_HEIGHT = 320.0
"""A person is read shrunk to at most this many pixels tall (colours need no detail)."""
MAX_TILT_DEG = 55.0
"""A torso further than this from upright (in the picture) is not comparable."""


def histogram(hsv: np.ndarray) -> np.ndarray | None:
    """Normalised histogram of (n, 3) HSV pixels (OpenCV's 8-bit ranges), or ``None``
    for too few pixels: hue x 2 saturation levels for coloured pixels, brightness for
    grey ones."""
    if len(hsv) < MIN_PIXELS:
        return None
    h = hsv[:, 0].astype(np.int32)
    s = hsv[:, 1].astype(np.float32) / 255.0
    v = hsv[:, 2].astype(np.float32) / 255.0
    colour = (s > 0.25) & (v > 0.2)
    hue = np.minimum(h[colour] * HUE_BINS // 180, HUE_BINS - 1) * 2 + (s[colour] > 0.6)
    grey = 2 * HUE_BINS + np.minimum((v[~colour] * GREY_BINS).astype(np.int32), GREY_BINS - 1)
    counts = np.bincount(np.concatenate([hue, grey]), minlength=N_BINS).astype(np.float64)
    return counts / counts.sum()


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya coefficient of two normalised histograms, in [0, 1]."""
    return float(np.sum(np.sqrt(a * b)))


@dataclass(frozen=True)
class Look:
    """A person's part histograms in one frame (``None`` for a part not read: too few
    pixels, or its keypoints not surely seen), whether the pose is comparable (an upright
    torso, :func:`is_comparable`) and whether it is clear enough to learn from."""

    parts: dict[str, np.ndarray | None]
    comparable: bool
    clear: bool = False


def body_height(position: np.ndarray) -> float:
    """Height of a skeleton's keypoints (pixels)."""
    y = position[:, 1]
    return float(np.nanmax(y) - np.nanmin(y))


def is_comparable(position: np.ndarray) -> bool:
    """An upright-ish torso: looks of such poses can be compared."""
    up = position[list(SHOULDERS), :2].mean(axis=0) - position[list(HIPS), :2].mean(axis=0)
    tilt = np.degrees(np.arctan2(abs(up[0]), -up[1]))
    return bool(tilt <= MAX_TILT_DEG)


def is_clear(confidence: np.ndarray) -> bool:
    """Shoulders, hips, knees and ankles all surely seen."""
    return bool(np.all(confidence[list(BODY)] >= MIN_CONFIDENCE))


PART_POINTS: Final[dict[str, tuple[int, ...]]] = {
    "torso": (*SHOULDERS, *HIPS),
    "left_leg": LEG_POINTS["left"],
    "right_leg": LEG_POINTS["right"],
}


def part_masks(
    position: np.ndarray, shape: tuple[int, int], *, scale: float = 1.0
) -> tuple[dict[str, np.ndarray], tuple[int, int, int, int]]:
    """Masks of the parts in the skeleton's bounding box, drawn at ``scale``; return them
    and the box (x0, y0, x1, y1) in the frame's pixels."""
    h, w = shape
    xy = position[:, :2]
    height = max(body_height(position), 1.0)
    pad = 0.05 * height
    x0 = int(max(0, np.floor(np.nanmin(xy[:, 0]) - pad)))
    y0 = int(max(0, np.floor(np.nanmin(xy[:, 1]) - pad)))
    x1 = int(min(w, np.ceil(np.nanmax(xy[:, 0]) + pad)))
    y1 = int(min(h, np.ceil(np.nanmax(xy[:, 1]) + pad)))
    size = (max(round((y1 - y0) * scale), 1), max(round((x1 - x0) * scale), 1))
    local = (xy - np.array([x0, y0])) * scale
    height *= scale
    masks: dict[str, np.ndarray] = {}
    sh, hp = local[list(SHOULDERS)], local[list(HIPS)]
    top, low = sh + 0.3 * (hp - sh), sh + 0.8 * (hp - sh)  # the trunk, below the chin
    quad = np.array([top[0], top[1], low[1], low[0]])
    centre = quad.mean(axis=0)
    quad = centre + np.array([0.75, 1.0]) * (quad - centre)
    torso = np.zeros(size, np.uint8)
    cv2.fillPoly(torso, [np.round(quad).astype(np.int32)], 1)
    masks["torso"] = torso
    for side, (hip, knee, ankle) in LEG_POINTS.items():
        leg = np.zeros(size, np.uint8)
        thigh, shank = max(2, round(0.06 * height)), max(2, round(0.045 * height))
        p = np.round(local[[hip, knee, ankle]]).astype(np.int32)
        cv2.line(leg, tuple(p[0]), tuple(p[1]), 1, thigh)
        cv2.line(leg, tuple(p[1]), tuple(p[2]), 1, shank)
        masks[f"{side}_leg"] = leg
    return masks, (x0, y0, x1, y1)


def look_of(image: np.ndarray, position: np.ndarray, confidence: np.ndarray) -> Look:
    """The part histograms of a detection (``position`` (33, >=2) pixels) in an RGB frame,
    read on the person shrunk to :data:`LOOK_HEIGHT` pixels at most."""
    if not np.isfinite(position[list(BODY), :2]).all():
        return Look({p: None for p in PARTS}, comparable=False)
    scale = min(1.0, LOOK_HEIGHT / max(body_height(position), 1.0))
    masks, (x0, y0, x1, y1) = part_masks(position, image.shape[:2], scale=scale)
    first = next(iter(masks.values()))
    roi = np.ascontiguousarray(image[y0:y1, x0:x1])
    if roi.size == 0:
        return Look({p: None for p in PARTS}, comparable=False)
    if scale < 1.0:
        roi = cv2.resize(roi, (first.shape[1], first.shape[0]), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(roi, cv2.COLOR_RGB2HSV)
    parts: dict[str, np.ndarray | None] = {}
    for name, mask in masks.items():
        if np.any(confidence[list(PART_POINTS[name])] < PART_CONFIDENCE):
            parts[name] = None
            continue
        m = mask[: hsv.shape[0], : hsv.shape[1]].astype(bool)
        parts[name] = histogram(hsv[m])
    return Look(parts, comparable=is_comparable(position), clear=is_clear(confidence))


@dataclass
class AppearanceModel:
    """A person's look, the mean of up to :attr:`size` comparable looks. Both legs share
    one histogram (left and right labels may swap)."""

    size: int = 8
    torso: list[np.ndarray] = field(default_factory=list)
    legs: list[np.ndarray] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True once a comparable look with every part has been learnt."""
        return bool(self.torso) and bool(self.legs)

    def learn(self, look: Look) -> None:
        """Add a clear, comparable look whose parts were all read (others are ignored)."""
        if not (look.comparable and look.clear) or any(look.parts[p] is None for p in PARTS):
            return
        if len(self.torso) >= self.size:
            return
        self.torso.append(look.parts["torso"])  # type: ignore[arg-type]
        self.legs.append(0.5 * (look.parts["left_leg"] + look.parts["right_leg"]))  # type: ignore[operator]

    def scores(self, look: Look) -> dict[str, float]:
        """Similarity of each read part of ``look`` with the model (torso with the torso,
        each leg with the legs)."""
        if not self.ready:
            return {}
        torso = np.mean(self.torso, axis=0)
        legs = np.mean(self.legs, axis=0)
        out = {}
        for part, hist in look.parts.items():
            if hist is not None:
                out[part] = similarity(torso if part == "torso" else legs, hist)
        return out

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The mean torso and legs histograms (for a record or another tracker)."""
        return np.mean(self.torso, axis=0), np.mean(self.legs, axis=0)

    @classmethod
    def of(cls, torso: np.ndarray, legs: np.ndarray) -> AppearanceModel:
        """A model made of one torso and one legs histogram."""
        return cls(torso=[np.asarray(torso)], legs=[np.asarray(legs)])

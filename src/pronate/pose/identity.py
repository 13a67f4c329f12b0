"""Is this detection the subject? Motion, looks, and the people seen around them.

:class:`Identity` holds what the tracker knows of the subject (their look, learnt from
their first clear frames or handed over by the opening survey; where their hips were and
how fast they moved; their height in the picture) and of the other people seen so far
(their looks). :meth:`Identity.judge` says whether a detection continues the subject:

- **motion**: once the subject has been followed for a few frames, the hips may not jump
  further from where their speed predicts than a person can move (:data:`MAX_SPEED` body
  heights a second, plus the model's jitter);
- **looks** (the subject's first clear looks; for the trunk, also how it looked lately),
  for comparable poses (:func:`pronate.pose.appearance.is_comparable`): legs
  far from the subject's colours (:data:`FOREIGN`), or a look nearer to another person's
  than to the subject's, are someone else's, and so is a trunk that looks more like
  another person's (a skeleton made of two people); a single leg whose colours are
  foreign is another person's leg in a mixed skeleton, and is dropped (the trunk's
  colours change too much with the pose and the light to refuse on them alone);
- a jump is accepted only when the looks confirm the subject.

Extreme poses (a flip, a deep crouch, the body horizontal) are not comparable: there the
motion alone decides, so the subject is kept through them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from pronate.pose.appearance import HIPS, AppearanceModel, Look, look_of, similarity
from pronate.pose.keypoints import KEYPOINT_INDEX
from pronate.pose.landmarker import Box, Detection

MAX_SPEED: Final[float] = 6.0
"""Body heights a second the hips may move away from their predicted place."""
JITTER: Final[float] = 0.05
"""Body heights the model's hips may wander from one frame to the next."""
SETTLED: Final[int] = 3
"""Frames the subject must have been followed in a row before a jump counts."""
FOREIGN: Final[float] = 0.5
"""A part whose colours match the subject's less than this is someone else's."""
CONFIRM: Final[float] = 0.8
"""A jump is accepted only when every part matches the subject at least this well."""
NEARER: Final[float] = 0.1
"""A look this much more similar to another person than to the subject is theirs."""
CONTESTED: Final[float] = 0.4
"""When another person's box overlaps the subject's this much (intersection over union),
only a detection whose legs are both clearly the subject's is taken."""
MAX_OTHERS: Final[int] = 6
"""Other people remembered (the latest)."""
STALE_S: Final[float] = 1.5
"""Where another person was is trusted this long (moved on with their speed)."""
SAME_OTHER: Final[float] = 0.5
"""Two sightings of others whose hips are this close (body heights) are one person."""
LEGS: Final[tuple[str, str]] = ("left_leg", "right_leg")
LEG_DROP: Final[dict[str, tuple[int, ...]]] = {
    f"{side}_leg": tuple(
        KEYPOINT_INDEX[f"{side}_{k}"] for k in ("knee", "ankle", "heel", "foot_index")
    )
    for side in ("left", "right")
}
"""The keypoints dropped with a foreign leg."""


@dataclass(frozen=True)
class Verdict:
    """What :meth:`Identity.judge` says of a detection: accepted or not, why, the
    keypoints to drop (a foreign leg) and the detection's look."""

    accepted: bool
    reason: str
    look: Look
    drop: tuple[int, ...] = ()

    def applied(self, det: Detection) -> Detection:
        """The detection with the dropped keypoints' confidence set to 0."""
        if not self.drop:
            return det
        conf = det.confidence.copy()
        conf[list(self.drop)] = 0.0
        return Detection(position=det.position, confidence=conf, world=det.world)


def mid_hip(position: np.ndarray) -> np.ndarray:
    """Mid-hip (x, y) of a (33, >=2) skeleton."""
    return np.asarray(position[list(HIPS), :2].mean(axis=0), dtype=np.float64)


@dataclass
class Other:
    """Someone who is not the subject: their look (if read), and where and how fast they
    were when last seen."""

    model: AppearanceModel | None
    position: np.ndarray
    time_s: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def at(self, time_s: float) -> np.ndarray | None:
        """Their keypoints (33, 2) at ``time_s``, moved on with their speed; ``None`` when
        last seen too long ago."""
        dt = time_s - self.time_s
        if not 0 <= dt <= STALE_S:
            return None
        return np.asarray(self.position[:, :2] + self.velocity * dt)

    def overlap(self, box: Box, time_s: float) -> float:
        """Intersection over union of their box at ``time_s`` with ``box`` (0 when not
        known then)."""
        where = self.at(time_s)
        if where is None:
            return 0.0
        x0, y0 = np.nanmin(where, axis=0)
        x1, y1 = np.nanmax(where, axis=0)
        w = max(0.0, min(x1, box.x1) - max(x0, box.x0))
        h = max(0.0, min(y1, box.y1) - max(y0, box.y0))
        inter = w * h
        union = (x1 - x0) * (y1 - y0) + box.area - inter
        return float(inter / union) if union > 0 else 0.0

    def seen(self, position: np.ndarray, time_s: float, model: AppearanceModel | None) -> None:
        """A new sighting of them."""
        dt = time_s - self.time_s
        if dt > 0:
            self.velocity = (mid_hip(position) - mid_hip(self.position)) / dt
        self.position, self.time_s = position[:, :2].copy(), time_s
        if model is not None:
            self.model = model


@dataclass
class Identity:
    """What is known of the subject and of the others; see the module docstring."""

    model: AppearanceModel = field(default_factory=AppearanceModel)
    learn: bool = True
    """Learn the subject's look from their first comparable frames (off when the look was
    handed over)."""
    others: deque[Other] = field(default_factory=lambda: deque(maxlen=MAX_OTHERS))
    hip: np.ndarray | None = None
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    time_s: float = 0.0
    run: int = 0
    heights: deque[float] = field(default_factory=lambda: deque(maxlen=31))
    recent: np.ndarray | None = None
    """The subject's trunk as seen lately, while their legs matched (each sighting blended
    in by half): the trunk's colours change with the pose."""

    @property
    def height(self) -> float:
        """The subject's body height in the picture (median of the recent frames)."""
        return float(np.median(self.heights)) if self.heights else 0.0

    def look(self, image: np.ndarray, det: Detection) -> Look:
        """The detection's look in ``image``."""
        return look_of(image, det.position, det.confidence)

    def judge(self, det: Detection, image: np.ndarray, *, time_s: float) -> Verdict:
        """Whether ``det`` (seen at ``time_s`` in ``image``) continues the subject."""
        look = self.look(image, det)
        scores = self.model.scores(look) if look.comparable else {}
        trunk = look.parts.get("torso")
        if "torso" in scores and self.recent is not None and trunk is not None:
            scores["torso"] = max(scores["torso"], similarity(self.recent, trunk))
        jump = self._jump(det, time_s)
        if not scores:
            if jump:
                return Verdict(False, "jumped away from the subject", look)
            return Verdict(True, "", look)
        near = self._around(det.box, time_s)
        around = [(o.model.scores(look) if o.model is not None else {}) for o in near]
        if any(o.overlap(det.box, time_s) > CONTESTED for o in near):
            legs = [scores.get(p) for p in LEGS]
            if not all(v is not None and v >= CONFIRM for v in legs):
                return Verdict(False, "mixed up with another person in front or behind", look)
        foreign = {p for p in LEGS if scores.get(p, 1.0) < FOREIGN}
        nearer = {p for p in LEGS for t in around if t.get(p, 0.0) > scores.get(p, 1.0) + NEARER}
        foreign |= nearer
        if len(foreign) == 2:
            return Verdict(False, "legs of another person", look)
        kept = {p: v for p, v in scores.items() if p not in foreign}
        mine = float(np.mean(list(kept.values())))
        for theirs in around:
            same = [theirs[p] for p in kept if p in theirs]
            if same and float(np.mean(same)) > mine + NEARER:
                return Verdict(False, "looks like another person seen before", look)
            if "torso" in kept and theirs.get("torso", 0.0) > kept["torso"] + NEARER:
                return Verdict(False, "trunk of another person seen before", look)
        if jump and min(kept.values()) < CONFIRM:
            return Verdict(False, "jumped away from the subject", look)
        drop: tuple[int, ...] = ()
        for leg in foreign:
            other_leg = LEGS[1 - LEGS.index(leg)]
            if scores.get(other_leg, 0.0) >= CONFIRM:
                drop = LEG_DROP[leg]
            elif leg in nearer:
                return Verdict(False, "a leg of another person seen before", look)
        return Verdict(True, "leg of another person dropped" if drop else "", look, drop)

    def accept(self, det: Detection, look: Look, *, time_s: float) -> None:
        """Take ``det`` as the subject's sighting at ``time_s``."""
        hip = mid_hip(det.position)
        if self.hip is not None and self.run > 0 and time_s > self.time_s:
            self.velocity = (hip - self.hip) / (time_s - self.time_s)
        else:
            self.velocity = np.zeros(2)
        self.hip, self.time_s = hip, time_s
        self.run += 1
        self.heights.append(float(np.ptp(det.position[:, 1])))
        if self.learn:
            self.model.learn(look)
        trunk = look.parts.get("torso")
        scores = self.model.scores(look) if look.comparable else {}
        legs = [scores.get(p, 0.0) for p in ("left_leg", "right_leg")]
        if trunk is not None and min(legs) >= CONFIRM:
            self.recent = trunk if self.recent is None else 0.5 * (self.recent + trunk)

    def lost(self) -> None:
        """The subject was not seen in a frame: the next sighting starts a new run."""
        self.run = 0

    def note_other(self, det: Detection, look: Look, *, time_s: float) -> None:
        """Remember someone who is not the subject: where they are, and their look."""
        model: AppearanceModel | None = AppearanceModel(size=1)
        assert model is not None
        model.learn(look)
        if not model.ready:
            model = None
        hip = mid_hip(det.position)
        scale = max(float(np.ptp(det.position[:, 1])), 1.0)
        for other in self.others:
            where = other.at(time_s)
            if where is not None and np.linalg.norm(mid_hip(where) - hip) <= SAME_OTHER * scale:
                other.seen(det.position, time_s, model)
                return
        self.others.append(Other(model=model, position=det.position[:, :2].copy(), time_s=time_s))

    def others_near(self, box: Box, *, time_s: float, grow: float = 0.1) -> list[np.ndarray]:
        """Where the others are at ``time_s`` (keypoints, 33 x 2), of those whose box
        overlaps ``box`` grown by ``grow`` of its size."""
        return [o.at(time_s) for o in self._around(box, time_s, grow=grow)]  # type: ignore[misc]

    def _around(self, box: Box, time_s: float, *, grow: float = 0.2) -> list[Other]:
        """The others whose box at ``time_s`` overlaps ``box`` grown by ``grow``."""
        dx, dy = grow * box.width, grow * box.height
        out = []
        for other in self.others:
            where = other.at(time_s)
            if where is None:
                continue
            x0, y0 = np.nanmin(where, axis=0)
            x1, y1 = np.nanmax(where, axis=0)
            if x1 >= box.x0 - dx and x0 <= box.x1 + dx and y1 >= box.y0 - dy and y0 <= box.y1 + dy:
                out.append(other)
        return out

    def _jump(self, det: Detection, time_s: float) -> bool:
        """Did the hips move further than a person can since the last sighting?"""
        if self.hip is None or self.run < SETTLED or self.height <= 0:
            return False
        dt = max(time_s - self.time_s, 1e-3)
        if dt > 0.25:
            return False
        predicted = self.hip + self.velocity * dt
        moved = float(np.linalg.norm(mid_hip(det.position) - predicted)) / self.height
        return moved > JITTER + MAX_SPEED * dt

"""Everyone in the picture: a survey of the opening seconds (or up to a picked moment).

MediaPipe's person detector tends to return only the most prominent person of a picture.
:func:`people_in` looks again with the people already found greyed out, so that a second
and a third person are found too; poses that are not a person (a few weak points spread
over the picture) are dropped. :class:`Survey` links the people of sampled frames into
:class:`Person` tracks by where their hips are and what they look like.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from pronate.io.video import Frame
from pronate.pose.appearance import HIPS, SHOULDERS, AppearanceModel, Look, look_of
from pronate.pose.landmarker import Box, Detection, Landmarker

GREY: Final[int] = 127
"""The colour people already found are painted with before looking again."""
MIN_TORSO_CONFIDENCE: Final[float] = 0.5
"""A pose whose shoulders and hips are seen less surely than this is not a person."""
DUPLICATE_IOU: Final[float] = 0.5
"""Two poses whose boxes overlap this much are one person..."""
CONTAINED: Final[float] = 0.8
"""...as are two whose smaller box lies this much inside the larger one."""
LINK_SPEED: Final[float] = 2.0
"""Largest hip displacement between two sightings of a person, in body heights a second
(plus half a body height)."""
LINK_GAP_S: Final[float] = 1.0
"""Sightings further apart than this are one person only if they look alike..."""
LINK_LOOKS: Final[float] = 0.7
"""...this much (and never when their looks differ less than :data:`FOREIGN_LOOKS`)."""
FOREIGN_LOOKS: Final[float] = 0.5


def torso_box(det: Detection) -> Box:
    """Box of the shoulders and hips (steadier than the box of all 33 points)."""
    xy = det.position[list(SHOULDERS + HIPS), :2]
    return Box(x0=xy[:, 0].min(), y0=xy[:, 1].min(), x1=xy[:, 0].max(), y1=xy[:, 1].max())


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    inter = _intersection(a, b)
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0


def _intersection(a: Box, b: Box) -> float:
    w = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    h = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    return w * h


def same_person(a: Box, b: Box) -> bool:
    """Two boxes of one person: they overlap much, or one lies mostly inside the other."""
    inter = _intersection(a, b)
    smaller = min(a.area, b.area)
    return iou(a, b) >= DUPLICATE_IOU or (smaller > 0 and inter / smaller >= CONTAINED)


def is_person(det: Detection, *, width: int, height: int) -> bool:
    """A plausible person: shoulders and hips seen, the torso taller than a sliver, the
    body inside the picture."""
    if float(np.mean(det.confidence[list(SHOULDERS + HIPS)])) < MIN_TORSO_CONFIDENCE:
        return False
    box = det.box
    inside = Box(
        x0=max(box.x0, 0.0), y0=max(box.y0, 0.0), x1=min(box.x1, width), y1=min(box.y1, height)
    )
    if inside.area < 0.5 * box.area or box.height < 16:
        return False
    torso = torso_box(det)
    return torso.height >= 0.15 * box.height


def grey_out(image: np.ndarray, boxes: Iterable[Box]) -> np.ndarray:
    """A copy of ``image`` with the boxes (grown a little) painted grey."""
    out = image.copy()
    h, w = image.shape[:2]
    for b in boxes:
        dx, dy = 0.1 * b.width, 0.05 * b.height
        x0, y0 = max(0, int(b.x0 - dx)), max(0, int(b.y0 - dy))
        x1, y1 = min(w, int(np.ceil(b.x1 + dx))), min(h, int(np.ceil(b.y1 + dy)))
        out[y0:y1, x0:x1] = GREY
    return out


def people_in(image: np.ndarray, landmarker: Landmarker, *, max_people: int) -> list[Detection]:
    """The people of one RGB picture (``landmarker`` in IMAGE mode), most prominent first.

    Looks again with the people found so far greyed out, until nobody new is found or
    ``max_people`` are.
    """
    h, w = image.shape[:2]
    found: list[Detection] = []
    picture = image
    for _ in range(max_people):
        new = 0
        for d in landmarker.detect(picture, time_s=0.0):
            if is_person(d, width=w, height=h) and not any(
                same_person(d.box, f.box) for f in found
            ):
                found.append(d)
                new += 1
        if not new or len(found) >= max_people:
            break
        picture = grey_out(image, [d.box for d in found])
    return found[:max_people]


@dataclass(frozen=True)
class Sighting:
    """A person seen in one sampled frame."""

    frame: int
    time_s: float
    det: Detection
    look: Look

    @property
    def box(self) -> Box:
        return self.det.box

    @property
    def hip(self) -> np.ndarray:
        return np.asarray(self.det.position[list(HIPS), :2].mean(axis=0))


@dataclass
class Person:
    """One person of the survey: their sightings in time order, numbered from 1 in the
    order they were first seen."""

    number: int
    sightings: list[Sighting] = field(default_factory=list)

    @property
    def first(self) -> Sighting:
        return self.sightings[0]

    @property
    def height(self) -> float:
        """Median box height."""
        return float(np.median([s.box.height for s in self.sightings]))

    def at(self, frame: int) -> Sighting | None:
        """The sighting in ``frame``, if any."""
        return next((s for s in self.sightings if s.frame == frame), None)

    def model(self) -> AppearanceModel:
        """Their look, from their comparable sightings."""
        model = AppearanceModel()
        for s in self.sightings:
            model.learn(s.look)
        return model


@dataclass
class Survey:
    """People seen in sampled frames; :meth:`add` links each frame's people to the people
    seen before. ``images`` keeps the picture of every frame where someone was first seen
    (for the picture of the choice)."""

    width: int
    height: int
    frames: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    images: dict[int, np.ndarray] = field(default_factory=dict)

    def add(self, frame: Frame, dets: list[Detection]) -> None:
        """Link the people of a sampled frame to those seen before."""
        self.frames.append(frame.index)
        self.times.append(frame.time_s)
        sightings = [
            Sighting(frame.index, frame.time_s, d, look_of(frame.image, d.position, d.confidence))
            for d in dets
        ]
        pairs = sorted(
            (cost, i, k)
            for i, s in enumerate(sightings)
            for k, p in enumerate(self.people)
            if (cost := self._cost(p, s)) is not None
        )
        used_s: set[int] = set()
        used_p: set[int] = set()
        for _, i, k in pairs:
            if i in used_s or k in used_p:
                continue
            self.people[k].sightings.append(sightings[i])
            used_s.add(i)
            used_p.add(k)
        for i, s in enumerate(sightings):
            if i not in used_s:
                self.people.append(Person(number=len(self.people) + 1, sightings=[s]))
                self.images.setdefault(frame.index, frame.image)

    def _cost(self, person: Person, s: Sighting) -> float | None:
        """How well a sighting continues a person (lower is better); ``None``: not them."""
        last = person.sightings[-1]
        if last.frame >= s.frame:
            return None
        height = max(last.box.height, s.box.height, 1.0)
        dt = s.time_s - last.time_s
        moved = float(np.linalg.norm(s.hip - last.hip)) / height
        if moved > 0.5 + LINK_SPEED * dt:
            return None
        ratio = s.box.height / max(last.box.height, 1.0)
        if not 0.5 <= ratio <= 2.0:
            return None
        model = person.model()
        scores = model.scores(s.look) if s.look.comparable else {}
        alike = float(np.mean(list(scores.values()))) if scores else None
        if alike is not None and alike < FOREIGN_LOOKS:
            return None
        if dt > LINK_GAP_S and (alike is None or alike < LINK_LOOKS):
            return None
        return moved + 0.5 * (1.0 - alike if alike is not None else 0.5)

    def seen_in(self, frame: int) -> list[Person]:
        """The people with a sighting in ``frame``."""
        return [p for p in self.people if p.at(frame) is not None]

    @property
    def first_frame(self) -> int | None:
        """The first sampled frame where anyone is seen."""
        seen = [p.first.frame for p in self.people]
        return min(seen) if seen else None


def sample_step(fps: float, rate_hz: float) -> int:
    """Frames between two samples of the survey."""
    return max(1, round(fps / rate_hz))


def run_survey(
    frames: Iterable[Frame],
    landmarker: Landmarker,
    *,
    width: int,
    height: int,
    step: int,
    max_people: int,
) -> Survey:
    """Look for everyone in every ``step``-th frame of ``frames``."""
    survey = Survey(width=width, height=height)
    for frame in frames:
        if frame.index % step:
            continue
        survey.add(frame, people_in(frame.image, landmarker, max_people=max_people))
    return survey

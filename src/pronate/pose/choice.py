"""Who is the client: the performer among the people of the survey, or the one picked.

Without ``--pick`` the client is the person who *performs*: whose hips and legs move
(squats, steps, balances), whose whole body is in view, near the middle of the picture,
seen all along, and not much smaller than the largest person. A small person away from
the middle (a call's self-view tile, someone in the background) counts half. Size alone
never decides: a partner who stands still nearer the camera is not the client.

:class:`Choice` is what the tracker needs (the chosen person's first sighting and looks,
the others' looks) and what ``summary.json`` records (``subject``: who and why, every
person with their box and scores).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from pronate.errors import InputError
from pronate.pose.appearance import AppearanceModel
from pronate.pose.identity import Other
from pronate.pose.keypoints import KEYPOINT_INDEX
from pronate.pose.landmarker import Box
from pronate.pose.people import Person, Survey

LOWER: Final[tuple[int, ...]] = tuple(
    KEYPOINT_INDEX[f"{s}_{k}"] for s in ("left", "right") for k in ("hip", "knee", "ankle")
)
VIEW_POINTS: Final[tuple[int, ...]] = (
    KEYPOINT_INDEX["nose"],
    *(
        KEYPOINT_INDEX[f"{s}_{k}"]
        for s in ("left", "right")
        for k in ("shoulder", "hip", "knee", "ankle")
    ),
)
MOTION_FULL: Final[float] = 0.06
"""Movement of the hips and legs (standard deviation, body heights) that counts in full."""
WEIGHTS: Final[dict[str, float]] = {
    "motion": 0.4,
    "full_body": 0.2,
    "central": 0.15,
    "size": 0.1,
    "presence": 0.15,
}
SMALL: Final[float] = 0.6
"""A person smaller than this fraction of the largest one..."""
OFF_CENTRE: Final[float] = 0.5
"""...and less central than this counts half (a self-view tile, the background)."""


@dataclass(frozen=True)
class Pick:
    """A pixel of the picture, at a time of the clip (``None``: the first frame where
    anyone is seen)."""

    x: float
    y: float
    time_s: float | None = None

    def record(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "time_s": self.time_s}


def motion(person: Person) -> float:
    """How much the hips and legs moved: the standard deviation of the hips, knees and
    ankles relative to the mid-hip, and of the mid-hip's height, in body heights."""
    if len(person.sightings) < 2:
        return 0.0
    height = max(person.height, 1.0)
    pos = np.array([s.det.position[:, :2] for s in person.sightings])
    hip = pos[:, [LOWER[0], LOWER[3]], :].mean(axis=1)
    legs = pos[:, list(LOWER), :] - hip[:, None, :]
    articulation = float(np.mean(np.std(legs, axis=0))) / height
    bounce = float(np.std(hip[:, 1])) / height
    return articulation + bounce


def full_body(person: Person, *, width: int, height: int) -> float:
    """Median fraction of the head, shoulders, hips, knees and ankles seen inside the
    picture."""
    fractions = []
    for s in person.sightings:
        p, c = s.det.position[list(VIEW_POINTS), :2], s.det.confidence[list(VIEW_POINTS)]
        inside = (p[:, 0] >= 0) & (p[:, 0] < width) & (p[:, 1] >= 0) & (p[:, 1] < height)
        fractions.append(float(np.mean(inside & (c >= 0.5))))
    return float(np.median(fractions))


def centrality(person: Person, *, width: int, height: int) -> float:
    """1 at the middle of the picture, 0 in a corner (median over the sightings)."""
    half_diagonal = 0.5 * float(np.hypot(width, height))
    d = [
        np.hypot(s.box.centre[0] - width / 2, s.box.centre[1] - height / 2)
        for s in person.sightings
    ]
    return float(max(0.0, 1.0 - np.median(d) / half_diagonal))


@dataclass(frozen=True)
class Scores:
    """Why a person is (or is not) the client; each in [0, 1] but ``motion_raw``."""

    motion_raw: float
    motion: float
    full_body: float
    central: float
    size: float
    presence: float
    score: float

    def record(self) -> dict[str, float]:
        return {k: round(float(v), 3) for k, v in self.__dict__.items()}


def score_people(survey: Survey) -> dict[int, Scores]:
    """Scores of every person of the survey, by number."""
    if not survey.people:
        return {}
    tallest = max(p.height for p in survey.people)
    first = survey.first_frame or 0
    samples = max(1, sum(1 for f in survey.frames if f >= first))
    out = {}
    for p in survey.people:
        raw = motion(p)
        parts = {
            "motion": min(raw / MOTION_FULL, 1.0),
            "full_body": full_body(p, width=survey.width, height=survey.height),
            "central": centrality(p, width=survey.width, height=survey.height),
            "size": p.height / max(tallest, 1.0),
            "presence": min(1.0, len(p.sightings) / samples),
        }
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        if parts["size"] < SMALL and parts["central"] < OFF_CENTRE:
            score *= 0.5
        out[p.number] = Scores(motion_raw=raw, score=score, **parts)
    return out


CLOSE_CALL: Final[float] = 0.9
"""Another person whose score reaches this share of the chosen performer's makes the
choice a close call, said as a warning."""

REASONS: Final[dict[str, str]] = {
    "motion": "moves their hips and legs the most",
    "full_body": "is seen whole",
    "central": "is nearest the middle of the picture",
    "size": "is the largest",
    "presence": "is seen all along",
}


@dataclass
class Choice:
    """The client chosen among the people of a survey."""

    person: Person
    chosen_by: str
    reason: str
    survey: Survey
    scores: dict[int, Scores]
    pick: Pick | None = None

    @property
    def frame(self) -> int:
        """The frame where the client is first seen (tracking starts there)."""
        return self.person.first.frame

    @property
    def box(self) -> Box:
        return self.person.first.box

    @property
    def targets(self) -> bool:
        """Whether the tracker must take this person in particular (several people were
        seen, or one was picked); else the first person it sees is them."""
        return self.chosen_by != "only_person"

    def model(self) -> AppearanceModel:
        """The client's looks."""
        return self.person.model()

    def others(self) -> list[Other]:
        """Everyone else: their looks, and where and how fast they were last seen."""
        out = []
        for p in self.survey.people:
            if p is self.person:
                continue
            last = p.sightings[-1]
            model = p.model()
            other = Other(
                model=model if model.ready else None,
                position=last.det.position[:, :2].copy(),
                time_s=last.time_s,
            )
            if len(p.sightings) > 1:
                before = p.sightings[-2]
                other.velocity = (last.hip - before.hip) / max(last.time_s - before.time_s, 1e-6)
            out.append(other)
        return out

    def close_call(self) -> str | None:
        """The user's warning when someone else scores almost as high as the performer
        chosen (within :data:`CLOSE_CALL`): who was taken, and how to take the other."""
        if self.chosen_by != "performer":
            return None
        best = self.scores[self.person.number].score
        rivals = [
            p
            for p in self.survey.people
            if p is not self.person and self.scores[p.number].score >= CLOSE_CALL * best
        ]
        if not rivals:
            return None
        rival = max(rivals, key=lambda p: self.scores[p.number].score)
        (x, y), s = self.box.centre, rival.first
        rx, ry = s.box.centre
        return (
            f"two people could be the client: the one at ({x:.0f}, {y:.0f}) px was taken; "
            f"to take the other, give --pick {s.time_s:.2f}:{rx:.0f},{ry:.0f}"
        )

    def record(self) -> dict[str, Any]:
        """``summary.json["subject"]``: who, why, and everyone seen with their box in the
        picture's frame (their first sighting if they are not in it)."""
        first = self.person.first
        people = []
        for p in self.survey.people:
            s = p.at(first.frame) or p.first
            box = s.box
            people.append(
                {
                    "number": p.number,
                    "chosen": p is self.person,
                    "frame": s.frame,
                    "time_s": round(s.time_s, 4),
                    "box": [round(v, 1) for v in (box.x0, box.y0, box.x1, box.y1)],
                    "seen_in_samples": len(p.sightings),
                    "scores": self.scores[p.number].record(),
                }
            )
        box = first.box
        return {
            "chosen_by": self.chosen_by,
            "reason": self.reason,
            "number": self.person.number,
            "frame": first.frame,
            "time_s": round(first.time_s, 4),
            "box": [round(v, 1) for v in (box.x0, box.y0, box.x1, box.y1)],
            "pick": self.pick.record() if self.pick else None,
            "people": people,
            "samples": len(self.survey.frames),
        }


def _why(best: Person, scores: dict[int, Scores]) -> str:
    rivals = [s for n, s in scores.items() if n != best.number]
    mine = scores[best.number]
    better = [
        text
        for key, text in REASONS.items()
        if all(getattr(mine, key) > getattr(r, key) + 0.05 for r in rivals)
    ]
    others = len(rivals)
    tail = f", of {others + 1} people"
    return f"person {best.number} " + (", ".join(better) if better else "scores highest") + tail


def choose(survey: Survey, *, pick: Pick | None = None) -> Choice | None:
    """The client among the survey's people: the one at ``pick``, else the performer.

    Returns ``None`` when nobody was seen.

    Raises
    ------
    InputError
        When nobody is at the picked pixel (near the picked time).
    """
    scores = score_people(survey)
    if not survey.people:
        return None
    if pick is not None:
        person = _picked(survey, pick)
        how, reason = "pick", f"person {person.number}, at the picked pixel"
    elif len(survey.people) == 1:
        person = survey.people[0]
        how, reason = "only_person", "the only person seen"
    else:
        person = max(survey.people, key=lambda p: (scores[p.number].score, -p.number))
        how, reason = "performer", _why(person, scores)
    return Choice(
        person=person, chosen_by=how, reason=reason, survey=survey, scores=scores, pick=pick
    )


def _picked(survey: Survey, pick: Pick) -> Person:
    """The person whose box holds the picked pixel: in the first frame where anyone is
    seen (without a time), else in the sampled frame nearest the time (or the nearest
    frame within half a second where someone is there)."""
    if pick.time_s is None:
        frames = sorted(survey.frames)
    else:
        t = np.asarray(survey.times)
        order = np.argsort(np.abs(t - pick.time_s))
        frames = [survey.frames[i] for i in order if abs(t[i] - pick.time_s) <= 0.5]
    for frame in frames:
        inside = [
            p
            for p in survey.seen_in(frame)
            if p.at(frame).box.contains(pick.x, pick.y)  # type: ignore[union-attr]
        ]
        if inside:
            return min(inside, key=lambda p: _distance(p, frame, pick))
    when = "" if pick.time_s is None else f" at {pick.time_s:g} s"
    seen = ", ".join(_where(p) for p in survey.people) or "nobody"
    raise InputError(f"--pick: nobody at {pick.x:g},{pick.y:g}{when}; people seen: {seen}")


def _distance(person: Person, frame: int, pick: Pick) -> float:
    s = person.at(frame)
    assert s is not None
    cx, cy = s.box.centre
    return float(np.hypot(cx - pick.x, cy - pick.y))


def _where(person: Person) -> str:
    s = person.first
    b = s.box
    return (
        f"person {person.number} at {b.x0:.0f},{b.y0:.0f}-{b.x1:.0f},{b.y1:.0f} ({s.time_s:.2f} s)"
    )

"""Whom a tracking followed in a composed scene, keypoint by keypoint.

Each tracked body keypoint (shoulders, hips, knees, ankles) is given to the person of the
scene whose keypoint of the same name (left or right: the model may swap them) lies
within :data:`TOLERANCE` of their body height and clearly nearer than anyone else's. A
frame's skeleton belongs to the person who owns most of its keypoints; it is *mixed*
when two people own at least two keypoints each; an *identity switch* is a change of
owner from one followed frame to the next.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from crowd import Scene

PAIRS = ((11, 12), (23, 24), (25, 26), (27, 28))
"""Shoulders, hips, knees, ankles (left, right)."""
TOLERANCE = 0.2
"""A keypoint is a person's when within this fraction of their height of theirs..."""
CLEAR = 1.5
"""...and this many times nearer to it than to anyone else's."""
VISIBLE = 0.2
"""A person hidden by less than this fraction is visible."""
MIN_CONFIDENCE = 0.2
"""Keypoints the analysis keeps (the clean-up's default)."""


@dataclass
class Following:
    """What a tracking followed in a scene (frame indices)."""

    frames: int
    visible: list[int] = field(default_factory=list)
    followed: list[int] = field(default_factory=list)
    other: list[int] = field(default_factory=list)
    mixed: list[int] = field(default_factory=list)
    owners: list[str | None] = field(default_factory=list)

    @property
    def missed(self) -> list[int]:
        """Visible frames of the intended person that were not followed."""
        return sorted(set(self.visible) - set(self.followed))

    @property
    def switches(self) -> int:
        """Changes of owner between followed frames (gaps do not count)."""
        seq = [o for o in self.owners if o is not None]
        return sum(a != b for a, b in itertools.pairwise(seq))

    def line(self) -> str:
        """One line for a log or an assertion message."""
        seen = len(set(self.visible) & set(self.followed))
        return (
            f"followed {seen}/{len(self.visible)} visible frames "
            f"({len(self.followed)}/{self.frames} in all), "
            f"{len(self.other)} of another person, {len(self.mixed)} mixed, "
            f"{self.switches} switches; missed {self.missed[:12]}, other {self.other[:12]}"
        )


def owner_of(point: np.ndarray, pair: tuple[int, int], scene: Scene, t: int) -> str | None:
    """The person this tracked keypoint belongs to in frame ``t``, if clear."""
    dist: dict[str, float] = {}
    for name, actor in scene.actors.items():
        ref = actor.truth[t, list(pair)]
        d = np.linalg.norm(ref - point, axis=1)
        if np.isfinite(d).any():
            dist[name] = float(np.nanmin(d))
    if not dist:
        return None
    best = min(dist, key=dist.__getitem__)
    if dist[best] > TOLERANCE * scene.actors[best].height:
        return None
    if any(d <= CLEAR * dist[best] for n, d in dist.items() if n != best):
        return None
    return best


def following(
    scene: Scene, position: np.ndarray, confidence: np.ndarray, *, intended: str | None = None
) -> Following:
    """Score a tracking (position (n, 33, >=2), confidence (n, 33), NaN where nobody was
    followed) against the scene's people; ``intended``: the person meant (default: the
    scene's performer)."""
    intended = intended or scene.performer
    me = scene.actors[intended]
    n = min(len(position), len(me.truth))
    out = Following(frames=n)
    for t in range(n):
        present = np.isfinite(me.truth[t, [23, 24], 0]).any()
        if present and me.occluded[t] < VISIBLE:
            out.visible.append(t)
        owners: Counter[str] = Counter()
        for pair in PAIRS:
            for k in pair:
                if not confidence[t, k] >= MIN_CONFIDENCE:
                    continue
                who = owner_of(position[t, k, :2], pair, scene, t)
                if who is not None:
                    owners[who] += 1
        others = [n for n, c in owners.items() if n != intended and c >= 2]
        if others:
            out.other.append(t)
            if owners[intended] >= 2:
                out.mixed.append(t)
        elif owners[intended] >= 4 and present:
            out.followed.append(t)
        top = owners.most_common(1)
        out.owners.append(top[0][0] if top and top[0][1] >= 3 else None)
    return out

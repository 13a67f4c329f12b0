"""From the scan's per-frame findings to the stretches worth analysing (pure).

The scan looks at a few frames a second and says, for each, whether a whole body is in
view. A stretch is a run of such frames: short misses inside it are bridged, runs too
short to hold a loading are dropped, a margin is added on both sides (clipped to the
recording, never across a cut to another scene), runs of the same body that lie
close are merged into one stretch, and runs on either side of a cut (the body's box
jumps: another scene) are kept apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stretch:
    """A part of the recording, in seconds of the recording's clock (``end_s`` excluded)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, kw_only=True)
class StretchRules:
    """How findings become stretches.

    Attributes
    ----------
    bridge_s
        Misses (no whole body) up to this long between two sightings of the same body
        are bridged.
    min_seen_s
        A run of sightings shorter than this (first to last sighting plus one step) is
        dropped: too short for a loading moment, most likely a false sighting.
    margin_s
        Added before and after each run, but never across a cut (frames of a talking
        head or of the next scene at a stretch's edge give false moments where the
        picture cuts) nor into the next run.
    merge_gap_s
        Runs of the same body whose margins come closer than this are merged into one
        stretch.
    jump
        Two sightings are of another scene (a cut) when the body's height changes by
        more than this factor (a squat halves it), or its feet (the bottom middle of its
        box) move by more than half its height.
    """

    bridge_s: float = 1.0
    min_seen_s: float = 0.5
    margin_s: float = 1.5
    merge_gap_s: float = 1.0
    jump: float = 3.0


Box = tuple[float, float, float, float]


def same_body(a: Box | None, b: Box | None, *, jump: float) -> bool:
    """Could boxes ``a`` and ``b`` (x0, y0, x1, y1) be the same body a moment apart (no
    cut between them)? Unknown boxes (``None`` or NaN) are taken as the same."""
    if a is None or b is None or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return True
    ha, hb = a[3] - a[1], b[3] - b[1]
    if min(ha, hb) <= 0:
        return True
    if max(ha, hb) / min(ha, hb) > jump:
        return False
    feet_a, feet_b = ((a[0] + a[2]) / 2, a[3]), ((b[0] + b[2]) / 2, b[3])
    moved = np.hypot(feet_a[0] - feet_b[0], feet_a[1] - feet_b[1])
    return bool(moved <= 0.5 * max(ha, hb))


def find_stretches(
    times: Sequence[float] | np.ndarray,
    seen: Sequence[bool] | np.ndarray,
    *,
    duration_s: float,
    boxes: Sequence[Box] | np.ndarray | None = None,
    cuts: Sequence[float] | np.ndarray = (),
    rules: StretchRules = StretchRules(),
) -> list[Stretch]:
    """The stretches of a recording where a whole body is in view.

    Parameters
    ----------
    times
        Times (s, increasing) of the frames the scan looked at.
    seen
        For each, whether a whole body was in view.
    duration_s
        The recording's length: stretches end at most there.
    boxes
        For each, the body's box (x0, y0, x1, y1; NaN when none): a jump between two
        sightings is a cut, and the stretches on either side are kept apart (each gets
        its own camera and subject).
    cuts
        Times where the picture cuts to another scene: a stretch never reaches across
        one, and runs with a cut between them are never merged.
    rules
        See :class:`StretchRules`.

    Returns
    -------
    list of Stretch
        In time order, not overlapping.
    """
    t = np.asarray(times, dtype=np.float64)
    ok = np.asarray(seen, dtype=bool)
    if t.shape != ok.shape:
        raise ValueError("times and findings differ in length")
    if t.size == 0 or not ok.any():
        return []
    b = None if boxes is None else np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    step = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    cut_times = np.sort(np.asarray(cuts, dtype=np.float64))

    def cut_between(a: float, b: float) -> bool:
        return bool(np.any((cut_times > a + 1e-9) & (cut_times <= b + 1e-9)))

    def box(i: int) -> Box | None:
        return None if b is None else (b[i, 0], b[i, 1], b[i, 2], b[i, 3])

    runs: list[list[int]] = []  # [first index, last index]
    for i in (int(v) for v in np.flatnonzero(ok)):
        if runs:
            last = runs[-1][1]
            near = t[i] - t[last] <= rules.bridge_s + step + 1e-9
            if (
                near
                and same_body(box(last), box(i), jump=rules.jump)
                and not cut_between(float(t[last]), float(t[i]))
            ):
                runs[-1][1] = i
                continue
        runs.append([i, i])
    runs = [r for r in runs if t[r[1]] + step - t[r[0]] >= rules.min_seen_s - 1e-9]
    merged: list[list[int]] = []
    for r in runs:
        if merged:
            prev = merged[-1]
            gap = t[r[0]] - (t[prev[1]] + step)
            close = gap < 2 * rules.margin_s + rules.merge_gap_s
            if (
                close
                and same_body(box(prev[1]), box(r[0]), jump=rules.jump)
                and not cut_between(float(t[prev[1]]), float(t[r[0]]))
            ):
                prev[1] = r[1]
                continue
        merged.append(list(r))
    out: list[Stretch] = []
    for k, (first, last) in enumerate(merged):
        start = max(float(t[first]) - rules.margin_s, 0.0)
        end = min(float(t[last]) + step + rules.margin_s, duration_s)
        if k > 0:  # never into the run before
            start = max(start, (float(t[merged[k - 1][1]]) + step + float(t[first])) / 2)
        if k + 1 < len(merged):
            end = min(end, (float(t[last]) + step + float(t[merged[k + 1][0]])) / 2)
        before = cut_times[cut_times <= t[first] + 1e-9]
        after = cut_times[cut_times > t[last] + 1e-9]
        if before.size:  # never across a cut: that is another scene
            start = max(start, float(before[-1]))
        if after.size:
            end = min(end, float(after[0]))
        if end > start:
            out.append(Stretch(start, end))
    return out

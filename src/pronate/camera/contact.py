"""Ground contact of each foot, frame by frame, from upright image positions.

The positions are those of :mod:`pronate.camera.stance` (pixels, y up, camera roll removed, a
fixed camera); each foot is compared with where it was planted, never with a floor level
taken over the whole clip.

Rules (lengths in leg lengths, speeds in leg lengths per second, see :class:`ContactRules`)
------------------------------------------------------------------------------------------
leg length
    Thigh + shank (hip -> knee -> ankle), the 90th percentile over frames of the mean of
    both legs (straight-leg frames), in the units of the points.
contact points
    Each foot is followed through three keypoints: heel, foot_index and ankle. A foot is
    on the ground while *any* of them is planted (a heel rise on a planted toe is still
    contact; an occluded heel does not end a contact the toe still shows).
rest
    A stretch of at least ``rest_min_s`` where a point is still: slower than
    ``rest_speed`` (positions smoothed over ``smooth_s``), or staying within
    ``dwell_radius`` of its median without rising more than ``dwell_rise`` above it (a
    planted keypoint that wobbles, e.g. while the other leg crosses in front of it).
planted (one point)
    A rest is a ground contact when
    (a) it starts where the point is first seen (the subject is assumed to be on the
    ground then),
    (b) it is at the same place as the last touchdown of that point: within
    ``same_place`` and not more than ``edge_rise`` higher (a contact interrupted by
    noise), or
    (c) the point came down into it: in the ``descent_window_s`` before the rest it was
    at least ``descent`` higher than at the rest. A foot that is lifted and then held
    still in the air rises into its rest and is *not* planted.
    The contact is widened backward over the touchdown while the point is within
    ``anchor_radius`` of where it rests and not more than ``edge_rise`` above it, and
    ends at the lift-off: the rest is cut back to the last frame before the point's
    speed starts rising above ``onset_factor`` times its median speed in the rest
    (at least ``onset_min``). Gaps of up to ``bridge_s`` between two contacts are
    filled, and so are gaps of up to ``excursion_s`` between two contacts at the same
    place when the point never strayed more than ``excursion`` from it (keypoint
    glitches).
planted (foot)
    Any of the contact points planted; frames where the whole foot is unseen (all three
    points NaN) but the subject is found (hips seen) between two contacts at the same
    place, for at most ``occlusion_s``, are contact; contacts shorter than
    ``min_contact_s`` (not touching the clip's ends) are dropped and gaps up to
    ``bridge_s`` filled, except across frames where the subject is not found (no
    contact there: stance ``none``).

Known limits: a foot held still in the air from the very first frame counts as planted
(rule a), and so does a lifted foot that sinks by more than ``descent`` and then holds
still; on the balancing trial lift-offs and touchdowns land within two to five frames
(60 fps, 6 Hz low-pass) of the mocap's; a camera that moves breaks every stillness rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from pronate.camera.frames import idx
from pronate.camera.stance import SPEED_SMOOTH_S, point_speed
from pronate.series import frame_step, true_runs

CONTACT_PARTS: Final[tuple[str, ...]] = ("heel", "foot_index", "ankle")
"""Keypoints of a foot whose rest means ground contact (see the module docstring)."""


@dataclass(frozen=True, kw_only=True)
class ContactRules:
    """Thresholds of the contact rules (module docstring); lengths in leg lengths.

    The defaults were set on the synthetic script (transitions within a frame or two of
    the 1-cm contact truth) and on the real clips of ``../shared/data`` (60 fps, 6 Hz
    low-pass): planted keypoints of the heavy model move at a median of 0.03-0.1 leg
    lengths per second with peaks of 0.4 while the body sways over them, a swinging foot
    at 1-3.

    Attributes
    ----------
    rest_speed
        A point slower than this is still, leg lengths per second.
    rest_min_s
        Shortest rest, seconds (and at least 4 frames for the dwell test).
    dwell_radius, dwell_rise
        Radius of the dwell test and the most a point may rise above its median in it.
    anchor_radius
        Widest distance from the rest over which a contact is widened backward.
    edge_rise
        Most a point may be above its rest and still be planted (touchdown, same place).
    onset_factor, onset_min
        Lift-off: the speed level (times the rest's median speed, at least ``onset_min``)
        above which a steady rise of speed ends the contact.
    descent, descent_window_s
        How far a point must have come down into a rest, and within how long before it.
    same_place
        Distance within which a rest is at the place of the last touchdown.
    bridge_s
        Gaps between contacts filled unconditionally, seconds.
    excursion, excursion_s
        Largest excursion and duration of a gap filled between contacts at one place.
    occlusion_s
        Longest stretch of an unseen foot filled between contacts at one place.
    min_contact_s
        Shortest foot contact kept.
    smooth_s
        Moving-average window of the positions before differentiating, seconds.
    """

    rest_speed: float = 0.25
    rest_min_s: float = 0.1
    dwell_radius: float = 0.025
    dwell_rise: float = 0.03
    anchor_radius: float = 0.05
    edge_rise: float = 0.015
    onset_factor: float = 2.0
    onset_min: float = 0.1
    descent: float = 0.08
    descent_window_s: float = 0.2
    same_place: float = 0.1
    bridge_s: float = 0.1
    excursion: float = 0.1
    excursion_s: float = 0.35
    occlusion_s: float = 0.5
    min_contact_s: float = 0.1
    smooth_s: float = SPEED_SMOOTH_S


CONTACT_RULES: Final[ContactRules] = ContactRules()


def _dwells(
    xy: np.ndarray, *, frames: int, radius: float, rise: float, edge: float
) -> list[tuple[int, int]]:
    """Stretches where a point stays within ``radius`` of its median (dispersion test)."""
    n = len(xy)
    seen = np.isfinite(xy).all(axis=1)
    out: list[tuple[int, int]] = []
    i = 0
    while i + frames <= n:
        if not seen[i : i + frames].all():
            i += 1
            continue
        centre = np.median(xy[i : i + frames], axis=0)
        d = xy[i : i + frames] - centre
        if np.hypot(d[:, 0], d[:, 1]).max() > radius or d[:, 1].max() > rise:
            i += 1
            continue
        j = i + frames
        while j < n and seen[j]:
            dj = xy[j] - centre
            if np.hypot(dj[0], dj[1]) > radius or dj[1] > edge:
                break
            j += 1
        start = i
        while start < j - 1 and xy[start, 1] - centre[1] > edge:
            start += 1
        out.append((start, j))
        i = j
    return out


def _rests(
    xy: np.ndarray, speed: np.ndarray, *, dt: float, leg: float, rules: ContactRules
) -> list[tuple[int, int]]:
    """Candidate rests of one point, in time order (see the module docstring)."""
    frames = max(1, round(rules.rest_min_s / dt))
    with np.errstate(invalid="ignore"):
        still = np.isfinite(speed) & (speed < rules.rest_speed * leg)
    found = [(a, b) for a, b in true_runs(still) if b - a >= frames]
    found += _dwells(
        xy,
        frames=max(4, frames),
        radius=rules.dwell_radius * leg,
        rise=rules.dwell_rise * leg,
        edge=rules.edge_rise * leg,
    )
    return sorted(found)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def point_contact(
    xy: np.ndarray,
    *,
    time_s: np.ndarray,
    leg: float,
    rules: ContactRules = CONTACT_RULES,
) -> np.ndarray:
    """Frames where one keypoint is planted on the ground (module docstring).

    Parameters
    ----------
    xy
        Upright image positions (time, 2) of the point, y up; NaN where not seen.
    time_s
        Frame times, seconds.
    leg
        Leg length in the units of ``xy``.
    rules
        The thresholds.

    Returns
    -------
    numpy.ndarray
        Boolean (time,); False where the point is not seen.
    """
    n = len(time_s)
    contact = np.zeros(n, dtype=bool)
    seen = np.isfinite(xy).all(axis=1)
    if n < 2 or not seen.any() or not np.isfinite(leg) or leg <= 0:
        return contact
    dt = frame_step(time_s)
    speed = point_speed(xy, time_s=time_s, window_s=rules.smooth_s)
    first_seen = int(np.argmax(seen))
    radius, edge = rules.anchor_radius * leg, rules.edge_rise * leg
    touchdown: np.ndarray | None = None
    last: tuple[int, np.ndarray] | None = None  # end and place of the last contact
    for a, b in _rests(xy, speed, dt=dt, leg=leg, rules=rules):
        if contact[a:b].all():
            continue
        k = max(1, min(3, b - a))
        start_pos = np.median(xy[a : a + k], axis=0)
        end_pos = np.median(xy[b - k : b], axis=0)
        start = a
        while start > 0 and seen[start - 1] and not contact[start - 1]:
            d = xy[start - 1] - start_pos
            if np.hypot(d[0], d[1]) > radius or d[1] > edge:
                break
            start -= 1
        stop = b
        inside = speed[a:b][np.isfinite(speed[a:b])]
        typical = float(np.median(inside)) if inside.size else 0.0
        level = max(rules.onset_factor * typical, rules.onset_min * leg)
        while stop - 1 > a and speed[stop - 1] > level and speed[stop - 1] >= speed[stop - 2]:
            stop -= 1
        if start <= first_seen:
            touchdown = start_pos
        elif not (
            touchdown is not None
            and _distance(start_pos, touchdown) <= rules.same_place * leg
            and start_pos[1] - touchdown[1] <= edge
        ):
            before = xy[max(0, start - round(rules.descent_window_s / dt)) : start + 1, 1]
            if not (
                np.isfinite(before).any()
                and np.nanmax(before) - start_pos[1] >= rules.descent * leg
            ):
                continue
            touchdown = start_pos
        if last is not None and start > last[0]:
            gap = start - last[0]
            if gap * dt <= rules.bridge_s + 1e-9:
                contact[last[0] : start] = True
            elif gap * dt <= rules.excursion_s + 1e-9 and _distance(start_pos, last[1]) <= (
                rules.same_place * leg
            ):
                away = xy[last[0] : start] - last[1]
                strayed = np.hypot(away[:, 0], away[:, 1])
                strayed = strayed[np.isfinite(strayed)]
                if not strayed.size or strayed.max() <= rules.excursion * leg:
                    contact[last[0] : start] = True
        contact[start:stop] = True
        last = (stop, end_pos)
    return contact & seen


def foot_contact(
    uv: np.ndarray,
    *,
    side: str,
    time_s: np.ndarray,
    leg: float,
    rules: ContactRules = CONTACT_RULES,
) -> np.ndarray:
    """Ground contact of one foot from upright (y-up) image positions (time, 33, 2).

    Parameters
    ----------
    uv
        Upright image positions of all keypoints (time, 33, 2).
    side
        ``left`` or ``right`` (the labels of ``uv``).
    time_s
        Frame times, seconds.
    leg
        Leg length in pixels (:func:`leg_length`).
    rules
        The thresholds.

    Returns
    -------
    numpy.ndarray
        Boolean (time,); False where the foot is not seen (module docstring).
    """
    n = len(time_s)
    contact = np.zeros(n, dtype=bool)
    points = [uv[:, idx(f"{side}_{part}")] for part in CONTACT_PARTS]
    for xy in points:
        contact |= point_contact(xy, time_s=time_s, leg=leg, rules=rules)
    dt = frame_step(time_s)
    unseen = ~np.any([np.isfinite(xy).all(axis=1) for xy in points], axis=0)
    found = np.isfinite(uv[:, [idx("left_hip"), idx("right_hip")]]).all(axis=(1, 2))
    centre = _foot_centre(points)
    for a, b in true_runs(unseen & found & ~contact):
        if a == 0 or b == n or not (contact[a - 1] and contact[b]):
            continue
        if (b - a) * dt <= rules.occlusion_s + 1e-9 and _distance(
            centre[a - 1], centre[b]
        ) <= rules.same_place * leg:
            contact[a:b] = True
    return _tidy(contact, dt=dt, rules=rules) & found


def _foot_centre(points: list[np.ndarray]) -> np.ndarray:
    stacked = np.stack(points)
    count = np.isfinite(stacked).all(axis=-1).sum(axis=0)
    total = np.nansum(np.where(np.isfinite(stacked), stacked, 0.0), axis=0)
    return np.where(count[:, None] > 0, total / np.maximum(count, 1)[:, None], np.nan)


def _tidy(contact: np.ndarray, *, dt: float, rules: ContactRules) -> np.ndarray:
    """Fill gaps up to ``bridge_s``, then drop inner contacts shorter than ``min_contact_s``."""
    out = contact.copy()
    n = len(out)
    for a, b in true_runs(~out):
        if a > 0 and b < n and (b - a) * dt <= rules.bridge_s + 1e-9:
            out[a:b] = True
    for a, b in true_runs(out):
        if a > 0 and b < n and (b - a) * dt < rules.min_contact_s - 1e-9:
            out[a:b] = False
    return out

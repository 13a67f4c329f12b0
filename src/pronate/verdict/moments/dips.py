"""Dips of the pelvis-depth signal: bounds, peak and knee frame (see
:mod:`pronate.verdict.moments`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks, peak_widths

from pronate.series import moving_average
from pronate.verdict.moments.runs import frames_in


@dataclass(frozen=True)
class Dip:
    """A dip of the pelvis-depth signal: positions and prominence (leg lengths)."""

    start: int
    peak: int
    end: int
    depth: float


def find_dips(
    depth: np.ndarray,
    *,
    fps: float,
    min_depth: float,
    min_interval_s: float,
    edge_fraction: float,
    onset_fraction: float = 0.05,
    peak_fraction: float = 0.0,
) -> list[Dip]:
    """Dips of the pelvis (peaks of ``depth``) with prominence >= ``min_depth``.

    Parameters
    ----------
    depth
        Pelvis depth (n,), leg lengths, larger = lower; interior NaN are interpolated.
    fps
        Frame rate.
    min_depth
        Smallest prominence.
    min_interval_s
        Smallest time between two dips (the shallower one is dropped).
    edge_fraction
        The edges are first placed where the signal is within this fraction of the
        prominence of the base (0.1: 90 % of the way up from the peak)...
    onset_fraction
        ...then moved outward to the onset: the nearest sample within this fraction of the
        prominence of the floor beyond the edge (the lowest value up to the dip's base or
        the neighbouring dip's peak).
    peak_fraction
        The deepest point is the centroid of the samples within this fraction of the
        prominence of the maximum (robust to noise on a flat bottom); 0: the maximum.

    Returns
    -------
    list of Dip
        Sorted by time.
    """
    d = moving_average(depth, size=1)
    ok = np.isfinite(d)
    if ok.sum() < 3:
        return []
    fill = np.where(ok, d, np.min(d[ok]))
    distance = frames_in(min_interval_s, fps=fps, n=fill.size)
    peaks, props = find_peaks(fill, prominence=min_depth, distance=distance)
    if peaks.size == 0:
        return []
    _, _, left, right = peak_widths(
        fill,
        peaks,
        rel_height=1.0 - edge_fraction,
        prominence_data=(props["prominences"], props["left_bases"], props["right_bases"]),
    )
    dips = []
    for k, (p, a, b) in enumerate(zip(peaks, left, right, strict=True)):
        lo = (
            int(props["left_bases"][k])
            if k == 0
            else max(int(peaks[k - 1]), int(props["left_bases"][k]))
        )
        hi = int(props["right_bases"][k])
        if k + 1 < len(peaks):
            hi = min(hi, int(peaks[k + 1]))
        prom = float(props["prominences"][k])
        tol = onset_fraction * prom
        # The half-height edge of a dip can lie beyond the neighbouring dip's peak (a
        # shallower dip on the slope of a deeper one, as in walking): keep it in [lo, hi].
        left_edge = min(max(int(np.floor(a)) if np.isfinite(a) else lo, lo), int(p))
        right_edge = max(min(int(np.ceil(b)) if np.isfinite(b) else hi, hi), int(p))
        start = foot_of_slope(fill, left_edge, step=-1, limit=lo, tol=tol)
        end = foot_of_slope(fill, right_edge, step=1, limit=hi, tol=tol)
        top = bottom_centre(fill[start : end + 1], level=fill[p] - peak_fraction * prom)
        dips.append(Dip(start, start + top, end, prom))
    return dips


def foot_of_slope(values: np.ndarray, i: int, *, step: int, limit: int, tol: float) -> int:
    """Onset of a dip seen from index ``i`` on its slope, looking in direction ``step``.

    Between ``i`` and ``limit`` (inclusive) the signal has a floor (its minimum); the onset
    is the sample nearest to ``i`` that lies within ``tol`` of that floor. NaN samples are
    ignored; ``i`` itself (clipped to the array) is returned when ``limit`` lies on the
    wrong side of ``i`` or nothing between them is finite.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return 0
    i = min(max(int(i), 0), v.size - 1)
    limit = min(max(int(limit), 0), v.size - 1)
    a, b = (limit, i) if step < 0 else (i, limit)
    seg = v[a : b + 1]
    finite = np.isfinite(seg)
    if not finite.any():
        return i
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.flatnonzero(finite & (seg <= np.min(seg[finite]) + tol))
    if near.size == 0:  # a NaN tolerance
        near = np.flatnonzero(seg == np.min(seg[finite]))
    return int(a + (near[-1] if step < 0 else near[0]))


def bottom_centre(values: np.ndarray, *, level: float) -> int:
    """Index of the centroid of the samples at or above ``level``, weighted by their height
    above it (the argmax when only one sample is there)."""
    v = np.asarray(values, dtype=np.float64)
    if not np.isfinite(v).any():
        return 0
    with np.errstate(invalid="ignore", over="ignore"):
        w = np.where(np.isfinite(v) & (v >= level), v - level, 0.0)
        total = w.sum()
    top = int(np.nanargmax(np.where(np.isfinite(v), v, -np.inf)))
    if not (total > 0 and np.isfinite(total)):
        return top
    centre = float(np.average(np.arange(len(v)), weights=w / w.max()))  # scaled: no overflow
    return round(centre) if np.isfinite(centre) else top


def knee_frame(depth: np.ndarray, *, start: int, peak: int, max_depth: float) -> int:
    """Last position of ``[start, peak]`` whose drop below ``depth[start]`` is within
    ``max_depth`` (the peak itself when the whole descent is)."""
    drop = np.asarray(depth[start : peak + 1], dtype=np.float64) - depth[start]
    within = np.flatnonzero(~(drop > max_depth))
    return start + int(within[-1]) if within.size else start


def join_shallow(dips: list[Dip], *, min_depth: float) -> list[Dip]:
    """Adjoining dips shallower than ``min_depth`` joined into one (sorted by time).

    On one leg a shallow dip is a knee that gives a little while the client balances, no
    squat: several in a row are one loading (one single-leg stance), from the first's start
    to the last's end, peaking at the deepest; a dip at least ``min_depth`` deep stays a
    rep of its own and separates the shallow ones before it from those after it.
    """
    out: list[Dip] = []
    for dip in sorted(dips, key=lambda d: d.start):
        last = out[-1] if out else None
        if last is not None and last.depth < min_depth and dip.depth < min_depth:
            peak = dip.peak if dip.depth > last.depth else last.peak
            out[-1] = Dip(last.start, peak, max(last.end, dip.end), max(last.depth, dip.depth))
        else:
            out.append(dip)
    return out

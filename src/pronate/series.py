"""Small helpers on 1-D series that several stages share: the frame step and rate of sample
times, runs of True in a mask, gaps filled inside a series, a moving average."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d


def frame_step(time_s: np.ndarray) -> float:
    """The step between sample times (s): the median of the positive finite steps, robust
    to the jitter and dropped frames of variable-frame-rate video; 1.0 without one."""
    t = np.asarray(time_s, dtype=np.float64)
    steps = np.diff(t[np.isfinite(t)]) if t.size > 1 else np.empty(0)
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else 1.0


def frame_rate(time_s: np.ndarray) -> float:
    """Frames per second of sample times: ``1 / frame_step``."""
    return 1.0 / frame_step(time_s)


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` index ranges of the runs of True in a 1-D mask."""
    edges = np.diff(np.concatenate(([0], np.asarray(mask).astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def moving_average(values: np.ndarray, *, size: int) -> np.ndarray:
    """Centred moving average over ``size`` samples after filling interior gaps linearly.

    Leading / trailing NaN stay NaN; all-NaN input is returned unchanged.
    """
    v = interpolate_interior(np.asarray(values, dtype=np.float64))
    ok = np.isfinite(v)
    if size <= 1 or not ok.any():
        return v
    out = np.full_like(v, np.nan)
    first, last = np.flatnonzero(ok)[[0, -1]]
    out[first : last + 1] = uniform_filter1d(v[first : last + 1], size=size, mode="nearest")
    return out


def interpolate_interior(values: np.ndarray) -> np.ndarray:
    """Fill interior NaN linearly; leading / trailing NaN stay."""
    v = np.asarray(values, dtype=np.float64).copy()
    ok = np.isfinite(v)
    if ok.sum() < 2:
        return v
    idx = np.arange(len(v))
    first, last = np.flatnonzero(ok)[[0, -1]]
    inner = ~ok & (idx > first) & (idx < last)
    v[inner] = np.interp(idx[inner], idx[ok], v[ok])
    return v

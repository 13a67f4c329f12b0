"""Leg length, point speeds, stance and quiet stance.

Everything here works on *upright image* positions (:mod:`pronate.camera.frames`: pixels, y up,
camera roll removed) of a fixed camera, and compares each foot with where it was planted
-- never with a floor level taken over the whole clip, which breaks when the subject
walks toward the camera, when one foot is lifted most of the clip, or in oblique views
where the far foot looks higher while it is on the floor.

Ground contact, frame by frame, is :mod:`pronate.camera.contact`'s; its rules are written there.

Rules (lengths in leg lengths, speeds in leg lengths per second)
---------------------------------------------------------------
leg length
    Thigh + shank (hip -> knee -> ankle), the 90th percentile over frames of the mean of
    both legs (straight-leg frames), in the units of the points.
stance
    ``both``, ``left``, ``right`` or ``none`` from the two contacts.
quiet stance
    Both feet planted and the body still: mid-hip and mid-shoulder slower than
    :data:`QUIET_SPEED_PER_LEG`, for at least :data:`QUIET_MIN_S`; the reference is the
    first such run. There is none when no run is long enough (no guess from a moving
    body).
Known limits: a camera that moves breaks every stillness rule. World landmarks are not
used: the model's world axes follow the camera and its depth is coarse (on ``cam01``,
looking down 22 deg, they put the planted far foot 23 cm above the near one).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from scipy.ndimage import uniform_filter1d

from pronate.camera.frames import idx
from pronate.series import frame_step, true_runs

QUIET_SPEED_PER_LEG: Final[float] = 0.1
QUIET_MIN_S: Final[float] = 0.3
SPEED_SMOOTH_S: Final[float] = 0.1


def leg_length(points: np.ndarray) -> float:
    """Leg length (thigh + shank) of points (time, 33, d), see the module docstring."""
    lengths = []
    for side in ("left", "right"):
        hip, knee, ankle = (points[:, idx(f"{side}_{p}")] for p in ("hip", "knee", "ankle"))
        lengths.append(np.linalg.norm(knee - hip, axis=-1) + np.linalg.norm(ankle - knee, axis=-1))
    stacked = np.stack(lengths)
    count = np.isfinite(stacked).sum(axis=0)
    per_frame = np.where(count > 0, np.nansum(stacked, axis=0) / np.maximum(count, 1), np.nan)
    finite = per_frame[np.isfinite(per_frame)]
    return float(np.percentile(finite, 90)) if finite.size else float("nan")


def smoothed_speed(
    xy: np.ndarray, *, time_s: np.ndarray, window_s: float = SPEED_SMOOTH_S
) -> np.ndarray:
    """Speed (units/s) of a 2-D trajectory (time, 2) after a centred moving average."""
    if len(time_s) < 2:
        return np.zeros(len(time_s))
    dt = float(np.median(np.diff(time_s)))
    size = max(1, round(window_s / dt) | 1)
    smooth = uniform_filter1d(xy, size=size, axis=0, mode="nearest")
    vel = np.gradient(smooth, time_s, axis=0)
    return np.asarray(np.hypot(vel[:, 0], vel[:, 1]))


def _fill_nan(xy: np.ndarray) -> np.ndarray:
    out = xy.copy()
    t = np.arange(len(xy))
    for k in range(xy.shape[1]):
        ok = np.isfinite(xy[:, k])
        if ok.any() and not ok.all():
            out[~ok, k] = np.interp(t[~ok], t[ok], xy[ok, k])
    return out


def point_speed(
    xy: np.ndarray, *, time_s: np.ndarray, window_s: float = SPEED_SMOOTH_S
) -> np.ndarray:
    """Smoothed speed of a point (time, 2) with gaps: NaN where the point is not seen."""
    seen = np.isfinite(xy).all(axis=1)
    if seen.sum() < 2:
        return np.full(len(time_s), np.nan)
    speed = smoothed_speed(_fill_nan(xy), time_s=time_s, window_s=window_s)
    return np.where(seen, speed, np.nan)


def stance_labels(contact_left: np.ndarray, contact_right: np.ndarray) -> np.ndarray:
    """``both`` / ``left`` / ``right`` / ``none`` per frame from two contact masks."""
    return np.where(
        contact_left & contact_right,
        "both",
        np.where(contact_left, "left", np.where(contact_right, "right", "none")),
    ).astype("<U5")


def quiet_stance(
    uv: np.ndarray,
    *,
    contact_left: np.ndarray,
    contact_right: np.ndarray,
    time_s: np.ndarray,
    leg: float,
    speed_per_leg: float = QUIET_SPEED_PER_LEG,
    min_s: float = QUIET_MIN_S,
) -> np.ndarray:
    """Boolean mask of the quiet-stance reference frames (see the module docstring).

    Returns
    -------
    numpy.ndarray
        The first run of at least ``min_s`` with both feet planted and the mid-hip and
        mid-shoulder slower than ``speed_per_leg``; all False when there is none.
    """
    mask = np.zeros(len(time_s), dtype=bool)
    if len(time_s) < 2 or not np.isfinite(leg):
        return mask
    hip = 0.5 * (uv[:, idx("left_hip")] + uv[:, idx("right_hip")])
    shoulder = 0.5 * (uv[:, idx("left_shoulder")] + uv[:, idx("right_shoulder")])
    limit = speed_per_leg * leg
    with np.errstate(invalid="ignore"):
        still = (
            contact_left
            & contact_right
            & (point_speed(hip, time_s=time_s) < limit)
            & (point_speed(shoulder, time_s=time_s) < limit)
        )
    frames = round(min_s / frame_step(time_s))
    long_runs = [r for r in true_runs(still) if r[1] - r[0] >= frames]
    if long_runs:
        start, stop = long_runs[0]
        mask[start:stop] = True
    return mask

"""The detection rules: stance runs and dips into loading moments (see
:mod:`pronate.verdict.moments`)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import xarray as xr

from pronate.camera.body import Body
from pronate.series import frame_rate, moving_average
from pronate.verdict.moments.dips import Dip, find_dips, join_shallow, knee_frame
from pronate.verdict.moments.moment import OTHER_SIDE, Moment
from pronate.verdict.moments.runs import (
    clean_labels,
    frames_in,
    label_runs,
    repair_stance,
)
from pronate.verdict.moments.signals import body_signals, foot_speeds
from pronate.verdict.thresholds import Thresholds


def _make_moment(
    side: str,
    kind: str,
    bounds: tuple[int, int, int],
    *,
    time_s: np.ndarray,
    frame: np.ndarray,
    depth: float = float("nan"),
    knee: int = -1,
) -> Moment:
    a, p, b = bounds
    return Moment(
        side=side,
        kind=kind,
        start=a,
        peak=p,
        end=b,
        start_s=float(time_s[a]),
        peak_s=float(time_s[p]),
        end_s=float(time_s[b]),
        start_frame=int(frame[a]),
        peak_frame=int(frame[p]),
        end_frame=int(frame[b]),
        depth=depth,
        knee=knee if knee >= 0 else p,
        knee_s=float(time_s[knee if knee >= 0 else p]),
        knee_frame=int(frame[knee if knee >= 0 else p]),
    )


def _majority(labels: np.ndarray) -> str:
    counts = Counter(str(v) for v in labels)
    return counts.most_common(1)[0][0]


def _argmax_or(values: np.ndarray, fallback: int) -> int:
    v = np.asarray(values, dtype=np.float64)
    return int(np.nanargmax(v)) if np.isfinite(v).any() else fallback


def _bilateral_moment(
    dip: Dip,
    labels: np.ndarray,
    *,
    stagger: np.ndarray,
    front: np.ndarray,
    th: Thresholds,
) -> tuple[str, str] | None:
    """Side and kind of a dip on both feet, or None when it is on one leg at its deepest
    point or for half of it, or not seen on both feet for ``squat_min_both_share`` of it
    (``none``: feet unseen or in the air, as in jumping jacks)."""
    window = labels[dip.start : dip.end + 1]
    single = np.isin(window, ("left", "right"))
    if labels[dip.peak] in ("left", "right") or single.mean() >= 0.5:
        return None
    if float(np.mean(window == "both")) < th.squat_min_both_share:
        return None
    sl = slice(dip.start, dip.end + 1)
    apart = stagger[sl][np.isfinite(stagger[sl])]
    if apart.size and float(np.median(apart)) >= th.lunge_min_stagger:
        return _majority(front[sl]), "lunge"
    return "both", "squat"


def _single_kind(side: str, dip: Dip, *, free_drop: np.ndarray, fps: float, th: Thresholds) -> str:
    """``single_leg_stance`` for a dip shallower than ``single_squat_min_depth`` (a small
    knee bend is no squat, and with the free foot below no step-down: stepping off);
    else ``step_down`` when the free foot is below the stance foot at the deepest point
    (median over +/- ``value_window_s``), else ``single_leg_squat``."""
    if dip.depth < th.single_squat_min_depth:
        return "single_leg_stance"
    if _free_foot_below(side, dip, free_drop=free_drop, fps=fps, th=th):
        return "step_down"
    return "single_leg_squat"


def _free_foot_below(
    side: str, dip: Dip, *, free_drop: np.ndarray, fps: float, th: Thresholds
) -> bool:
    """Whether the free foot is ``step_down_min_drop`` below the stance foot at the dip's
    deepest point (median over +/- ``value_window_s``)."""
    half = frames_in(th.value_window_s, fps=fps, n=len(free_drop))
    window = free_drop[max(dip.start, dip.peak - half) : min(dip.end, dip.peak + half) + 1]
    drop = window[np.isfinite(window)] * (1.0 if side == "left" else -1.0)
    return drop.size > 0 and float(np.median(drop)) >= th.step_down_min_drop


def _is_gait(runs: list[tuple[str, int, int]], k: int, *, fps: float, th: Thresholds) -> bool:
    """Whether single-leg run ``k`` alternates with the other leg's like a gait cycle."""
    label, a, b = runs[k]
    if not th.walk_min_single_s <= (b - a) / fps <= th.walk_max_single_s:
        return False
    return any(
        _neighbour_single(runs, k, step, fps=fps, th=th) == OTHER_SIDE[label] for step in (-1, 1)
    )


def _neighbour_single(
    runs: list[tuple[str, int, int]], k: int, step: int, *, fps: float, th: Thresholds
) -> str | None:
    """Label of the single-leg run next to run ``k`` across at most a short double support."""
    j = k + step
    if 0 <= j < len(runs) and runs[j][0] == "both":
        if (runs[j][2] - runs[j][1]) / fps > th.walk_max_double_s:
            return None
        j += step
    if 0 <= j < len(runs) and runs[j][0] in OTHER_SIDE:
        label, a, b = runs[j]
        return label if th.walk_min_single_s <= (b - a) / fps <= th.walk_max_single_s else None
    return None


def _gait_bounds(
    runs: list[tuple[str, int, int]], k: int, *, fps: float, th: Thresholds
) -> tuple[int, int]:
    """Foot contact to toe-off: the run widened by the short double supports around it."""
    _, a, b = runs[k]
    start, stop = a, b
    for j, step in ((k - 1, -1), (k + 1, 1)):
        short = 0 <= j < len(runs) and runs[j][2] - runs[j][1] <= th.walk_max_double_s * fps
        if short and runs[j][0] == "both":
            start, stop = (runs[j][1], stop) if step < 0 else (start, runs[j][2])
    return start, stop - 1


def find_moments(
    *,
    time_s: np.ndarray,
    frame: np.ndarray,
    stance: np.ndarray,
    depth: np.ndarray,
    shift: np.ndarray,
    free_drop: np.ndarray | None = None,
    stagger: np.ndarray | None = None,
    front: np.ndarray | None = None,
    thresholds: Thresholds,
) -> list[Moment]:
    """Loading moments from plain per-frame arrays (see the module rules).

    Parameters
    ----------
    time_s, frame
        Time (s) and video frame number of each sample (n,).
    stance
        Stance labels (n,): ``left``, ``right``, ``both`` or ``none``.
    depth
        Pelvis depth (n,), leg lengths, larger = lower; NaN allowed.
    shift
        Pelvis shift toward the subject's left (n,), hip widths; NaN allowed.
    free_drop
        How far the right foot is below the left one (n,), leg lengths (positive: the
        right ankle is lower); used to tell step-downs. ``None``: not known.
    stagger
        Fore-aft distance of the ankles (n,), leg lengths. ``None``: not known.
    front
        Which leg is in front (n,), ``left`` / ``right``; needed with ``stagger``.
    thresholds
        Detection thresholds.

    Returns
    -------
    list of Event
        Sorted by start.
    """
    th = thresholds
    n = len(time_s)
    t = np.asarray(time_s, dtype=np.float64)
    fps = frame_rate(t)
    nan = np.full(n, np.nan)
    free_drop = nan if free_drop is None else np.asarray(free_drop, dtype=np.float64)
    stagger = nan if stagger is None else np.asarray(stagger, dtype=np.float64)
    front = np.full(n, "both") if front is None else np.asarray(front).astype(str)
    labels = clean_labels(
        np.asarray(stance),
        min_run=frames_in(th.stance_min_run_s, fps=fps, n=n),
        bridge=frames_in(th.stance_bridge_s, fps=fps, n=n),
    )
    runs = label_runs(labels)
    size = frames_in(th.depth_smooth_s, fps=fps, n=n)
    depth_s = moving_average(depth, size=size)
    shift_s = moving_average(shift, size=size)

    seen = np.flatnonzero(np.isfinite(depth_s))
    settled = t[seen[0]] + th.edge_settle_s if seen.size else np.inf
    moments: list[Moment] = []
    for dip in _dips(depth_s, min_depth=th.rep_min_depth, fps=fps, th=th):
        if t[dip.peak] < settled:
            continue  # the tracker's and the filter's first frames: no loading seen whole
        found = _bilateral_moment(dip, labels, stagger=stagger, front=front, th=th)
        if found is not None:
            bounds = (dip.start, dip.peak, dip.end)
            knee = knee_frame(depth_s, start=dip.start, peak=dip.peak, max_depth=th.fppa_max_depth)
            moments.append(
                _make_moment(*found, bounds, time_s=t, frame=frame, depth=dip.depth, knee=knee)
            )

    for k, (label, a, b) in enumerate(runs):
        if label not in OTHER_SIDE:
            continue
        gait = _is_gait(runs, k, fps=fps, th=th)
        if (b - a) / fps < (th.walk_min_single_s if gait else th.single_stance_min_s):
            continue
        if not gait:
            reps = [  # a shallow dip with the free foot below is stepping off: no loading
                r
                for r in _dips(depth_s[a:b], min_depth=th.single_rep_min_depth, fps=fps, th=th)
                if r.depth >= th.single_squat_min_depth
                or not _free_foot_below(label, r, free_drop=free_drop[a:b], fps=fps, th=th)
            ]
            joined = join_shallow(reps, min_depth=th.single_squat_min_depth)
            toward = shift_s[a:b] if label == "left" else -shift_s[a:b]
            for r in joined:
                kind = _single_kind(label, r, free_drop=free_drop[a:b], fps=fps, th=th)
                peak = r.peak
                if r not in reps:  # pieces of one stance: it peaks as a stance run does
                    peak = r.start + _argmax_or(toward[r.start : r.end + 1], r.peak - r.start)
                bounds = (a + r.start, a + peak, a + r.end)
                moments.append(
                    _make_moment(
                        label,
                        kind,
                        bounds,
                        time_s=t,
                        frame=frame,
                        depth=r.depth,
                        knee=knee_frame(
                            depth_s, start=bounds[0], peak=bounds[1], max_depth=th.fppa_max_depth
                        ),
                    )
                )
            if joined:
                continue
        toward = shift_s[a:b] if label == "left" else -shift_s[a:b]
        fallback = _argmax_or(depth_s[a:b], (b - a - 1) // 2)
        peak = a + _argmax_or(toward, fallback)
        start, end = _gait_bounds(runs, k, fps=fps, th=th) if gait else (a, b - 1)
        kind = "walking_stance" if gait else "single_leg_stance"
        moments.append(_make_moment(label, kind, (start, peak, end), time_s=t, frame=frame))
    return sorted(moments, key=lambda e: (e.start, e.peak))


def _dips(depth: np.ndarray, *, min_depth: float, fps: float, th: Thresholds) -> list[Dip]:
    """The dips of ``depth`` at least ``min_depth`` deep, by the shared rep thresholds."""
    return find_dips(
        depth,
        fps=fps,
        min_depth=min_depth,
        min_interval_s=th.rep_min_interval_s,
        edge_fraction=th.rep_edge_fraction,
        onset_fraction=th.rep_onset_fraction,
        peak_fraction=th.rep_bottom_fraction,
    )


def detect_moments(
    metrics: xr.Dataset, body: Body | None = None, *, thresholds: Thresholds
) -> list[Moment]:
    """Loading moments of a clip.

    Parameters
    ----------
    metrics
        Per-frame metrics (:func:`pronate.metrics.kinematics.compute_metrics`): needs
        ``stance`` and ``pelvis_shift_norm``.
    body
        The body the metrics come from (:func:`pronate.camera.body.observe`: same
        ``time``), for the pelvis depth, step-down and lunge signals and the stance
        repair. ``None``: only stance moments are found, from the stance as it is.
    thresholds
        Detection thresholds.

    Returns
    -------
    list of Moment
        Sorted by start.
    """
    n = metrics.sizes["time"]
    stance = np.asarray(metrics["stance"].values).astype(str)
    shift = np.asarray(metrics["pelvis_shift_norm"].values, dtype=np.float64)
    signals: dict[str, np.ndarray] = {"depth": np.full(n, np.nan)}
    if body is not None:
        stance = repair_stance(
            stance,
            *foot_speeds(body),
            fps=frame_rate(metrics["time"].values),
            min_none_s=thresholds.none_max_s,
            still_speed=thresholds.still_foot_speed,
        )
        signals = body_signals(body, stance=stance)
    return find_moments(
        time_s=metrics["time"].values,
        frame=metrics["frame"].values,
        stance=stance,
        depth=signals["depth"],
        shift=shift,
        free_drop=signals.get("free_drop"),
        stagger=signals.get("stagger"),
        front=signals.get("front"),
        thresholds=thresholds,
    )

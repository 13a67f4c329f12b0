"""Loading moments: when, on which leg, and how deep the body takes load.

A *loading moment* (event) has a ``side`` (``left``, ``right`` or ``both``), a ``kind``,
and a ``start``, ``peak`` (most load) and ``end``, as positions along ``time`` and as
seconds and video frame numbers. Detection works on two signals:

stance
    The per-frame ``stance`` metric (``left`` / ``right`` / ``both`` / ``none``). Runs of
    ``none`` longer than ``none_max_s`` are implausible (nobody floats that long) and are
    filled from the foot speeds: a foot slower than ``still_foot_speed`` is on the ground
    (:func:`repair_stance`). Then runs shorter than ``stance_min_run_s`` are absorbed into
    their neighbours and gaps of ``none`` shorter than ``stance_bridge_s`` within a run
    are bridged.
pelvis depth
    How far the hip midpoint has dropped toward the floor, in leg lengths: the vertical
    distance (upright image, camera roll removed) from the supporting ankle -- the stance
    foot's ankle on one leg, the mean of both ankles otherwise -- to the hip midpoint,
    subtracted from its 95th percentile over the clip, divided by the leg length (thigh +
    shank, 90th percentile). It works in every view, including frontal ones where knee
    flexion cannot be measured; it is smoothed over ``depth_smooth_s``.

Rules (thresholds from :class:`pronate.thresholds.Thresholds`)
--------------------------------------------------------------
==================  ===================================================================
kind                rule
==================  ===================================================================
walking_stance      alternating single-leg runs each shorter than ``walk_max_single_s``
                    separated by double support shorter than ``walk_max_double_s``;
                    the moment spans the double supports around the single-leg run
                    (foot contact to toe-off)
single_leg_squat    a dip of the depth (prominence >= ``single_rep_min_depth``, dips at
                    least ``rep_min_interval_s`` apart) within a single-leg run of at
                    least ``single_stance_min_s`` that is not gait; side = that leg
step_down           such a single-leg dip at whose deepest point the free foot is at
                    least ``step_down_min_drop`` leg lengths below the stance foot
single_leg_stance   a single-leg run of at least ``single_stance_min_s``, not gait,
                    without a dip, or with one shallower than ``single_squat_min_depth``
                    (then peaking at the dip's deepest point)
squat               a dip (prominence >= ``rep_min_depth``) not on one leg at its
                    deepest point nor for half of it; side ``both``
lunge               such a dip on both feet with the ankles staggered fore-aft by at
                    least ``lunge_min_stagger`` leg lengths (median over the dip, world
                    landmarks); side = the front leg
==================  ===================================================================

Bounds and peak: a dip starts and ends at its onsets: from where its drop comes within
``rep_edge_fraction`` of its depth of the base, outward to the nearest sample within
``rep_onset_fraction`` of its depth of the floor beyond (single-leg dips are searched
within their run); its peak is the lowest pelvis: the centroid of the samples within
``rep_bottom_fraction`` of the depth of the lowest one, which stays put when noise ripples
a flat bottom. A stance moment spans its run; its peak is the furthest pelvis shift toward
the stance foot (the lowest pelvis when the shift is not measurable, the middle of the run
when neither is). Every moment also has a *knee frame* where the knee is read: the peak,
or in a dip deeper than ``fppa_max_depth`` the last frame of the descent within that drop.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Final

import numpy as np
import xarray as xr
from scipy.signal import find_peaks, peak_widths

from pronate.coordination import fill_gaps, smooth
from pronate.frames import upright_image
from pronate.keypoints import KEYPOINT_INDEX
from pronate.stance import leg_length, smoothed_speed
from pronate.thresholds import Thresholds

KINDS: Final[tuple[str, ...]] = (
    "squat",
    "lunge",
    "single_leg_squat",
    "step_down",
    "walking_stance",
    "single_leg_stance",
)
SIDES: Final[tuple[str, ...]] = ("left", "right", "both")
_OTHER: Final[dict[str, str]] = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class Event:
    """One loading moment.

    Attributes
    ----------
    side
        ``left``, ``right`` or ``both``.
    kind
        One of :data:`KINDS`.
    start, peak, end
        Positions along ``time`` (``end`` inclusive).
    start_s, peak_s, end_s
        The same as times (s).
    start_frame, peak_frame, end_frame
        The same as video frame numbers.
    depth
        Pelvis drop of the moment (prominence of the dip), leg lengths; NaN if none.
    knee
        Position where the knee is read: the peak, or in a dip deeper than
        ``fppa_max_depth`` the last frame of the descent within that depth (the 2-D FPPA
        loses its meaning when the thigh points at the camera); -1: the peak.
    knee_s, knee_frame
        The same as time and frame number (filled in from the peak when ``knee`` is -1).
    """

    side: str
    kind: str
    start: int
    peak: int
    end: int
    start_s: float
    peak_s: float
    end_s: float
    start_frame: int
    peak_frame: int
    end_frame: int
    depth: float = float("nan")
    knee: int = -1
    knee_s: float = float("nan")
    knee_frame: int = -1

    def __post_init__(self) -> None:
        if self.knee < 0:
            object.__setattr__(self, "knee", self.peak)
            object.__setattr__(self, "knee_s", self.peak_s)
            object.__setattr__(self, "knee_frame", self.peak_frame)

    def as_dict(self) -> dict[str, object]:
        """Return the event as a plain dict."""
        return asdict(self)


@dataclass(frozen=True)
class Dip:
    """A dip of the pelvis-depth signal: positions and prominence (leg lengths)."""

    start: int
    peak: int
    end: int
    depth: float


def label_runs(labels: np.ndarray) -> list[tuple[str, int, int]]:
    """Runs of equal labels as ``(label, start, stop)`` with ``stop`` exclusive."""
    lab = np.asarray(labels).astype(str)
    if lab.size == 0:
        return []
    edges = np.flatnonzero(lab[1:] != lab[:-1]) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [lab.size]])
    return [(str(lab[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def clean_labels(labels: np.ndarray, *, min_run: int, bridge: int = 0) -> np.ndarray:
    """Absorb runs shorter than ``min_run`` frames into their neighbours, and bridge short
    gaps of ``none`` within a run.

    A short run takes the label of its longer neighbour (the shortest run first, until
    none is left or only one run remains). Then a run of ``none`` shorter than ``bridge``
    frames between two runs of the same label takes that label (a foot briefly lost).

    Parameters
    ----------
    labels
        Per-frame labels (n,).
    min_run
        Shortest run kept, in frames.
    bridge
        Longest gap of ``none`` bridged, in frames.

    Returns
    -------
    numpy.ndarray
        Cleaned labels (n,), dtype str.
    """
    out = np.asarray(labels).astype(str).copy()
    while True:
        runs = label_runs(out)
        short = [i for i, (_, a, b) in enumerate(runs) if b - a < min_run]
        if not short or len(runs) == 1:
            break
        i = min(short, key=lambda k: runs[k][2] - runs[k][1])
        out[runs[i][1] : runs[i][2]] = _absorbing_label(runs, i)
    runs = label_runs(out)
    for k in range(1, len(runs) - 1):
        label, a, b = runs[k]
        if label == "none" and b - a < bridge and runs[k - 1][0] == runs[k + 1][0]:
            out[a:b] = runs[k - 1][0]
    return out


def _absorbing_label(runs: list[tuple[str, int, int]], i: int) -> str:
    """Label that takes over short run ``i``: the neighbours' if equal, else the longer's."""
    neighbours = [runs[j] for j in (i - 1, i + 1) if 0 <= j < len(runs)]
    return max(neighbours, key=lambda r: r[2] - r[1])[0]


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
    d = smooth(depth, size=1)
    ok = np.isfinite(d)
    if ok.sum() < 3:
        return []
    fill = np.where(ok, d, np.min(d[ok]))
    distance = _frames(min_interval_s, fps=fps, n=fill.size)
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


def _make_event(
    side: str,
    kind: str,
    bounds: tuple[int, int, int],
    *,
    time_s: np.ndarray,
    frame: np.ndarray,
    depth: float = float("nan"),
    knee: int = -1,
) -> Event:
    a, p, b = bounds
    return Event(
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


def knee_frame(depth: np.ndarray, *, start: int, peak: int, max_depth: float) -> int:
    """Last position of ``[start, peak]`` whose drop below ``depth[start]`` is within
    ``max_depth`` (the peak itself when the whole descent is)."""
    drop = np.asarray(depth[start : peak + 1], dtype=np.float64) - depth[start]
    within = np.flatnonzero(~(drop > max_depth))
    return start + int(within[-1]) if within.size else start


def _majority(labels: np.ndarray) -> str:
    counts = Counter(str(v) for v in labels)
    return counts.most_common(1)[0][0]


def _argmax_or(values: np.ndarray, fallback: int) -> int:
    v = np.asarray(values, dtype=np.float64)
    return int(np.nanargmax(v)) if np.isfinite(v).any() else fallback


def _bilateral_event(
    dip: Dip,
    labels: np.ndarray,
    *,
    stagger: np.ndarray,
    front: np.ndarray,
    th: Thresholds,
) -> tuple[str, str] | None:
    """Side and kind of a dip on both feet, or None when it is on one leg at its deepest
    point or for half of it (``none``, feet not seen, counts as both)."""
    window = labels[dip.start : dip.end + 1]
    single = np.isin(window, ("left", "right"))
    if labels[dip.peak] in ("left", "right") or single.mean() >= 0.5:
        return None
    sl = slice(dip.start, dip.end + 1)
    apart = stagger[sl][np.isfinite(stagger[sl])]
    if apart.size and float(np.median(apart)) >= th.lunge_min_stagger:
        return _majority(front[sl]), "lunge"
    return "both", "squat"


def _single_kind(side: str, dip: Dip, *, free_drop: np.ndarray, fps: float, th: Thresholds) -> str:
    """``step_down`` when the free foot is below the stance foot at the deepest point
    (median over +/- ``value_window_s``), else ``single_leg_squat``, or
    ``single_leg_stance`` for a dip shallower than ``single_squat_min_depth`` (a small
    knee bend is no squat)."""
    half = _frames(th.value_window_s, fps=fps, n=len(free_drop))
    window = free_drop[max(dip.start, dip.peak - half) : min(dip.end, dip.peak + half) + 1]
    drop = window[np.isfinite(window)] * (1.0 if side == "left" else -1.0)
    if drop.size > 0 and float(np.median(drop)) >= th.step_down_min_drop:
        return "step_down"
    return "single_leg_squat" if dip.depth >= th.single_squat_min_depth else "single_leg_stance"


def _is_gait(runs: list[tuple[str, int, int]], k: int, *, fps: float, th: Thresholds) -> bool:
    """Whether single-leg run ``k`` alternates with the other leg's like a gait cycle."""
    label, a, b = runs[k]
    if (b - a) / fps > th.walk_max_single_s:
        return False
    return any(
        _neighbour_single(runs, k, step, fps=fps, th=th) == _OTHER[label] for step in (-1, 1)
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
    if 0 <= j < len(runs) and runs[j][0] in _OTHER:
        label, a, b = runs[j]
        return label if (b - a) / fps <= th.walk_max_single_s else None
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


def find_events(
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
) -> list[Event]:
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
        min_run=_frames(th.stance_min_run_s, fps=fps, n=n),
        bridge=_frames(th.stance_bridge_s, fps=fps, n=n),
    )
    runs = label_runs(labels)
    size = _frames(th.depth_smooth_s, fps=fps, n=n)
    depth_s = smooth(depth, size=size)
    shift_s = smooth(shift, size=size)

    events: list[Event] = []
    dips = find_dips(
        depth_s,
        fps=fps,
        min_depth=th.rep_min_depth,
        min_interval_s=th.rep_min_interval_s,
        edge_fraction=th.rep_edge_fraction,
        onset_fraction=th.rep_onset_fraction,
        peak_fraction=th.rep_bottom_fraction,
    )
    for dip in dips:
        found = _bilateral_event(dip, labels, stagger=stagger, front=front, th=th)
        if found is not None:
            bounds = (dip.start, dip.peak, dip.end)
            knee = knee_frame(depth_s, start=dip.start, peak=dip.peak, max_depth=th.fppa_max_depth)
            events.append(
                _make_event(*found, bounds, time_s=t, frame=frame, depth=dip.depth, knee=knee)
            )

    for k, (label, a, b) in enumerate(runs):
        if label not in _OTHER:
            continue
        gait = _is_gait(runs, k, fps=fps, th=th)
        if not gait and (b - a) / fps < th.single_stance_min_s:
            continue
        if not gait:
            reps = find_dips(
                depth_s[a:b],
                fps=fps,
                min_depth=th.single_rep_min_depth,
                min_interval_s=th.rep_min_interval_s,
                edge_fraction=th.rep_edge_fraction,
                onset_fraction=th.rep_onset_fraction,
                peak_fraction=th.rep_bottom_fraction,
            )
            for r in reps:
                kind = _single_kind(label, r, free_drop=free_drop[a:b], fps=fps, th=th)
                bounds = (a + r.start, a + r.peak, a + r.end)
                events.append(
                    _make_event(
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
            if reps:
                continue
        toward = shift_s[a:b] if label == "left" else -shift_s[a:b]
        fallback = _argmax_or(depth_s[a:b], (b - a - 1) // 2)
        peak = a + _argmax_or(toward, fallback)
        start, end = _gait_bounds(runs, k, fps=fps, th=th) if gait else (a, b - 1)
        kind = "walking_stance" if gait else "single_leg_stance"
        events.append(_make_event(label, kind, (start, peak, end), time_s=t, frame=frame))
    return sorted(events, key=lambda e: (e.start, e.peak))


def frame_rate(time_s: np.ndarray) -> float:
    """Frame rate of sample times: 1 / the median positive finite step (1.0 without one)."""
    t = np.asarray(time_s, dtype=np.float64)
    steps = np.diff(t[np.isfinite(t)]) if t.size > 1 else np.empty(0)
    steps = steps[steps > 0]
    fps = 1.0 / float(np.median(steps)) if steps.size else 1.0
    return fps if np.isfinite(fps) and fps > 0 else 1.0


def _frames(seconds: float, *, fps: float, n: int) -> int:
    """``seconds`` as a whole number of frames, at least 1 and at most ``max(n, 1)``."""
    x = float(seconds) * float(fps)
    top = max(n, 1)
    return int(min(max(1, round(x)), top)) if np.isfinite(x) else (top if x > 0 else 1)


def pose_signals(
    pose: xr.Dataset,
    *,
    stance: np.ndarray,
    roll_deg: float = 0.0,
    labels_swapped: bool = False,
) -> dict[str, np.ndarray]:
    """Per-frame signals of :func:`find_events` computed from the keypoints.

    Parameters
    ----------
    pose
        The pose dataset (pixel positions with the model's labels).
    stance
        Stance labels (n,) of the subject's real sides.
    roll_deg
        Camera roll (see :mod:`pronate.frames`), removed before measuring heights.
    labels_swapped
        Whether the model's left/right labels are the subject's right/left.

    Returns
    -------
    dict
        ``depth``, ``free_drop`` (leg lengths), ``stagger`` (leg lengths) and ``front``.
    """
    width, height = float(pose.attrs["image_width"]), float(pose.attrs["image_height"])
    uv = upright_image(pose["position"].values, width=width, height=height, roll_deg=roll_deg)
    real = (
        {"left": "right", "right": "left"} if labels_swapped else {"left": "left", "right": "right"}
    )
    ank = {s: uv[:, KEYPOINT_INDEX[f"{real[s]}_ankle"], 1] for s in ("left", "right")}
    hip_v = 0.5 * (uv[:, KEYPOINT_INDEX["left_hip"], 1] + uv[:, KEYPOINT_INDEX["right_hip"], 1])
    st = np.asarray(stance).astype(str)
    both = _mean_of_seen(ank["left"], ank["right"]) if len(st) else hip_v
    floor = np.where(st == "left", ank["left"], np.where(st == "right", ank["right"], both))
    floor = np.where(np.isfinite(floor), floor, both)
    h = hip_v - floor
    leg = leg_length(uv)
    ref = float(np.nanpercentile(h, 95)) if np.isfinite(h).any() else np.nan
    stagger, front = _stagger(pose, labels_swapped=labels_swapped)
    return {
        "depth": (ref - h) / leg,
        "free_drop": (ank["left"] - ank["right"]) / leg,
        "stagger": stagger,
        "front": front,
    }


def _mean_of_seen(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-sample mean of the finite ones of ``a`` and ``b`` (NaN where neither is)."""
    stack = np.stack([a, b])
    count = np.isfinite(stack).sum(axis=0)
    total = np.where(np.isfinite(stack), stack, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def foot_speeds(pose: xr.Dataset, *, labels_swapped: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Image speed of each foot's heel-toe midpoint, leg lengths per second (real sides).

    Positions are gap-filled and smoothed over 0.1 s (:func:`pronate.stance.smoothed_speed`);
    NaN where a foot is not seen.
    """
    xy = pose["position"].values[..., :2]
    leg = leg_length(xy)
    time_s = pose["time"].values
    out = []
    for side in ("left", "right"):
        label = {"left": "right", "right": "left"}[side] if labels_swapped else side
        mid = 0.5 * (
            xy[:, KEYPOINT_INDEX[f"{label}_heel"]] + xy[:, KEYPOINT_INDEX[f"{label}_foot_index"]]
        )
        filled = np.stack([fill_gaps(mid[:, 0]), fill_gaps(mid[:, 1])], axis=-1)
        speed = smoothed_speed(filled, time_s=time_s) if len(time_s) > 1 else np.zeros(len(time_s))
        out.append(np.where(np.isfinite(mid).all(axis=1), speed / leg, np.nan))
    return out[0], out[1]


def repair_stance(
    stance: np.ndarray,
    speed_left: np.ndarray,
    speed_right: np.ndarray,
    *,
    fps: float,
    min_none_s: float,
    still_speed: float,
) -> np.ndarray:
    """Fill implausibly long runs of ``none`` from foot speeds.

    Nobody floats: a run of ``none`` (no foot on the ground) longer than ``min_none_s``
    is longer than the flight of a run or a hop, and usually means the contact rule was
    defeated (e.g. perspective: a camera looking down at a subject walking toward it).
    Within such runs a foot moving slower than ``still_speed`` (leg lengths per second)
    is taken as on the ground; the feet of a jump move faster than that in flight.

    Returns
    -------
    numpy.ndarray
        Stance labels (n,), str.
    """
    out = np.asarray(stance).astype("<U5").copy()
    with np.errstate(invalid="ignore"):
        still_l = np.asarray(speed_left) < still_speed
        still_r = np.asarray(speed_right) < still_speed
    guess = np.where(
        still_l & still_r, "both", np.where(still_l, "left", np.where(still_r, "right", "none"))
    )
    for label, a, b in label_runs(out):
        if label == "none" and (b - a) / fps > min_none_s:
            out[a:b] = guess[a:b]
    return out


def _stagger(pose: xr.Dataset, *, labels_swapped: bool) -> tuple[np.ndarray, np.ndarray]:
    """Fore-aft ankle distance (leg lengths) and the front leg, from world landmarks.

    The anterior axis is perpendicular to the median right->left hip line of the clip
    (a per-frame hip line wobbles by 10-15 deg in the model's world landmarks).
    """
    w = pose["world"].values[:, :, [0, 2]]  # horizontal plane (x right, z away)
    k = KEYPOINT_INDEX
    sign = -1.0 if labels_swapped else 1.0
    lateral = sign * (w[:, k["left_hip"]] - w[:, k["right_hip"]])
    n = len(w)
    if not np.isfinite(lateral).all(axis=1).any():
        return np.full(n, np.nan), np.full(n, "left")
    lat = np.nanmedian(lateral, axis=0)
    anterior = np.array([lat[1], -lat[0]]) / float(np.hypot(lat[0], lat[1]))
    d = sign * (w[:, k["left_ankle"]] - w[:, k["right_ankle"]])
    along = d @ anterior
    world3 = pose["world"].values
    leg = leg_length(world3)
    front = np.where(along >= 0, "left", "right")
    return np.abs(along) / leg, front


def detect_events(
    metrics: xr.Dataset, pose: xr.Dataset | None = None, *, thresholds: Thresholds
) -> list[Event]:
    """Loading moments of a clip.

    Parameters
    ----------
    metrics
        Per-frame metrics (:func:`pronate.kinematics.compute_metrics`): needs ``stance``
        and ``pelvis_shift_norm``; attributes ``roll_deg`` and ``labels_swapped`` are used
        when present.
    pose
        The pose dataset the metrics come from (same ``time``), for the pelvis depth,
        step-down and lunge signals and the stance repair. ``None``: only stance moments
        are found, from the stance as it is.
    thresholds
        Detection thresholds.

    Returns
    -------
    list of Event
        Sorted by start.
    """
    n = metrics.sizes["time"]
    stance = np.asarray(metrics["stance"].values).astype(str)
    shift = np.asarray(metrics["pelvis_shift_norm"].values, dtype=np.float64)
    signals: dict[str, np.ndarray] = {"depth": np.full(n, np.nan)}
    if pose is not None:
        swapped = bool(metrics.attrs.get("labels_swapped", False))
        fps = frame_rate(metrics["time"].values)
        stance = repair_stance(
            stance,
            *foot_speeds(pose, labels_swapped=swapped),
            fps=fps,
            min_none_s=thresholds.none_max_s,
            still_speed=thresholds.still_foot_speed,
        )
        signals = pose_signals(
            pose,
            stance=stance,
            roll_deg=_finite_or(metrics.attrs.get("roll_deg"), 0.0),
            labels_swapped=swapped,
        )
    return find_events(
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


def _finite_or(value: object, default: float) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return v if np.isfinite(v) else default

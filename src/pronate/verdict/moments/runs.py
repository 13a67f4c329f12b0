"""Runs of stance labels and whole numbers of frames (see :mod:`pronate.verdict.moments`)."""

from __future__ import annotations

import numpy as np


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
    gaps within a run: of ``none`` in any run, of ``both`` in a single-leg one.

    A short run takes the label of its longer neighbour (the shortest run first, until
    none is left or only one run remains). Then a run of ``none`` shorter than ``bridge``
    frames between two runs of the same label takes that label (a foot briefly lost), and
    so does a run of ``both`` that short between two runs of the same leg (the free foot
    touching down for a moment: one loading of that leg, not two).

    Parameters
    ----------
    labels
        Per-frame labels (n,).
    min_run
        Shortest run kept, in frames.
    bridge
        Gaps shorter than this are bridged, in frames.

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
        around = runs[k - 1][0]
        if b - a >= bridge or around != runs[k + 1][0]:
            continue
        if label == "none" or (label == "both" and around in ("left", "right")):
            out[a:b] = around
    return out


def _absorbing_label(runs: list[tuple[str, int, int]], i: int) -> str:
    """Label that takes over short run ``i``: the neighbours' if equal, else the longer's."""
    neighbours = [runs[j] for j in (i - 1, i + 1) if 0 <= j < len(runs)]
    return max(neighbours, key=lambda r: r[2] - r[1])[0]


def frames_in(seconds: float, *, fps: float, n: int) -> int:
    """``seconds`` as a whole number of frames, at least 1 and at most ``max(n, 1)``."""
    x = float(seconds) * float(fps)
    top = max(n, 1)
    return int(min(max(1, round(x)), top)) if np.isfinite(x) else (top if x > 0 else 1)


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

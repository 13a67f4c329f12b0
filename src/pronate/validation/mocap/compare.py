"""pronate's 2-D metrics against Plug-in Gait's 3-D angles (see :mod:`pronate.validation.mocap`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.validation.mocap.c3d import SIDES, GaitEvent


@dataclass(frozen=True)
class Agreement:
    """Agreement of a pronate metric with a reference over the frames both define.

    Attributes
    ----------
    n
        Number of frames compared.
    mae_deg
        Mean absolute difference.
    bias_deg
        Mean of ours minus reference.
    r
        Pearson correlation (NaN for fewer than 3 frames or a constant series).
    ours_range, reference_range
        (min, max) of each series over the compared frames.
    """

    n: int
    mae_deg: float
    bias_deg: float
    r: float
    ours_range: tuple[float, float]
    reference_range: tuple[float, float]


def stance_masks(events: Sequence[GaitEvent], time_s: np.ndarray) -> dict[str, np.ndarray]:
    """Stance of each foot from ``Foot Strike`` / ``Foot Off`` events.

    A foot is in stance from a strike up to (not including) the next off of the same
    side, and from the start of the trial up to an off that has no strike before it.
    Frames before a side's first strike that is not preceded by an off, and a stance
    whose off is missing (two strikes in a row), are unknown and count as not in stance.

    Parameters
    ----------
    events
        Events (any order); contexts ``Left`` / ``Right``, labels ``Foot Strike`` /
        ``Foot Off`` (case ignored); others are skipped.
    time_s
        Frame times (time,).

    Returns
    -------
    dict of str to numpy.ndarray
        Boolean masks for ``left`` / ``right``, only for sides with events.
    """
    time_s = np.asarray(time_s, dtype=np.float64)
    out: dict[str, np.ndarray] = {}
    for side in SIDES:
        mine = sorted(
            (
                e
                for e in events
                if e.context.strip().lower() == side
                and e.label.strip().lower() in ("foot strike", "foot off")
            ),
            key=lambda e: e.time_s,
        )
        if not mine:
            continue
        mask = np.zeros(time_s.shape, dtype=bool)
        start: float | None = None
        for i, event in enumerate(mine):
            if event.label.strip().lower() == "foot strike":
                start = event.time_s
            else:
                begin = start if start is not None else (-math.inf if i == 0 else None)
                if begin is not None:
                    mask |= (time_s >= begin) & (time_s < event.time_s)
                start = None
        if start is not None:
            mask |= time_s >= start
        out[side] = mask
    return out


def agreement(
    ours: np.ndarray, reference: np.ndarray, *, mask: np.ndarray | None = None
) -> Agreement:
    """Compare two series over the frames where both are finite (and ``mask`` holds).

    Parameters
    ----------
    ours, reference
        Series of one shape (degrees).
    mask
        Optional boolean selection of frames.

    Returns
    -------
    Agreement
        NaN statistics when no frame is compared.
    """
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if a.shape != b.shape:
        raise InputError(f"series shapes differ: {a.shape} vs {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    a, b = a[keep], b[keep]
    nan = math.nan
    if a.size == 0:
        return Agreement(0, nan, nan, nan, (nan, nan), (nan, nan))
    diff = a - b
    r = nan
    if a.size >= 3 and np.std(a) > 0 and np.std(b) > 0:
        r = float(np.corrcoef(a, b)[0, 1])
    return Agreement(
        n=int(a.size),
        mae_deg=float(np.mean(np.abs(diff))),
        bias_deg=float(np.mean(diff)),
        r=r,
        ours_range=(float(a.min()), float(a.max())),
        reference_range=(float(b.min()), float(b.max())),
    )


@dataclass(frozen=True)
class Comparison:
    """One row of a comparison with Plug-in Gait.

    Attributes
    ----------
    metric
        The pronate variable (e.g. ``knee_fppa_left_deg``).
    reference
        The :func:`pig_reference` variable (e.g. ``knee_valgus_left_deg``).
    phase
        ``trial`` (every frame both define) or ``left stance`` / ``right stance``.
    agreement
        The statistics.
    """

    metric: str
    reference: str
    phase: str
    agreement: Agreement


COMPARED: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("pelvic_obliquity_deg", "pelvic_obliquity_deg", None),
    ("knee_fppa_left_deg", "knee_valgus_left_deg", "left"),
    ("knee_fppa_right_deg", "knee_valgus_right_deg", "right"),
)
"""(pronate metric, PiG reference, side whose stance selects the frames or None)."""


def compare_with_pig(
    metrics: xr.Dataset, reference: xr.Dataset, *, stance: Mapping[str, np.ndarray]
) -> list[Comparison]:
    """Compare pronate metrics with the Plug-in Gait angles of the same frames.

    Parameters
    ----------
    metrics
        From :func:`pronate.metrics.kinematics.compute_metrics` on :func:`frontal_pose_dataset`.
    reference
        From :func:`pig_reference` (same ``time``).
    stance
        From :func:`stance_masks`.

    Returns
    -------
    list of Comparison
        Pelvic obliquity over the trial; each knee FPPA over its own side's stance (when
        that side has events) and over the trial.

    Raises
    ------
    InputError
        If the two datasets are not on the same time base.
    """
    t_ours = np.asarray(metrics["time"].values, dtype=np.float64)
    t_ref = np.asarray(reference["time"].values, dtype=np.float64)
    if t_ours.shape != t_ref.shape or not np.allclose(t_ours, t_ref):
        raise InputError("metrics and reference are not on the same time base")
    rows = []
    for metric, ref, side in COMPARED:
        ours, theirs = metrics[metric].values, reference[ref].values
        if side is not None and side in stance:
            mask = stance[side]
            rows.append(
                Comparison(metric, ref, f"{side} stance", agreement(ours, theirs, mask=mask))
            )
        rows.append(Comparison(metric, ref, "trial", agreement(ours, theirs)))
    return rows

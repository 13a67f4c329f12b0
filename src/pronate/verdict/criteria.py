"""The criteria of the pronation chain: what is measured at a loading moment, against what.

Every criterion is reported as ``{name, value, uncertainty, threshold, passed, status}``;
``passed`` is ``None`` when the value cannot be measured. Values "at" a frame are the
median over +/- ``value_window_s`` (clipped to the clip); *start* and *peak* are the
moment's start and peak; the knee is read at the moment's *knee frame*, which is the peak
unless the dip is deeper than ``fppa_max_depth`` (then the last frame of the descent
within that depth, see :class:`pronate.verdict.moments.Event`). The verdict over them is
:mod:`pronate.verdict.assessment`.

Criteria (thresholds from :class:`pronate.verdict.thresholds.Thresholds`)
----------------------------------------------------------------
==========================  =======================================  ====================
name                        value                                    passed when
==========================  =======================================  ====================
com_inside_base             ``com_margin_norm`` at peak              > com_margin_min
xcom_inside_base            ``xcom_margin_norm`` at peak (Hof 2005)  > xcom_margin_min
                            -- informative
pelvis_over_foot            ``pelvis_shift_norm`` toward the loaded  >= pelvis_shift_min
                            leg at peak (one leg)
pelvis_centred              ``|pelvis_shift_norm|`` at peak (both)   <= pelvis_centred_max
pelvis_loaded_side_up       ``pelvic_obliquity_deg`` signed so the   >= obliquity_up_min_deg
                            loaded side up is positive (one leg)
pelvis_level                ``|pelvic_obliquity_deg|`` (both)        <= pelvis_level_max_deg
knee_valgus_movement        FPPA at knee frame - FPPA at start       >= valgus_change_min_deg
knee_fppa_in_band           FPPA at knee frame                       in [fppa_min_deg,
                                                                     fppa_max_deg]
femur_tibia_coupling        coupling angle of the loading phase      in the in-phase bin
                            (femur vs tibia medial tilt, start to    [22.5, 67.5) deg
                            knee frame, :mod:`pronate.verdict.coordination`)
femur_tibia_lag             ``|lag|`` of the tibia behind the femur  <= lag_max_s
                            (cross-correlation, s)
femur_tibia_in_phase        % of frames in phase (classic vector     >= in_phase_min_pct
                            coding) -- informative: noisy when the
                            segments move only a few degrees
foot_pronation              ``ankle_medial_shift_norm`` at knee      >= foot_shift_min
                            frame - at start -- experimental,
                            informative
==========================  =======================================  ====================

Informative criteria are reported but do not enter the verdict; in a two-leg squat
``knee_valgus_movement`` is informative too (:func:`informative_for`, :data:`NORMS`).
The femur-tibia criteria are judged (``passed`` not ``None``) only when the knee moved
into valgus: the rhythm of a movement that did not happen means nothing. In a bilateral
moment the knee criteria are given per leg, with the suffix ``_left`` / ``_right``. The
*proximal links* are ``com_inside_base``, ``pelvis_over_foot`` (or ``pelvis_centred``)
and ``pelvis_loaded_side_up`` (or ``pelvis_level``); *in rhythm* means neither
``femur_tibia_coupling`` nor ``femur_tibia_lag`` failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.metrics import uncertainty
from pronate.metrics.uncertainty import UNCERTAINTY_SUFFIX
from pronate.series import frame_rate
from pronate.verdict.coordination import Coordination
from pronate.verdict.moments import Moment
from pronate.verdict.thresholds import Thresholds

IN_PHASE_BIN: Final[tuple[float, float]] = (22.5, 67.5)
CHANGE_CORRELATION: Final[float] = 0.5
"""Correlation of the errors of two readings of a metric about half a second apart
(cam01: the error of a 0.5-s change, 10.1 deg RMS of the knee FPPA, is that of one reading,
9-11 deg)."""
_SIGN: Final[dict[str, float]] = {"left": 1.0, "right": -1.0}


@dataclass(frozen=True)
class Criterion:
    """One link of the chain: what was measured, against what, and whether it passed.

    ``uncertainty`` is the +/- of the value (:mod:`pronate.metrics.uncertainty`, ``None`` when not
    stated); :attr:`status` is ``uncertain`` when the value lies within it of the
    threshold.
    """

    name: str
    value: float
    threshold: float | tuple[float, float]
    passed: bool | None
    uncertainty: float | None = None

    @property
    def status(self) -> str:
        """``passed``, ``failed``, ``uncertain`` or ``unmeasured``."""
        return uncertainty.status(self.value, self.threshold, self.passed, sigma=self.uncertainty)

    def as_dict(self) -> dict[str, Any]:
        """Return ``{name, value, uncertainty, threshold, passed, status}``."""
        threshold = list(self.threshold) if isinstance(self.threshold, tuple) else self.threshold
        return {
            "name": self.name,
            "value": self.value,
            "uncertainty": self.uncertainty,
            "threshold": threshold,
            "passed": self.passed,
            "status": self.status,
        }


def passes(value: float, threshold: float, op: str) -> bool | None:
    """Compare ``value op threshold`` (``>``, ``>=``, ``<=``); ``None`` if not finite."""
    if not np.isfinite(value):
        return None
    if op == ">":
        return bool(value > threshold)
    if op == ">=":
        return bool(value >= threshold)
    if op == "<=":
        return bool(value <= threshold)
    raise ValueError(f"unknown comparison {op!r}")


def criterion(
    name: str, value: float, threshold: float, op: str, sigma: float | None = None
) -> Criterion:
    """Build a :class:`Criterion` from a value, a threshold, a comparison and the value's +/-."""
    return Criterion(
        name, float(value), float(threshold), passes(float(value), threshold, op), sigma
    )


def value_at(values: np.ndarray, i: int, *, half: int, lo: int, hi: int) -> float:
    """Median of the finite ``values[i - half : i + half + 1]`` clipped to ``[lo, hi]``."""
    a, b = max(lo, i - half), min(hi, i + half) + 1
    window = np.asarray(values[a:b], dtype=np.float64)
    window = window[np.isfinite(window)]
    return float(np.median(window)) if window.size else float("nan")


def series(metrics: xr.Dataset, name: str) -> np.ndarray:
    if name not in metrics:
        return np.full(metrics.sizes["time"], np.nan)
    return np.asarray(metrics[name].values, dtype=np.float64)


Noise = Callable[[str, str], float]
"""``noise(metric, where)``: an error added to a reading (:mod:`pronate.verdict.probability`)."""


class At:
    """Values of metrics at a moment's start, knee frame and peak (window medians), and
    their +/- (the metrics' ``_unc`` series read the same way).

    ``noise``, when given, adds an error to every reading: the verdict's probability is
    found by reading the moment again and again with errors drawn within the +/-.
    """

    def __init__(
        self, metrics: xr.Dataset, moment: Moment, th: Thresholds, *, noise: Noise | None = None
    ) -> None:
        self.metrics = metrics
        self.moment = moment
        self.thresholds = th
        self.half = round(th.value_window_s * frame_rate(metrics["time"].values))
        self.noise = noise

    def _read(self, name: str, where: str) -> float:
        e = self.moment
        i = {"peak": e.peak, "knee": e.knee, "start": e.start}[where]
        return value_at(
            series(self.metrics, name), i, half=self.half, lo=0, hi=self.metrics.sizes["time"] - 1
        )

    def __call__(self, name: str, where: str = "peak") -> float:
        value = self._read(name, where)
        return value if self.noise is None else value + self.noise(name, where)

    def sigma(self, name: str, where: str = "peak") -> float:
        """The +/- of the reading (0 where none is stated)."""
        sigma = self._read(name + UNCERTAINTY_SUFFIX, where)
        return sigma if np.isfinite(sigma) else 0.0

    def change_sigma(self, name: str) -> float:
        """The +/- of the change of a metric from the start to the knee frame: the errors of
        two readings about half a second apart are correlated (0.5, measured on cam01:
        a change errs about as much as one reading)."""
        a, b = self.sigma(name, "knee"), self.sigma(name, "start")
        return float(np.sqrt(max(a * a + b * b - 2 * CHANGE_CORRELATION * a * b, 0.0)))


def proximal_criteria(at: At, side: str, th: Thresholds) -> list[Criterion]:
    """CoM, XCoM and pelvis criteria of a moment on ``side`` (``left``/``right``/``both``)."""
    com, xcom = "com_margin_norm", "xcom_margin_norm"
    shift, obliquity = "pelvis_shift_norm", "pelvic_obliquity_deg"
    out = [
        criterion("com_inside_base", at(com), th.com_margin_min, ">", at.sigma(com)),
        criterion("xcom_inside_base", at(xcom), th.xcom_margin_min, ">", at.sigma(xcom)),
    ]
    sigmas = at.sigma(shift), at.sigma(obliquity)
    if side == "both":
        out.append(
            criterion("pelvis_centred", abs(at(shift)), th.pelvis_centred_max, "<=", sigmas[0])
        )
        out.append(
            criterion("pelvis_level", abs(at(obliquity)), th.pelvis_level_max_deg, "<=", sigmas[1])
        )
    else:
        s = _SIGN[side]
        out.append(
            criterion("pelvis_over_foot", s * at(shift), th.pelvis_shift_min, ">=", sigmas[0])
        )
        out.append(
            criterion(
                "pelvis_loaded_side_up", s * at(obliquity), th.obliquity_up_min_deg, ">=", sigmas[1]
            )
        )
    return out


def knee_criteria(
    at: At, leg: str, coordination: Coordination, th: Thresholds, *, suffix: str = ""
) -> list[Criterion]:
    """Knee, femur-tibia and foot criteria of one leg (see the module table)."""
    fppa = f"knee_fppa_{leg}_deg"
    foot = f"ankle_medial_shift_{leg}_norm"
    peak = at(fppa, "knee")
    valgus = criterion(
        f"knee_valgus_movement{suffix}",
        peak - at(fppa, "start"),
        th.valgus_change_min_deg,
        ">=",
        at.change_sigma(fppa),
    )
    rhythm = [
        Criterion(
            f"femur_tibia_coupling{suffix}",
            coordination.loading_coupling_deg,
            IN_PHASE_BIN,
            None
            if coordination.loading_phase is None
            else coordination.loading_phase == "in_phase",
        ),
        criterion(f"femur_tibia_lag{suffix}", abs(coordination.xcorr_lag_s), th.lag_max_s, "<="),
        criterion(
            f"femur_tibia_in_phase{suffix}",
            coordination.phase_pct["in_phase"],
            th.in_phase_min_pct,
            ">=",
        ),
    ]
    if not valgus.passed:
        rhythm = [replace(c, passed=None) for c in rhythm]
    return [
        valgus,
        Criterion(
            f"knee_fppa_in_band{suffix}",
            float(peak),
            (th.fppa_min_deg, th.fppa_max_deg),
            bool(th.fppa_min_deg <= peak <= th.fppa_max_deg) if np.isfinite(peak) else None,
            at.sigma(fppa, "knee"),
        ),
        *rhythm,
        criterion(
            f"foot_pronation{suffix}",
            at(foot, "knee") - at(foot, "start"),
            th.foot_shift_min,
            ">=",
            at.change_sigma(foot),
        ),
    ]


def base_name(name: str) -> str:
    for leg in ("_left", "_right"):
        if name.endswith(leg):
            return name[: -len(leg)]
    return name


def metrics_at_peak(metrics: xr.Dataset, moment: Moment, th: Thresholds) -> dict[str, Any]:
    """Values of the metrics at the moment's peak: the loaded legs' and the shared ones."""
    at = At(metrics, moment, th)
    legs = ("left", "right") if moment.side == "both" else (moment.side,)
    other = [s for s in ("left", "right") if s not in legs]
    out: dict[str, Any] = {}
    for name in metrics.data_vars:
        key = str(name)
        if any(f"_{s}_" in key for s in other):
            continue
        if metrics[key].dtype.kind in "fiu":
            out[key] = at(key)
        else:
            out[key] = str(metrics[key].values[moment.peak])
    return out

"""The verdict of each loading moment, with every criterion of the pronation chain.

For each loading moment (:mod:`pronate.events`) and each loaded leg, the chain is
checked link by link. Every criterion is reported as ``{name, value, threshold,
passed}``; ``passed`` is ``None`` when the value cannot be measured. Values "at" a frame
are the median over +/- ``value_window_s`` (clipped to the clip); *start* and *peak* are
the moment's start and peak; the knee is read at the moment's *knee frame*, which is the
peak unless the dip is deeper than ``fppa_max_depth`` (then the last frame of the descent
within that depth, see :class:`pronate.events.Event`).

Criteria (thresholds from :class:`pronate.thresholds.Thresholds`)
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
                            knee frame, :mod:`pronate.coordination`)
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

Decision rule (per leg, first match wins)
-----------------------------------------
==============  ==========================================================================
verdict         rule
==============  ==========================================================================
unmeasurable    oblique or side view (no frontal metrics, :mod:`pronate.camera`), or the
                FPPA is missing at start or knee frame, or in more than
                ``max_nan_fraction`` of the moment
collapse        FPPA at the knee frame above the band (valgus), or a valgus movement out of
                rhythm (below the band, varus-looking: no pronation, not a collapse)
pronation       every measurable criterion used in the verdict passes (valgus movement,
                in band, in rhythm, CoM inside, pelvis over the foot, loaded side up)
missing         no valgus movement, and a proximal link failed: loading without the chain
partial         anything else: some links present, some not
==============  ==========================================================================

A bilateral moment takes the verdict of its legs: the same if they agree, ``collapse``
if either collapses, the measurable one if the other is ``unmeasurable``, else
``partial``. Oblique views are assessed with lower confidence (noted in the summary).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate import uncertainty
from pronate.coordination import Coordination, femur_tibia_coordination
from pronate.events import Event
from pronate.thresholds import Thresholds

VERDICTS: Final[tuple[str, ...]] = ("pronation", "partial", "missing", "collapse", "unmeasurable")
SEVERITY: Final[dict[str, int]] = {
    "collapse": 4,
    "missing": 3,
    "partial": 2,
    "pronation": 1,
    "unmeasurable": 0,
}
SIDE_VIEWS: Final[tuple[str, ...]] = ("left", "right")
INFORMATIVE: Final[tuple[str, ...]] = ("xcom_inside_base", "femur_tibia_in_phase", "foot_pronation")
RHYTHM: Final[tuple[str, ...]] = ("femur_tibia_coupling", "femur_tibia_lag")
IN_PHASE_BIN: Final[tuple[float, float]] = (22.5, 67.5)
PROXIMAL: Final[tuple[str, ...]] = (
    "com_inside_base",
    "pelvis_over_foot",
    "pelvis_centred",
    "pelvis_loaded_side_up",
    "pelvis_level",
)
_SIGN: Final[dict[str, float]] = {"left": 1.0, "right": -1.0}


@dataclass(frozen=True)
class Criterion:
    """One link of the chain: what was measured, against what, and whether it passed.

    ``uncertainty`` is the +/- of the value (:mod:`pronate.uncertainty`, ``None`` when not
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


@dataclass(frozen=True)
class Assessment:
    """The verdict of one loading moment.

    Attributes
    ----------
    event
        The loading moment.
    verdict
        One of :data:`VERDICTS`.
    criteria
        Every criterion, shared ones first, then per leg.
    legs
        Verdict of each loaded leg (one entry for a single-leg moment).
    coordination
        Femur-tibia vector coding of each loaded leg.
    metrics
        Values of the per-frame metrics at the peak.
    """

    event: Event
    verdict: str
    criteria: list[Criterion]
    legs: dict[str, str]
    coordination: dict[str, Coordination] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    placement_hint: str | None = None
    model: str = ""

    @property
    def uncertain_criteria(self) -> list[str]:
        """Criteria used in the verdict whose value is within its uncertainty of the threshold."""
        skip = informative_for(self.event.kind)
        return [
            c.name for c in self.criteria if _base(c.name) not in skip and c.status == "uncertain"
        ]


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


def criterion(name: str, value: float, threshold: float, op: str) -> Criterion:
    """Build a :class:`Criterion` from a value, a threshold and a comparison."""
    return Criterion(name, float(value), float(threshold), passes(float(value), threshold, op))


def value_at(values: np.ndarray, i: int, *, half: int, lo: int, hi: int) -> float:
    """Median of the finite ``values[i - half : i + half + 1]`` clipped to ``[lo, hi]``."""
    a, b = max(lo, i - half), min(hi, i + half) + 1
    window = np.asarray(values[a:b], dtype=np.float64)
    window = window[np.isfinite(window)]
    return float(np.median(window)) if window.size else float("nan")


def _series(metrics: xr.Dataset, name: str) -> np.ndarray:
    if name not in metrics:
        return np.full(metrics.sizes["time"], np.nan)
    return np.asarray(metrics[name].values, dtype=np.float64)


def _fps(metrics: xr.Dataset) -> float:
    t = metrics["time"].values
    return 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 1.0


class _At:
    """Values of metrics at a moment's start and peak (window medians)."""

    def __init__(self, metrics: xr.Dataset, event: Event, th: Thresholds) -> None:
        self.metrics = metrics
        self.event = event
        self.half = round(th.value_window_s * _fps(metrics))

    def __call__(self, name: str, where: str = "peak") -> float:
        e = self.event
        i = {"peak": e.peak, "knee": e.knee, "start": e.start}[where]
        return value_at(
            _series(self.metrics, name), i, half=self.half, lo=0, hi=self.metrics.sizes["time"] - 1
        )


def proximal_criteria(at: _At, side: str, th: Thresholds) -> list[Criterion]:
    """CoM, XCoM and pelvis criteria of a moment on ``side`` (``left``/``right``/``both``)."""
    out = [
        criterion("com_inside_base", at("com_margin_norm"), th.com_margin_min, ">"),
        criterion("xcom_inside_base", at("xcom_margin_norm"), th.xcom_margin_min, ">"),
    ]
    shift, obliquity = at("pelvis_shift_norm"), at("pelvic_obliquity_deg")
    if side == "both":
        out.append(criterion("pelvis_centred", abs(shift), th.pelvis_centred_max, "<="))
        out.append(criterion("pelvis_level", abs(obliquity), th.pelvis_level_max_deg, "<="))
    else:
        s = _SIGN[side]
        out.append(criterion("pelvis_over_foot", s * shift, th.pelvis_shift_min, ">="))
        out.append(criterion("pelvis_loaded_side_up", s * obliquity, th.obliquity_up_min_deg, ">="))
    return out


def knee_criteria(
    at: _At, leg: str, coordination: Coordination, th: Thresholds, *, suffix: str = ""
) -> list[Criterion]:
    """Knee, femur-tibia and foot criteria of one leg (see the module table)."""
    fppa = f"knee_fppa_{leg}_deg"
    foot = f"ankle_medial_shift_{leg}_norm"
    peak = at(fppa, "knee")
    valgus = criterion(
        f"knee_valgus_movement{suffix}", peak - at(fppa, "start"), th.valgus_change_min_deg, ">="
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
        ),
        *rhythm,
        criterion(
            f"foot_pronation{suffix}", at(foot, "knee") - at(foot, "start"), th.foot_shift_min, ">="
        ),
    ]


def _base(name: str) -> str:
    for leg in ("_left", "_right"):
        if name.endswith(leg):
            return name[: -len(leg)]
    return name


def _upper(c: Criterion) -> float:
    """Upper bound of a criterion's threshold (a band's top, or the one threshold)."""
    return max(c.threshold) if isinstance(c.threshold, tuple) else c.threshold


def leg_verdict(
    criteria: list[Criterion], *, measurable: bool, informative: tuple[str, ...] = INFORMATIVE
) -> str:
    """Verdict of one leg from its criteria (see the module decision rule).

    Parameters
    ----------
    criteria
        The proximal criteria and this leg's knee criteria (names may carry a leg suffix).
    measurable
        Whether the view and the FPPA coverage allow a verdict at all.
    informative
        Criteria reported but not used (:func:`informative_for`).

    Returns
    -------
    str
        One of :data:`VERDICTS`.
    """
    if not measurable:
        return "unmeasurable"
    by = {_base(c.name): c.passed for c in criteria}
    valgus = by.get("knee_valgus_movement")
    rhythm_failed = any(by.get(name) is False for name in RHYTHM)
    beyond = any(
        _base(c.name) == "knee_fppa_in_band" and c.passed is False and c.value > _upper(c)
        for c in criteria
    )
    if beyond or (valgus and rhythm_failed):
        return "collapse"
    used = [c.passed for c in criteria if _base(c.name) not in informative]
    if all(p is not False for p in used):
        return "pronation"
    proximal_failed = any(by.get(name) is False for name in PROXIMAL)
    if valgus is False and proximal_failed:
        return "missing"
    return "partial"


NORMS: Final[dict[str, str]] = {
    "single_leg_squat": "single-leg squat: FPPA band and SEM of Munro 2012",
    "step_down": "step-down: single-leg-squat band of Munro 2012",
    "single_leg_stance": "single-leg stance: single-leg-squat band of Munro 2012",
    "lunge": "lunge: single-leg-squat band of Munro 2012 on the front leg",
    "walking_stance": "walking stance: single-leg-squat band of Munro 2012 (gait FPPA is smaller)",
    "squat": (
        "two-leg squat: no valgus movement is expected (the knees track over the feet); "
        "the single-leg-squat upper bound of Munro 2012 marks a collapse"
    ),
}
"""Which norms judge each kind of moment (``norms`` of each moment in ``summary.json``)."""


def informative_for(kind: str) -> tuple[str, ...]:
    """Criteria reported but not used for a kind of moment: in a two-leg squat the knee
    is not expected to move toward the midline, so ``knee_valgus_movement`` is only
    informative there."""
    return (*INFORMATIVE, "knee_valgus_movement") if kind == "squat" else INFORMATIVE


def combine_legs(verdicts: dict[str, str]) -> str:
    """Verdict of a moment from the verdicts of its legs."""
    values = [v for v in verdicts.values() if v != "unmeasurable"]
    if not values:
        return "unmeasurable"
    if "collapse" in values:
        return "collapse"
    if len(set(values)) == 1:
        return values[0]
    return "partial"


def is_measurable(metrics: xr.Dataset, event: Event, leg: str, th: Thresholds) -> bool:
    """Whether the leg's FPPA supports a verdict in this moment (see the decision rule)."""
    if str(metrics.attrs.get("view", "")) in SIDE_VIEWS or not metrics.attrs.get(
        "frontal_valid", 1
    ):
        return False
    name = f"knee_fppa_{leg}_deg"
    at = _At(metrics, event, th)
    if not (np.isfinite(at(name, "knee")) and np.isfinite(at(name, "start"))):
        return False
    fppa = _series(metrics, name)[event.start : event.end + 1]
    return bool(np.mean(~np.isfinite(fppa)) <= th.max_nan_fraction)


def metrics_at_peak(metrics: xr.Dataset, event: Event, th: Thresholds) -> dict[str, Any]:
    """Values of the metrics at the moment's peak: the loaded legs' and the shared ones."""
    at = _At(metrics, event, th)
    legs = ("left", "right") if event.side == "both" else (event.side,)
    other = [s for s in ("left", "right") if s not in legs]
    out: dict[str, Any] = {}
    for name in metrics.data_vars:
        key = str(name)
        if any(f"_{s}_" in key for s in other):
            continue
        if metrics[key].dtype.kind in "fiu":
            out[key] = at(key)
        else:
            out[key] = str(metrics[key].values[event.peak])
    return out


def assess_event(metrics: xr.Dataset, event: Event, *, thresholds: Thresholds) -> Assessment:
    """Check the chain of one loading moment and give its verdict.

    Parameters
    ----------
    metrics
        Per-frame metrics (see :func:`pronate.kinematics.compute_metrics`).
    event
        The loading moment.
    thresholds
        Verdict thresholds.

    Returns
    -------
    Assessment
        Verdict, criteria, per-leg verdicts, coordination and metrics at the peak.
    """
    th = thresholds
    at = _At(metrics, event, th)
    proximal = proximal_criteria(at, event.side, th)
    legs = ("left", "right") if event.side == "both" else (event.side,)
    sl = slice(event.start, event.end + 1)
    t = metrics["time"].values[sl]
    criteria = list(proximal)
    verdicts: dict[str, str] = {}
    coordination: dict[str, Coordination] = {}
    for leg in legs:
        coord = femur_tibia_coordination(
            t,
            _series(metrics, f"femur_frontal_{leg}_deg")[sl],
            _series(metrics, f"tibia_frontal_{leg}_deg")[sl],
            peak=event.knee - event.start,
            smooth_s=th.coupling_smooth_s,
        )
        suffix = f"_{leg}" if event.side == "both" else ""
        knee = knee_criteria(at, leg, coord, th, suffix=suffix)
        criteria.extend(knee)
        measurable = is_measurable(metrics, event, leg, th)
        verdicts[leg] = leg_verdict(
            proximal + knee, measurable=measurable, informative=informative_for(event.kind)
        )
        coordination[leg] = coord
    model = str(metrics.attrs.get("model", ""))
    criteria = [
        replace(c, uncertainty=uncertainty.criterion_uncertainty(_base(c.name), model=model))
        for c in criteria
    ]
    verdict = combine_legs(verdicts)
    camera = camera_of(metrics)
    unseen = verdict == "unmeasurable" and not camera.get("frontal_measurable", True)
    return Assessment(
        event=event,
        verdict=verdict,
        criteria=criteria,
        legs=verdicts,
        coordination=coordination,
        metrics=metrics_at_peak(metrics, event, th),
        reason=camera.get("reason") if unseen else None,
        placement_hint=camera.get("placement_hint") if unseen else None,
        model=model,
    )


def camera_of(metrics: xr.Dataset) -> dict[str, Any]:
    """The camera of a metrics dataset (:meth:`pronate.camera.Camera.as_dict`), or ``{}``."""
    text = metrics.attrs.get("camera")
    return json.loads(text) if isinstance(text, str) and text else {}


def assess_events(
    metrics: xr.Dataset, events: list[Event], *, thresholds: Thresholds
) -> list[Assessment]:
    """:func:`assess_event` for every moment."""
    return [assess_event(metrics, e, thresholds=thresholds) for e in events]


def overall_verdict(verdicts: list[str]) -> str | None:
    """Most common measurable verdict (ties: the more severe); ``None`` if no moment."""
    if not verdicts:
        return None
    counts = Counter(v for v in verdicts if v != "unmeasurable")
    if not counts:
        return "unmeasurable"
    return max(counts, key=lambda v: (counts[v], SEVERITY[v]))

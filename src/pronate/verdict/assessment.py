"""The verdict of each loading moment: the decision rule over the criteria of the chain.

For each loading moment (:mod:`pronate.verdict.moments`) and each loaded leg, the chain is
checked link by link (:mod:`pronate.verdict.criteria`: the table of criteria), then judged here.

Decision rule (per leg, first match wins)
-----------------------------------------
==============  ==========================================================================
verdict         rule
==============  ==========================================================================
unmeasurable    oblique or side view (no frontal metrics, :mod:`pronate.camera.body`), or the
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
``partial``. Each kind of moment names its norms (:data:`NORMS`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.camera.body import Camera
from pronate.verdict.coordination import Coordination, femur_tibia_coordination
from pronate.verdict.criteria import (
    At,
    Criterion,
    base_name,
    knee_criteria,
    metrics_at_peak,
    proximal_criteria,
    series,
)
from pronate.verdict.moments import Moment
from pronate.verdict.probability import Odds, verdict_odds
from pronate.verdict.thresholds import Thresholds

VERDICTS: Final[tuple[str, ...]] = (
    "pronation",
    "partial",
    "missing",
    "collapse",
    "uncertain",
    "unmeasurable",
)
SEVERITY: Final[dict[str, int]] = {
    "collapse": 4,
    "missing": 3,
    "partial": 2,
    "pronation": 1,
    "uncertain": 0,
    "unmeasurable": 0,
}
SIDE_VIEWS: Final[tuple[str, ...]] = ("left", "right")
INFORMATIVE: Final[tuple[str, ...]] = ("xcom_inside_base", "femur_tibia_in_phase", "foot_pronation")
RHYTHM: Final[tuple[str, ...]] = ("femur_tibia_coupling", "femur_tibia_lag")
PROXIMAL: Final[tuple[str, ...]] = (
    "com_inside_base",
    "pelvis_over_foot",
    "pelvis_centred",
    "pelvis_loaded_side_up",
    "pelvis_level",
)


@dataclass(frozen=True)
class Assessment:
    """The verdict of one loading moment.

    Attributes
    ----------
    moment
        The loading moment.
    verdict
        One of :data:`VERDICTS`: the verdict that the criteria, read within their +/-,
        give in at least ``verdict_min_probability`` of the draws, else ``uncertain``.
    criteria
        Every criterion as measured, shared ones first, then per leg.
    legs
        Verdict of each loaded leg at the measured values (one entry for a single-leg
        moment).
    coordination
        Femur-tibia vector coding of each loaded leg.
    metrics
        Values of the per-frame metrics at the peak.
    reason, placement_hint
        Why an oblique or side view gives no verdict, and where to film from.
    model
        The pose model.
    measured_verdict
        The verdict of the criteria as measured (without their +/-).
    odds
        The shares of the verdicts within the +/- (:mod:`pronate.verdict.probability`).
    """

    moment: Moment
    verdict: str
    criteria: list[Criterion]
    legs: dict[str, str]
    coordination: dict[str, Coordination] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    placement_hint: str | None = None
    model: str = ""
    measured_verdict: str = ""
    odds: Odds | None = None

    @property
    def uncertain_criteria(self) -> list[str]:
        """Criteria used in the verdict whose value is within its uncertainty of the threshold."""
        skip = informative_for(self.moment.kind)
        return [
            c.name
            for c in self.criteria
            if base_name(c.name) not in skip and c.status == "uncertain"
        ]


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
    by = {base_name(c.name): c.passed for c in criteria}
    valgus = by.get("knee_valgus_movement")
    rhythm_failed = any(by.get(name) is False for name in RHYTHM)
    beyond = any(
        base_name(c.name) == "knee_fppa_in_band" and c.passed is False and c.value > _upper(c)
        for c in criteria
    )
    if beyond or (valgus and rhythm_failed):
        return "collapse"
    used = [c.passed for c in criteria if base_name(c.name) not in informative]
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


def is_measurable(
    metrics: xr.Dataset, moment: Moment, leg: str, th: Thresholds, *, camera: Camera
) -> bool:
    """Whether the leg's FPPA supports a verdict in this moment (see the decision rule)."""
    if not camera.frontal_measurable:
        return False
    name = f"knee_fppa_{leg}_deg"
    at = At(metrics, moment, th)
    if not (np.isfinite(at(name, "knee")) and np.isfinite(at(name, "start"))):
        return False
    fppa = series(metrics, name)[moment.start : moment.end + 1]
    return bool(np.mean(~np.isfinite(fppa)) <= th.max_nan_fraction)


def assess_moment(
    metrics: xr.Dataset, moment: Moment, *, camera: Camera, thresholds: Thresholds
) -> Assessment:
    """Check the chain of one loading moment and give its verdict, with its probability.

    Parameters
    ----------
    metrics
        Per-frame metrics with their +/- (:func:`pronate.metrics.kinematics.compute_metrics`).
    moment
        The loading moment.
    camera
        The clip's camera (:class:`pronate.camera.body.Camera`): no frontal verdict in
        oblique and side views, with the reason and where to put the camera.
    thresholds
        Verdict thresholds.

    Returns
    -------
    Assessment
        Verdict (``uncertain`` when no verdict reaches ``verdict_min_probability`` within
        the criteria's +/-, :mod:`pronate.verdict.probability`), criteria, per-leg verdicts,
        coordination and metrics at the peak.
    """
    th = thresholds
    legs = ("left", "right") if moment.side == "both" else (moment.side,)
    sl = slice(moment.start, moment.end + 1)
    t = metrics["time"].values[sl]
    coordination = {
        leg: femur_tibia_coordination(
            t,
            series(metrics, f"femur_frontal_{leg}_deg")[sl],
            series(metrics, f"tibia_frontal_{leg}_deg")[sl],
            peak=moment.knee - moment.start,
            smooth_s=th.coupling_smooth_s,
        )
        for leg in legs
    }
    measurable = {leg: is_measurable(metrics, moment, leg, th, camera=camera) for leg in legs}
    informative = informative_for(moment.kind)
    verdicts: dict[str, str] = {}

    def judge(at: At) -> tuple[str, list[Criterion]]:
        proximal = proximal_criteria(at, moment.side, th)
        criteria = list(proximal)
        for leg in legs:
            suffix = f"_{leg}" if moment.side == "both" else ""
            knee = knee_criteria(at, leg, coordination[leg], th, suffix=suffix)
            criteria.extend(knee)
            verdicts[leg] = leg_verdict(
                proximal + knee, measurable=measurable[leg], informative=informative
            )
        return combine_legs(verdicts), criteria

    at = At(metrics, moment, th)
    measured, criteria = judge(at)
    legs_measured = dict(verdicts)
    odds = verdict_odds(at, judge, seed=moment.start_frame * 7919 + moment.end_frame)
    odds = replace(odds, deciding=[n for n in odds.deciding if base_name(n) not in informative])
    unseen = measured == "unmeasurable" and not camera.frontal_measurable
    return Assessment(
        moment=moment,
        verdict=odds.verdict(min_probability=th.verdict_min_probability),
        criteria=criteria,
        legs=legs_measured,
        coordination=coordination,
        metrics=metrics_at_peak(metrics, moment, th),
        reason=camera.reason if unseen else None,
        placement_hint=camera.placement_hint if unseen else None,
        model=str(metrics.attrs.get("model", "")),
        measured_verdict=measured,
        odds=odds,
    )


def assess_moments(
    metrics: xr.Dataset, moments: list[Moment], *, camera: Camera, thresholds: Thresholds
) -> list[Assessment]:
    """:func:`assess_moment` for every moment."""
    return [assess_moment(metrics, m, camera=camera, thresholds=thresholds) for m in moments]


def overall_verdict(verdicts: list[str]) -> str | None:
    """Most common measurable verdict (ties: the more severe); ``None`` if no moment."""
    if not verdicts:
        return None
    counts = Counter(v for v in verdicts if v not in ("unmeasurable", "uncertain"))
    if not counts:
        return "uncertain" if "uncertain" in verdicts else "unmeasurable"
    return max(counts, key=lambda v: (counts[v], SEVERITY[v]))

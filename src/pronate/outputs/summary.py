"""The content of ``summary.json``: moments, sides, asymmetry, camera, quality.

:func:`summarize` turns the assessed moments (:mod:`pronate.verdict.assessment`) into one
JSON-safe dict; :func:`format_summary` prints it as a short table for the terminal.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

import numpy as np

from pronate.io.jsonsafe import json_safe
from pronate.metrics import uncertainty
from pronate.verdict.analysis import Analysis
from pronate.verdict.assessment import NORMS, Assessment, overall_verdict
from pronate.verdict.coordination import circular_mean_deg
from pronate.verdict.criteria import base_name
from pronate.verdict.thresholds import Thresholds

SIDE_MEDIANS: Final[dict[str, str]] = {
    "knee_fppa_peak_deg": "knee_fppa_in_band",
    "knee_valgus_change_deg": "knee_valgus_movement",
    "femur_tibia_coupling_deg": "femur_tibia_coupling",
    "femur_tibia_lag_s": "femur_tibia_lag",
    "femur_tibia_in_phase_pct": "femur_tibia_in_phase",
    "pelvis_shift_toward_norm": "pelvis_over_foot",
    "pelvis_loaded_side_up_deg": "pelvis_loaded_side_up",
    "com_margin_norm": "com_inside_base",
    "foot_medial_shift_change_norm": "foot_pronation",
}


CIRCULAR: Final[tuple[str, ...]] = ("femur_tibia_coupling_deg",)
"""Side statistics of angles on the circle: circular mean instead of median."""


def _leg_values(a: Assessment, leg: str, base: str) -> float:
    for c in a.criteria:
        if base_name(c.name) == base and (c.name == base or c.name.endswith(f"_{leg}")):
            return c.value
    return float("nan")


def side_summary(assessments: list[Assessment], leg: str, *, model: str = "") -> dict[str, Any]:
    """Moments, overall verdict and median key metrics of one leg (circular mean for the
    coupling angle), with the ± of those that have one; bilateral moments count for both
    legs."""
    mine = [a for a in assessments if leg in a.legs]
    verdicts = [a.legs[leg] for a in mine]
    medians = {}
    for key, base in SIDE_MEDIANS.items():
        values = np.array([_leg_values(a, leg, base) for a in mine], dtype=np.float64)
        values = values[np.isfinite(values)]
        if not values.size:
            medians[key] = float("nan")
        elif key in CIRCULAR:
            medians[key] = circular_mean_deg(values)
        else:
            medians[key] = float(np.median(values))
    return {
        "moments": len(mine),
        "verdict": overall_verdict(verdicts),
        "verdict_counts": dict(Counter(verdicts)),
        "medians": medians,
        "uncertainty": {
            key: sigma
            for key, base in SIDE_MEDIANS.items()
            if (sigma := uncertainty.criterion_uncertainty(base, model=model)) is not None
        },
    }


def asymmetry_threshold(th: Thresholds, *, model: str) -> float:
    """Smallest left-right FPPA difference called asymmetric: the published smallest
    detectable difference, or the difference of two readings each uncertain by the
    table's +/- (sqrt 2 times it), whichever is larger."""
    sigma = uncertainty.uncertainty_of("knee_fppa_left_deg", model=model) or 0.0
    return max(th.asymmetry_fppa_deg, float(np.sqrt(2.0)) * sigma)


def asymmetry(sides: dict[str, dict[str, Any]], *, threshold_deg: float) -> dict[str, Any]:
    """Left-right differences of the side medians (left minus right)."""
    out: dict[str, Any] = {}
    for key in SIDE_MEDIANS:
        left, right = sides["left"]["medians"][key], sides["right"]["medians"][key]
        out[key] = {"left": left, "right": right, "difference": left - right}
    gap = out["knee_fppa_peak_deg"]["difference"]
    out["knee_fppa_asymmetric"] = bool(abs(gap) >= threshold_deg) if np.isfinite(gap) else None
    out["knee_fppa_threshold_deg"] = threshold_deg
    vl, vr = sides["left"]["verdict"], sides["right"]["verdict"]
    out["verdicts_differ"] = None if vl is None or vr is None else vl != vr
    return out


def assessment_dict(a: Assessment) -> dict[str, Any]:
    """One moment of ``summary.json``."""
    e = a.moment
    return {
        "side": e.side,
        "kind": e.kind,
        "start_s": e.start_s,
        "peak_s": e.peak_s,
        "end_s": e.end_s,
        "start_frame": e.start_frame,
        "peak_frame": e.peak_frame,
        "knee_s": e.knee_s,
        "knee_frame": e.knee_frame,
        "end_frame": e.end_frame,
        "depth_leg_lengths": e.depth,
        "verdict": a.verdict,
        "legs": dict(a.legs),
        "criteria": [c.as_dict() for c in a.criteria],
        "coordination": {leg: c.as_dict() for leg, c in a.coordination.items()},
        "metrics": dict(a.metrics),
        "uncertainty": _metric_uncertainty(a),
        "uncertain_criteria": a.uncertain_criteria,
        "norms": NORMS.get(e.kind),
        "reason": a.reason,
        "placement_hint": a.placement_hint,
    }


def _metric_uncertainty(a: Assessment) -> dict[str, float]:
    """The +/- of each metric at the peak that has one stated."""
    out = {}
    for key in a.metrics:
        sigma = uncertainty.uncertainty_of(key, model=a.model)
        if sigma is not None:
            out[key] = sigma
    return out


def summarize(analysis: Analysis, *, video: str, fps: float, frames: int) -> dict[str, Any]:
    """The content of ``summary.json`` (JSON-safe: NaN and infinities become ``None``).

    Parameters
    ----------
    analysis
        The clip's analysis (:func:`pronate.verdict.analysis.analyse_body`): camera,
        assessed moments, thresholds and quality; the quality's ``confidence`` becomes each
        measured moment's ``confidence``.
    video, fps, frames
        Source video, nominal frame rate and number of frames.

    Returns
    -------
    dict
        ``video``, ``fps``, ``frames``, ``view``, ``model``, ``camera``, ``quality``,
        ``events``, ``sides``, ``asymmetry`` and provenance (``view_confidence``,
        ``roll_deg``, ``thresholds``).
    """
    camera, model, th = analysis.camera, analysis.model, analysis.thresholds
    view = camera.view.view
    sides = {leg: side_summary(analysis.assessments, leg, model=model) for leg in ("left", "right")}
    summary: dict[str, Any] = {
        "video": video,
        "fps": fps,
        "frames": frames,
        "view": view,
        "view_confidence": _view_confidence(view),
        "model": model,
        "roll_deg": float(camera.roll_deg),
        "labels_swapped": int(camera.view.labels_swapped),
        "camera": camera.as_dict(),
        "uncertainty_deg": uncertainty.TABLE[uncertainty.model_key(model)],
        "events": [assessment_dict(a) for a in analysis.assessments],
        "sides": sides,
        "asymmetry": asymmetry(sides, threshold_deg=asymmetry_threshold(th, model=model)),
        "thresholds": th.as_dict(),
        "quality": analysis.quality,
    }
    for moment in summary["events"]:
        measured = moment["verdict"] != "unmeasurable"
        moment["confidence"] = analysis.quality["confidence"] if measured else None
    return json_safe(summary)


def _view_confidence(view: str) -> str:
    """Confidence of the frontal-plane evidence in a view: ``normal`` (front, back) or
    ``none`` (oblique and side views give no frontal verdict, see
    :mod:`pronate.camera.body`)."""
    return "normal" if view in ("front", "back") else "none"


def format_summary(summary: dict[str, Any]) -> str:
    """A short text table of a summary: one line per moment, then one per side."""
    lines = [
        f"view: {summary.get('view')} ({_confidence_words(summary.get('view_confidence'))}), "
        f"{summary.get('frames')} frames at {_num(summary.get('fps'), '.4g')} fps",
    ]
    camera = summary.get("camera") or {}
    if camera:
        lines.append(
            f"camera: roll {_num(camera.get('roll_deg'), '.1f')} deg "
            f"({camera.get('roll_method')}, confidence {camera.get('roll_confidence')})"
        )
        if not camera.get("frontal_measurable", True):
            lines.append(f"no frontal verdict: {camera.get('reason')}")
            lines.append(f"to measure: {camera.get('placement_hint')}")
    for warning in (summary.get("quality") or {}).get("warnings", []):
        lines.append(f"quality: {warning}")
    subject = summary.get("subject") or {}
    if len(subject.get("people") or []) > 1 or subject.get("chosen_by") == "pick":
        t = _num(subject.get("time_s"), ".2f").strip()
        lines.append(
            f"client: {subject.get('reason')} (subject.png shows everyone; "
            f"someone else: --pick {t}:X,Y)"
        )
    moments = summary.get("events", [])
    if not moments:
        lines.append("no loading moment found")
    else:
        lines.append(
            f"{'#':>2}  {'side':5}  {'kind':17}  {'start':>6}  {'peak':>6}  {'end':>6}  verdict"
        )
        for i, e in enumerate(moments, 1):
            lines.append(
                f"{i:>2}  {e['side']:5}  {e['kind']:17}  {_num(e['start_s'])}  "
                f"{_num(e['peak_s'])}  {_num(e['end_s'])}  {e['verdict']}"
                + (" (rests on uncertain criteria)" if e.get("uncertain_criteria") else "")
            )
    for side in ("left", "right"):
        s = summary.get("sides", {}).get(side, {})
        if s.get("moments"):
            fppa = _num(s["medians"].get("knee_fppa_peak_deg"), ".1f")
            lines.append(
                f"{side}: {s['moments']} moment(s), overall {s['verdict']}, "
                f"median peak FPPA {fppa} deg"
            )
    if summary.get("asymmetry", {}).get("knee_fppa_asymmetric"):
        lines.append("left-right FPPA difference beyond the smallest detectable difference")
    return "\n".join(lines)


def _confidence_words(confidence: Any) -> str:
    """``normal confidence``, or ``no frontal measures`` for a view that gives none."""
    return "no frontal measures" if confidence == "none" else f"{confidence} confidence"


def _num(value: Any, fmt: str = "6.2f") -> str:
    if value is None:
        return "-".rjust(6) if fmt == "6.2f" else "-"
    return format(float(value), fmt)

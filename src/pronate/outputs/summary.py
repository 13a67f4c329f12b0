"""The content of ``summary.json``: moments, sides, asymmetry, camera, quality.

:func:`summarize` turns the assessed moments (:mod:`pronate.verdict.assessment`) into one
JSON-safe dict; :func:`format_summary` prints it as a short table for the terminal.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

import numpy as np

from pronate.camera.quality import MIN_SUBJECT_PX
from pronate.io.jsonsafe import json_safe
from pronate.metrics import uncertainty
from pronate.metrics.uncertainty import UNCERTAINTY_SUFFIX
from pronate.outputs.evidence import quality_lines, reason
from pronate.verdict.analysis import Analysis
from pronate.verdict.assessment import NORMS, Assessment, overall_verdict
from pronate.verdict.coordination import circular_mean_deg
from pronate.verdict.criteria import Criterion, base_name
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


LIKELY_SHARE: Final[float] = 0.05
"""Verdicts given by fewer draws than this are not listed among the likely ones."""
STRETCHED: Final[float] = 1.5
"""A +/- this many times its calibration value means foreshortened segments."""

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
    legs, an ``uncertain`` moment as ``uncertain`` (the leg's verdict is then the most
    common decided one, ``uncertain`` when none is decided)."""
    mine = [a for a in assessments if leg in a.legs]
    verdicts = [a.verdict if a.verdict == "uncertain" else a.legs[leg] for a in mine]
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
        **_odds(a),
        "legs": dict(a.legs),
        "criteria": [c.as_dict() for c in a.criteria],
        "coordination": {leg: c.as_dict() for leg, c in a.coordination.items()},
        "metrics": {k: v for k, v in a.metrics.items() if not k.endswith(UNCERTAINTY_SUFFIX)},
        "uncertainty": _metric_uncertainty(a),
        "uncertain_criteria": a.uncertain_criteria,
        "norms": NORMS.get(e.kind),
        "reason": a.reason,
        "placement_hint": a.placement_hint,
    }


def _metric_uncertainty(a: Assessment) -> dict[str, float]:
    """The +/- of each metric at the peak that has one (its ``_unc`` reading; NaN where
    the metric is not measured)."""
    return {
        key.removesuffix(UNCERTAINTY_SUFFIX): float(value)
        for key, value in a.metrics.items()
        if key.endswith(UNCERTAINTY_SUFFIX)
    }


def _odds(a: Assessment) -> dict[str, Any]:
    """How sure the verdict is: the share of the draws that give it (of the most likely
    one when ``uncertain``), the likely verdicts with their shares, the verdict of the
    criteria as measured, and the criteria that decide between the likely verdicts."""
    if a.odds is None:
        return {"probability": None, "likely": [], "measured_verdict": a.measured_verdict}
    shares = a.odds.shares
    return {
        "probability": shares.get(a.verdict, shares[a.odds.likely]),
        "likely": [{"verdict": v, "share": p} for v, p in shares.items() if p >= LIKELY_SHARE],
        "measured_verdict": a.measured_verdict,
        "deciding": list(a.odds.deciding),
    }


def settle_words(a: Assessment, quality: dict[str, Any]) -> str | None:
    """What would settle an ``uncertain`` verdict, in the coach's words (``None`` when the
    verdict is given)."""
    if a.verdict != "uncertain" or a.odds is None:
        return None
    words = []
    height = quality.get("subject_height_px")
    if height is not None and height < MIN_SUBJECT_PX:
        words.append(
            f"film closer: the client is only {height:.0f} px tall in the picture "
            f"(at least {MIN_SUBJECT_PX:.0f} px recommended)"
        )
    deciding = [c for c in a.criteria if c.name in a.odds.deciding]
    if any(_stretched(c, a.model) for c in deciding):
        words.append(
            "a thigh, shin or the hip line points toward the camera in this moment, which "
            "blurs its angle: film from straight in front (or behind), at hip height"
        )
    if deciding:
        names = ", ".join(c.name.replace("_", " ") for c in deciding)
        words.append(
            f"{names}: within the +/- of the threshold; repeat the movement, and the "
            "repetitions will settle it"
        )
    return "; ".join(words) or None


def _stretched(c: Criterion, model: str) -> bool:
    """Whether a criterion's +/- is well above its metric's at the calibration geometry."""
    nominal = uncertainty.criterion_uncertainty(base_name(c.name), model=model)
    return bool(nominal and c.uncertainty and c.uncertainty > STRETCHED * nominal)


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
        "view_confidence": view_confidence(view),
        "model": model,
        "roll_deg": float(camera.roll_deg),
        "labels_swapped": int(camera.view.labels_swapped),
        "camera": camera.as_dict(),
        "uncertainty_deg": uncertainty.nominal_table(model),
        "events": [assessment_dict(a) for a in analysis.assessments],
        "sides": sides,
        "asymmetry": asymmetry(sides, threshold_deg=asymmetry_threshold(th, model=model)),
        "thresholds": th.as_dict(),
        "quality": analysis.quality,
    }
    for a, moment in zip(analysis.assessments, summary["events"], strict=True):
        measured = moment["verdict"] != "unmeasurable"
        moment["confidence"] = analysis.quality["confidence"] if measured else None
        moment["settle"] = settle_words(a, analysis.quality)
    return json_safe(summary)


def view_confidence(view: str) -> str:
    """Confidence of the frontal-plane evidence in a view: ``normal`` (front, back) or
    ``none`` (oblique and side views give no frontal verdict, see
    :mod:`pronate.camera.body`)."""
    return "normal" if view in ("front", "back") else "none"


def format_summary(summary: dict[str, Any]) -> str:
    """A short text table of a summary: one line per moment with what decided its
    verdict, then one per side (the words of :mod:`pronate.outputs.evidence`)."""
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
    quality = (summary.get("quality") or {}).get("warnings")
    lines.extend(f"quality: {line}" for line in (quality_lines(summary) if quality else []))
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
            f"{'#':>2}  {'side':5}  {'kind':17}  {'start':>6}  {'peak':>6}  {'end':>6}  "
            "verdict — what decided it"
        )
        for i, e in enumerate(moments, 1):
            why = reason(e, e["verdict"])
            lines.append(
                f"{i:>2}  {e['side']:5}  {e['kind']:17}  {_num(e['start_s'])}  "
                f"{_num(e['peak_s'])}  {_num(e['end_s'])}  {_verdict_words(e)}"
                + (f" — {why}" if why else "")
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


def _verdict_words(event: dict[str, Any]) -> str:
    """``collapse (92 %)``, or ``uncertain: partial 55 %, missing 45 %``."""
    verdict, share = event["verdict"], event.get("probability")
    if verdict == "uncertain":
        likely = ", ".join(f"{x['verdict']} {100 * x['share']:.0f} %" for x in event["likely"])
        return f"uncertain: {likely}"
    if share is None or verdict == "unmeasurable":
        return str(verdict)
    return f"{verdict} ({100 * share:.0f} %)"


def _confidence_words(confidence: Any) -> str:
    """``normal confidence``, or ``no frontal measures`` for a view that gives none."""
    return "no frontal measures" if confidence == "none" else f"{confidence} confidence"


def _num(value: Any, fmt: str = "6.2f") -> str:
    if value is None:
        return "-".rjust(6) if fmt == "6.2f" else "-"
    return format(float(value), fmt)

"""What each section of the report shows, as plain data for its template: the clip, the
verdict per leg with the strip of moments, each moment with its evidence table, the
plots, left vs right.

The moments, verdicts and criteria are the analysis's assessments, in order
(:func:`pronate.outputs.render.moments.in_order`); the clip's file, frames and the side
medians are the summary's (:mod:`pronate.outputs.summary`). Numbers, verdicts and pass
marks are written by :mod:`pronate.outputs.report.values`; the markup is in the templates
(``templates/*.html.j2``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import xarray as xr

from pronate.outputs.render.moments import kind_words
from pronate.outputs.report.plots import NARROW, WIDE, Panel, angle_angle_plot, panels, time_plot
from pronate.outputs.report.text import moment_gist
from pronate.outputs.report.values import (
    LINKS,
    VERDICT_HEX,
    VERDICT_LABEL,
    Mark,
    fmt,
    leg_verdict,
    leg_words,
    pass_mark,
    side_moments,
    split_name,
    threshold_text,
    value_text,
    with_unit,
)
from pronate.outputs.summary import view_confidence
from pronate.verdict.analysis import Analysis
from pronate.verdict.assessment import Assessment, overall_verdict
from pronate.verdict.criteria import Criterion
from pronate.verdict.thresholds import Thresholds


def clip_facts(
    analysis: Analysis,
    summary: Mapping[str, Any],
    *,
    created: datetime,
    duration_s: float | None,
) -> list[tuple[str, str]]:
    """The clip: file, view, length, model and date of the analysis, as
    ``(label, value)``; the file and frames are the summary's."""
    video = str(summary.get("video") or "")
    view = analysis.camera.view.view or "unknown"
    frames, fps = summary.get("frames"), summary.get("fps")
    length = f"{duration_s:.1f} s, " if duration_s is not None else ""
    return [
        ("Clip", Path(video).name if video else "(no video)"),
        ("View", f"{view} ({view_confidence(view)} confidence)"),
        ("Length", f"{length}{frames} frames at {fmt(fps, 0)} fps"),
        ("Model", analysis.model or "unknown"),
        ("Analysed", created.strftime("%Y-%m-%d %H:%M")),
    ]


@dataclass(frozen=True)
class SideCard:
    """One leg: its overall verdict (``None`` without moments), how many moments loaded
    it, their verdicts (``"2× pronation, 1× partial"``) and its median peak FPPA."""

    leg: str
    verdict: str | None
    moments: int
    tally: str
    fppa: str | None


def side_cards(moments: Sequence[Assessment], summary: Mapping[str, Any]) -> list[SideCard]:
    """The card of each leg, left then right: the verdicts of its moments, and its median
    peak FPPA from the summary's ``sides``."""
    cards = []
    sides = summary.get("sides") or {}
    for leg in ("left", "right"):
        side = sides.get(leg) or {}
        verdicts = [leg_verdict(a, leg) for a in side_moments(moments, leg)]
        counts = Counter(verdicts)
        fppa = (side.get("medians") or {}).get("knee_fppa_peak_deg")
        cards.append(
            SideCard(
                leg=leg,
                verdict=overall_verdict(verdicts),
                moments=len(verdicts),
                tally=", ".join(
                    f"{n}× {VERDICT_LABEL.get(v, v).lower()}" for v, n in counts.items()
                ),
                fppa=fmt(fppa, 1) if fppa is not None else None,
            )
        )
    return cards


@dataclass(frozen=True)
class StripBlock:
    """A moment on the strip along the clip: where it starts and how wide it is (% of
    the clip), its verdict colour, its number with its legs (``"2LR"``) and tooltip."""

    number: int
    left_pct: float
    width_pct: float
    colour: str
    label: str
    tip: str


SIDE_LETTERS: Final[dict[str, str]] = {"left": "L", "right": "R", "both": "LR"}


def strip_blocks(moments: Sequence[Assessment], duration_s: float | None) -> list[StripBlock]:
    """The moments as blocks along the clip; none without a duration."""
    if not duration_s or duration_s <= 0:
        return []
    blocks = []
    for n, a in enumerate(moments, 1):
        start, end, side = float(a.moment.start_s), float(a.moment.end_s), a.moment.side
        blocks.append(
            StripBlock(
                number=n,
                left_pct=100.0 * max(0.0, start) / duration_s,
                width_pct=max(100.0 * (end - start) / duration_s, 0.6),
                colour=VERDICT_HEX.get(a.verdict, "#a0a0a0"),
                label=f"{n}{SIDE_LETTERS.get(side, '')}",
                tip=f"#{n} {leg_words(side)}: {a.verdict}",
            )
        )
    return blocks


@dataclass(frozen=True)
class EvidenceRow:
    """One link of the chain in a moment's evidence table.

    Attributes
    ----------
    label
        The link in a coach's words.
    names
        The criteria's names (as in ``summary.json``).
    informative
        Reported, but not part of the verdict.
    threshold
        The threshold in words.
    legs
        ``(leg, value, mark)`` of each criterion: one with leg ``None`` for a moment of
        one leg, one per leg for a bilateral moment.
    """

    label: str
    names: str
    informative: bool
    threshold: str
    legs: list[tuple[str | None, str, Mark]]

    @property
    def one_value(self) -> bool:
        """The criterion of a moment of one leg: a single value, not one per leg."""
        return len(self.legs) == 1 and self.legs[0][0] is None


def evidence_rows(moment: Assessment) -> list[EvidenceRow]:
    """The evidence of one moment: criterion, value, threshold, pass.

    Criteria given per leg (bilateral moments: ``..._left``, ``..._right``) share a row,
    with one value and one mark per leg.
    """
    valgus: dict[str | None, bool | None] = {}
    rows: dict[str, list[tuple[str | None, Criterion]]] = {}
    for c in moment.criteria:
        base, leg = split_name(c.name)
        rows.setdefault(base, []).append((leg, c))
        if base == "knee_valgus_movement":
            valgus[leg] = c.passed
    out = []
    for base, entries in rows.items():
        link = LINKS.get(base)
        out.append(
            EvidenceRow(
                label=link.label if link else base.replace("_", " "),
                names=" ".join(c.name for _, c in entries),
                informative=link is not None and link.informative,
                threshold=threshold_text(base, entries[0][1].threshold),
                legs=[
                    (
                        leg,
                        value_text(base, c.value, uncertainty=c.uncertainty),
                        pass_mark(c, valgus=valgus.get(leg)),
                    )
                    for leg, c in entries
                ],
            )
        )
    return out


@dataclass(frozen=True)
class MomentSection:
    """The section of one loading moment.

    Attributes
    ----------
    number
        Its number, by start time (as its key frame's).
    assessment
        The moment with its verdict.
    who, kind
        Its legs and its kind in words (``Both legs``, ``single-leg squat``).
    depth
        Its pelvis drop in leg lengths, ``None`` when not measured.
    per_leg
        The verdict of each leg of a bilateral moment; empty for one leg.
    gist
        What its verdict rests on, one sentence.
    deep
        The knee is read on the way down (the knee frame before the peak).
    keyframe_uri, angle_uri
        Its key frame and its angle-angle plot as ``data:`` URIs, or ``None``.
    evidence
        Its evidence table.
    """

    number: int
    assessment: Assessment
    who: str
    kind: str
    depth: float | None
    per_leg: list[tuple[str, str]]
    gist: str
    deep: bool
    keyframe_uri: str | None
    angle_uri: str | None
    evidence: list[EvidenceRow]


def moment_section(
    n: int,
    assessment: Assessment,
    *,
    view: str,
    metrics: xr.Dataset,
    keyframe_uri: str | None,
) -> MomentSection:
    """The section of moment number ``n``, with its angle-angle plot."""
    m = assessment.moment
    return MomentSection(
        number=n,
        assessment=assessment,
        who=leg_words(m.side),
        kind=kind_words(m.kind),
        depth=float(m.depth) if math.isfinite(m.depth) else None,
        per_leg=list(assessment.legs.items()) if m.side == "both" else [],
        gist=moment_gist(assessment, view=view),
        deep=abs(m.knee_s - m.peak_s) > 1e-6,
        keyframe_uri=keyframe_uri,
        angle_uri=angle_angle_plot(metrics, assessment, number=n),
        evidence=evidence_rows(assessment),
    )


@dataclass(frozen=True)
class PlotFigure:
    """A time plot: its panel, and its picture wide and for a phone (``None`` when
    nothing was measurable)."""

    panel: Panel
    uri: str | None
    phone_uri: str | None


def plot_figures(
    metrics: xr.Dataset, moments: Sequence[Assessment], *, thresholds: Thresholds
) -> list[PlotFigure]:
    """The time plots of :func:`pronate.outputs.report.plots.panels`."""
    out = []
    for panel in panels(thresholds):
        uri = time_plot(panel, metrics, moments, thresholds=thresholds, size=WIDE)
        phone = time_plot(panel, metrics, moments, thresholds=thresholds, size=NARROW)
        both = uri is not None and phone is not None
        out.append(PlotFigure(panel, uri if both else None, phone if both else None))
    return out


LR_ROWS: Final[tuple[tuple[str, str, str, int], ...]] = (
    ("knee_fppa_peak_deg", "Knee angle at the peak (FPPA)", "°", 1),
    ("knee_valgus_change_deg", "Knee movement toward the midline", "°", 1),
    ("femur_tibia_coupling_deg", "Thigh–shin coupling angle (45° = together)", "°", 0),
    ("femur_tibia_lag_s", "Shin lag behind the thigh", "s", 2),
    ("femur_tibia_in_phase_pct", "Thigh and shin in phase", "%", 0),
    ("pelvis_shift_toward_norm", "Pelvis shift over the standing foot", "hip widths", 2),
    ("pelvis_loaded_side_up_deg", "Pelvis hike on the standing side", "°", 1),
    ("com_margin_norm", "Centre of mass margin inside the base", "foot lengths", 2),
    ("foot_medial_shift_change_norm", "Ankle in over the foot (experimental)", "foot lengths", 3),
)
"""The side medians compared: key, words, unit, decimals."""


@dataclass(frozen=True)
class LeftRightRow:
    """A side median compared: words, left, right, left − right, and whether the gap is
    flagged as asymmetric."""

    words: str
    left: str
    right: str
    difference: str
    asymmetric: bool = False


def left_right_rows(summary: Mapping[str, Any]) -> list[LeftRightRow]:
    """The side medians of :data:`LR_ROWS` and their difference."""
    sides = summary.get("sides") or {}
    asym = summary.get("asymmetry") or {}
    left, right = sides.get("left") or {}, sides.get("right") or {}
    rows = []
    for key, label, unit, digits in LR_ROWS:
        entry = asym.get(key) or {}
        values = (
            entry.get("left", (left.get("medians") or {}).get(key)),
            entry.get("right", (right.get("medians") or {}).get(key)),
            entry.get("difference"),
        )
        short = unit if unit in ("°", "%", "s") else ""  # long units go with the label
        lv, rv, diff = (with_unit(fmt(v, digits), short) for v in values)
        rows.append(
            LeftRightRow(
                words=label if short or not unit else f"{label} ({unit})",
                left=lv,
                right=rv,
                difference=diff,
                asymmetric=key == "knee_fppa_peak_deg" and bool(asym.get("knee_fppa_asymmetric")),
            )
        )
    return rows


def shows_left_vs_right(moments: Sequence[Assessment]) -> bool:
    """Whether the left-vs-right picture adds anything: both legs have moments of their
    own."""
    # one leg alone: its key frame is already above, the picture would be half empty; only
    # bilateral moments: the best of each leg is the same frame, already above
    singles = {a.moment.side for a in moments} & {"left", "right"}
    return bool(singles) and all(side_moments(moments, leg) for leg in ("left", "right"))

"""How a measured value and a verdict read in the report: the one place to change that.

Numbers with their unit (:func:`fmt`, :func:`with_unit`, :func:`value_text`), the
threshold of a criterion (:func:`threshold_text`), its pass mark (:func:`pass_mark`, from
:func:`criterion_status`), the verdict badge (:func:`badge_class`, :func:`badge_text`)
and the verdict colours and words; and the criteria of :mod:`pronate.verdict.assessment`
(:class:`pronate.verdict.criteria.Criterion`) in a coach's words (:data:`LINKS`).
Everything here is plain text: the templates escape it. The loading moments are the
analysis's assessments, numbered as :mod:`pronate.outputs.render.moments` numbers them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from pronate.outputs.render.style import VERDICT_COLOURS, VERDICT_WORDS
from pronate.verdict.assessment import Assessment
from pronate.verdict.criteria import Criterion

VERDICT_HEX: Final[dict[str, str]] = {
    verdict: "#{:02x}{:02x}{:02x}".format(*rgb) for verdict, rgb in VERDICT_COLOURS.items()
}
"""The verdict colours of the overlay (:data:`pronate.outputs.render.style.VERDICT_COLOURS`)."""


VERDICT_LABEL: Final[Mapping[str, str]] = VERDICT_WORDS
"""The verdict words of the overlay (:data:`pronate.outputs.render.style.VERDICT_WORDS`)."""


SIDE_HEX: Final[dict[str, str]] = {"left": "#1f6fd1", "right": "#c2188f"}
"""Line colours of the subject's left and right in the plots: the hues of the overlay's
skeleton, darkened to read on white."""


@dataclass(frozen=True)
class Link:
    """How a criterion of :mod:`pronate.verdict.assessment` reads in the report.

    Attributes
    ----------
    label
        The link of the chain, in a coach's words.
    unit
        Unit of the value (``"°"``, ``"s"``, ``"%"``, ``"hip widths"`` ...).
    op
        The comparison of the verdict: ``>``, ``>=``, ``<=``, or ``in`` (a range).
    digits
        Decimals shown.
    failed
        What a failed criterion means, as a short clause.
    informative
        Reported, but not part of the verdict.
    """

    label: str
    unit: str
    op: str
    digits: int
    failed: str
    informative: bool = False


LINKS: Final[dict[str, Link]] = {
    "com_inside_base": Link(
        "Centre of mass inside the base of support (margin)",
        "foot lengths",
        ">",
        2,
        "the centre of mass was not inside the base of support",
    ),
    "xcom_inside_base": Link(
        "Moving centre of mass inside the base (Hof's XCoM)",
        "foot lengths",
        ">",
        2,
        "the moving centre of mass was outside the base of support",
        informative=True,
    ),
    "pelvis_over_foot": Link(
        "Pelvis shifted over the standing foot",
        "hip widths",
        ">=",
        2,
        "the pelvis did not shift over the standing foot",
    ),
    "pelvis_centred": Link(
        "Pelvis centred between the feet (|shift|)",
        "hip widths",
        "<=",
        2,
        "the pelvis was not centred between the feet",
    ),
    "pelvis_loaded_side_up": Link(
        "Pelvis hiked on the standing side",
        "°",
        ">=",
        1,
        "the pelvis did not hike on the standing side",
    ),
    "pelvis_level": Link(
        "Pelvis level (|obliquity|)",
        "°",
        "<=",
        1,
        "the pelvis was not level",
    ),
    "knee_valgus_movement": Link(
        "Knee moved toward the midline (FPPA change, start to peak)",
        "°",
        ">=",
        1,
        "the knee did not move toward the midline",
    ),
    "knee_fppa_in_band": Link(
        "Knee angle at the peak inside the normal band (FPPA)",
        "°",
        "between",
        1,
        "the knee angle at the peak was outside the normal band",
    ),
    "femur_tibia_coupling": Link(
        "Thigh and shin tilted together (coupling angle)",
        "°",
        "in",
        0,
        "thigh and shin did not tilt together",
    ),
    "femur_tibia_lag": Link(
        "Shin followed the thigh without delay (lag)",
        "s",
        "<=",
        2,
        "the shin lagged behind the thigh",
    ),
    "femur_tibia_in_phase": Link(
        "Share of the moment with thigh and shin in phase",
        "%",
        ">=",
        0,
        "thigh and shin were in phase less than half the time",
        informative=True,
    ),
    "foot_pronation": Link(
        "Ankle moved in over the foot (experimental foot proxy)",
        "foot lengths",
        ">=",
        3,
        "the ankle did not move in over the foot",
        informative=True,
    ),
}
"""Every criterion of :mod:`pronate.verdict.assessment`, in the order of the chain."""


CHAIN_ORDER: Final[tuple[str, ...]] = tuple(LINKS)


RHYTHM: Final[tuple[str, ...]] = ("femur_tibia_coupling", "femur_tibia_lag", "femur_tibia_in_phase")


def split_name(name: str) -> tuple[str, str | None]:
    """Split a criterion name into its base and its leg (``knee_fppa_in_band_left``)."""
    for leg in ("left", "right"):
        if name.endswith(f"_{leg}"):
            return name[: -len(leg) - 1], leg
    return name, None


def fmt(value: Any, digits: int) -> str:
    """A number with ``digits`` decimals and a true minus sign; ``—`` when missing."""
    if value is None:
        return "—"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(f):
        return "—"
    text = f"{f:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


def with_unit(text: str, unit: str) -> str:
    """``12.5°``, ``40%``, ``0.30 hip widths``; ``—`` stays alone."""
    if text == "—" or not unit:
        return text
    return f"{text}{unit}" if unit in ("°", "%") else f"{text} {unit}"


def threshold_text(name: str, threshold: Any) -> str:
    """The threshold of a criterion in words: ``≤ 16.8°``, ``in phase: 22.5–67.5°``."""
    base, _ = split_name(name)
    link = LINKS.get(base)
    if link is None:
        return str(threshold)
    if link.op == "in" and isinstance(threshold, list | tuple) and len(threshold) == 2:
        lo, hi = (fmt(v, 1) for v in threshold)
        return f"in phase: {lo}–{hi}°"
    if isinstance(threshold, list | tuple) and len(threshold) == 2:
        lo, hi = (fmt(v, 1) for v in threshold)
        return f"{lo}° to {hi}°"
    op = {">": ">", ">=": "≥", "<=": "≤"}.get(link.op, link.op)
    digits = max(link.digits, 1) if link.unit == "°" else link.digits
    return f"{op} {with_unit(fmt(threshold, digits), link.unit)}"


def value_text(name: str, value: Any, *, uncertainty: Any = None) -> str:
    """The value of a criterion with its unit, and ``± uncertainty`` when that is a
    positive number (``16.0° ± 5.0°``, ``0.12 ± 0.05 hip widths``); any other
    uncertainty is left out."""
    base, _ = split_name(name)
    link = LINKS.get(base)
    digits, unit = (link.digits, link.unit) if link is not None else (2, "")
    text = fmt(value, digits)
    spread = fmt(uncertainty, digits) if _positive(uncertainty) else "—"
    if text == "—" or spread == "—":
        return with_unit(text, unit)
    if unit in ("°", "%"):
        return f"{with_unit(text, unit)} ± {with_unit(spread, unit)}"
    return with_unit(f"{text} ± {spread}", unit)


def _positive(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value > 0


def criterion_label(name: str) -> str:
    """The criterion in a coach's words, with its leg for bilateral moments."""
    base, leg = split_name(name)
    link = LINKS.get(base)
    label = link.label if link else base.replace("_", " ")
    return f"{leg.capitalize()} knee: {label[0].lower()}{label[1:]}" if leg else label


def badge_class(verdict: Any) -> str:
    """The CSS class of a verdict's badge: ``v-pronation`` ...; ``v-none`` for anything
    else (``None``: no moment)."""
    return f"v-{verdict}" if verdict in VERDICT_LABEL else "v-none"


def badge_text(verdict: Any) -> str:
    """The words of a verdict's badge; ``None``: *NO MOMENT*."""
    return VERDICT_LABEL.get(str(verdict), "NO MOMENT" if verdict is None else str(verdict))


def seconds(value: Any) -> str:
    """A time in seconds, two decimals: ``1.25 s``."""
    return f"{fmt(value, 2)} s"


def criterion_status(criterion: Criterion) -> str | None:
    """``"passed"``, ``"failed"``, ``"uncertain"``, or ``None`` when not measured."""
    status = criterion.status
    return None if status == "unmeasured" else status


class Mark(NamedTuple):
    """The pass column of a criterion: its CSS class, its words and a tooltip."""

    css_class: str
    text: str
    tip: str = ""


def pass_mark(criterion: Criterion, *, valgus: bool | None) -> Mark:
    """The pass column of a criterion.

    ``valgus`` is whether the knee moved toward the midline in that moment: without that
    movement the rhythm criteria are *not judged* rather than *not measured*.
    """
    status = criterion_status(criterion)
    if status == "passed":
        return Mark("ok", "✓ yes")
    if status == "failed":
        return Mark("no", "✗ no")
    if status == "uncertain":
        return Mark("unsure", "? unsure", "too close to the threshold to tell")
    base, _ = split_name(criterion.name)
    if base in RHYTHM and valgus is False and math.isfinite(criterion.value):
        return Mark("na", "not judged", "no knee movement to judge the rhythm of")
    return Mark("na", "not measured")


def side_moments(moments: Sequence[Assessment], leg: str) -> list[Assessment]:
    """The moments that load ``leg`` (its own and the bilateral ones)."""
    return [a for a in moments if a.moment.side in (leg, "both")]


def leg_verdict(moment: Assessment, leg: str) -> str:
    """The verdict of ``leg`` in a moment (a bilateral moment's per-leg verdict)."""
    return moment.legs.get(leg, moment.verdict)


def failed_links(criteria: Iterable[Criterion], *, leg: str | None = None) -> list[str]:
    """Base names of the failed criteria used in the verdict, in the order of the chain."""
    out: list[str] = []
    for c in criteria:
        base, which = split_name(c.name)
        link = LINKS.get(base)
        if link is None or link.informative or criterion_status(c) != "failed":
            continue
        if leg is not None and which not in (None, leg):
            continue
        if base not in out:
            out.append(base)
    return sorted(out, key=CHAIN_ORDER.index)


def leg_words(side: str) -> str:
    """``left`` -> ``Left leg``; ``both`` -> ``Both legs``."""
    return "Both legs" if side == "both" else f"{str(side).capitalize()} leg"

"""The words of the evidence: each criterion and metric (:class:`Measure`), each verdict,
each status, and how a value, its ± and a threshold are written (:func:`value_text`,
:func:`threshold_text`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class Measure:
    """How one criterion (or metric) reads.

    Attributes
    ----------
    label
        What it is, in the coach's words.
    unit
        ``°``, ``%``, ``s``, ``foot lengths``, ``hip widths``.
    op
        The direction of its threshold: ``>``, ``>=``, ``<=`` or ``inside`` (a range).
    digits
        Decimals shown when the value has no ±.
    failed
        What not meeting it means, as a clause.
    """

    label: str
    unit: str
    op: str = ""
    digits: int = 1
    failed: str = ""


CRITERIA: Final[dict[str, Measure]] = {
    "com_inside_base": Measure(
        "Balance: centre of mass inside the base (margin)",
        "foot lengths",
        ">",
        2,
        "the centre of mass was outside the base of support",
    ),
    "xcom_inside_base": Measure(
        "Moving centre of mass inside the base (Hof's XCoM)",
        "foot lengths",
        ">",
        2,
        "the moving centre of mass was outside the base",
    ),
    "pelvis_over_foot": Measure(
        "Pelvis shift over the standing foot",
        "hip widths",
        ">=",
        2,
        "the pelvis did not shift over the standing foot",
    ),
    "pelvis_centred": Measure(
        "Pelvis off centre between the feet",
        "hip widths",
        "<=",
        2,
        "the pelvis was not centred between the feet",
    ),
    "pelvis_loaded_side_up": Measure(
        "Pelvis hike on the standing side", "°", ">=", 1, "the pelvis did not hike"
    ),
    "pelvis_level": Measure("Pelvis tilt (size)", "°", "<=", 1, "the pelvis was not level"),
    "knee_valgus_movement": Measure(
        "Knee movement toward the midline",
        "°",
        ">=",
        1,
        "the knee did not move toward the midline",
    ),
    "knee_fppa_in_band": Measure(
        "Knee angle at the peak (FPPA, + inward)",
        "°",
        "inside",
        1,
        "the knee angle at the peak was outside the normal band",
    ),
    "femur_tibia_coupling": Measure(
        "Thigh and shin tilting together (coupling angle)",
        "°",
        "inside",
        0,
        "thigh and shin did not tilt together",
    ),
    "femur_tibia_lag": Measure(
        "Delay of the shin behind the thigh", "s", "<=", 2, "the shin lagged"
    ),
    "femur_tibia_in_phase": Measure(
        "Time with thigh and shin in phase", "%", ">=", 0, "thigh and shin were rarely in phase"
    ),
    "foot_pronation": Measure(
        "Ankle moving in over the foot (experimental)",
        "foot lengths",
        ">=",
        2,
        "the ankle did not move in over the foot",
    ),
}
"""Every criterion of :mod:`pronate.verdict.criteria`, in the order of the chain."""

METRICS: Final[dict[str, Measure]] = {
    "knee_fppa": Measure("knee angle (FPPA, + inward)", "°", digits=0),
    "femur_frontal": Measure("thigh tilt (+ knee inward)", "°", digits=0),
    "tibia_frontal": Measure("shin tilt (+ ankle inward)", "°", digits=0),
    "pelvic_obliquity": Measure("Pelvis tilt (+ left hip higher)", "°", digits=0),
    "trunk_lean": Measure("Trunk lean (+ toward the left)", "°", digits=0),
    "pelvis_shift": Measure("Pelvis shift (+ toward the left)", "hip widths", digits=2),
    "com_margin": Measure("Balance margin (+ inside the base)", "foot lengths", digits=2),
}
"""Per-frame metrics shown by themselves (a captured frame, the live readout)."""

VERDICTS: Final[dict[str, tuple[str, str]]] = {
    "pronation": ("Pronation", "the chain is there"),
    "partial": ("Partial", "some links of the chain present, some not"),
    "missing": ("Missing", "the leg took the load without the chain"),
    "collapse": ("Collapse", "the knee went in beyond the band, or out of rhythm"),
    "uncertain": ("Uncertain", "not decided within the ± of the measurement"),
    "unmeasurable": ("Not measurable", "this view or this moment shows too little"),
}
"""Each verdict's name and meaning; any other verdict is shown by its own name."""

STATUS_WORDS: Final[dict[str, str]] = {
    "passed": "met",
    "failed": "not met",
    "uncertain": "too close to call (within its ±)",
    "unmeasured": "not measured",
    "not_judged": "not judged (the knee did not move in)",
}
"""A criterion's status in words (``not_judged``: a rhythm with no knee movement)."""

OPS: Final[dict[str, str]] = {">": ">", ">=": "≥", "<=": "≤"}
LEGS: Final[tuple[str, ...]] = ("left", "right")
FILMING_ADVICE: Final[str] = (
    "Film from the front or from behind, at hip height, with the whole body and both "
    "feet in the picture, in good light"
)
"""How to film a moment that can be measured (the card of an unmeasurable moment)."""


def verdict_title(verdict: Any) -> str:
    """``Pronation``, ``Not measurable``; an unknown verdict by its own name; ``None``: no
    loading moment."""
    if verdict is None:
        return "No loading moment"
    known = VERDICTS.get(str(verdict))
    return known[0] if known else str(verdict).replace("_", " ").capitalize()


def verdict_words(verdict: Any) -> str:
    """``Pronation: the chain is there``; an unknown verdict by its name alone."""
    known = VERDICTS.get(str(verdict))
    return f"{known[0]}: {known[1]}" if known else verdict_title(verdict)


def split_name(name: str) -> tuple[str, str | None]:
    """``knee_fppa_in_band_left`` -> (``knee_fppa_in_band``, ``left``)."""
    for leg in LEGS:
        if name.endswith(f"_{leg}"):
            return name[: -len(leg) - 1], leg
    return name, None


def decimals(sigma: Any, default: int) -> int:
    """Decimals that match a ±: one significant digit, two when it starts with 1 or 2
    (``10`` -> 0, ``2.7`` -> 1, ``0.15`` -> 2); ``default`` without a ±."""
    if not _positive(sigma):
        return default
    exponent = math.floor(math.log10(float(sigma)))
    leading = float(sigma) / 10.0**exponent
    return max(0, -exponent + (1 if leading < 3 else 0))


def number(value: Any, digits: int) -> str:
    """A number with ``digits`` decimals and a true minus sign; ``–`` when missing."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    text = f"{float(value):.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


def plain(value: Any) -> str:
    """A threshold as given: ``16.8``, ``3``, ``0.25`` (no trailing zeros)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    return f"{float(value):g}".replace("-", "−")


def with_unit(text: str, unit: str) -> str:
    """``12°``, ``40%``, ``0.30 hip widths``; ``–`` stays alone."""
    if text == "–" or not unit:
        return text
    return f"{text}{unit}" if unit in ("°", "%") else f"{text} {unit}"


def measure_of(name: str) -> Measure:
    """The :class:`Measure` of a criterion or a per-frame metric name."""
    base, _ = split_name(name)
    if base in CRITERIA:
        return CRITERIA[base]
    for stem, measure in METRICS.items():
        if name.startswith(stem):
            return measure
    return Measure(base.replace("_", " "), "", digits=2)


def value_text(name: str, value: Any, uncertainty: Any = None) -> str:
    """The value with its unit and ±, at the precision of the ±: ``−17° ± 10°``,
    ``0.12 ± 0.15 foot lengths``, ``0.05 s``; ``–`` when not measured."""
    measure = measure_of(name)
    digits = decimals(uncertainty, measure.digits)
    text = number(value, digits)
    if text == "–" or not _positive(uncertainty):
        return with_unit(text, measure.unit)
    spread = number(uncertainty, digits)
    if measure.unit in ("°", "%"):
        return f"{with_unit(text, measure.unit)} ± {with_unit(spread, measure.unit)}"
    return with_unit(f"{text} ± {spread}", measure.unit)


def threshold_text(name: str, threshold: Any) -> str:
    """The threshold with its direction: ``≥ 3°``, ``> 0 foot lengths``, ``inside −10° to
    16.8°``; anything unexpected as it is."""
    measure = measure_of(name)
    if isinstance(threshold, list | tuple) and len(threshold) == 2:
        lo, hi = (with_unit(plain(v), measure.unit) for v in threshold)
        return f"inside {lo} to {hi}"
    if isinstance(threshold, int | float) and not isinstance(threshold, bool):
        op = OPS.get(measure.op, measure.op)
        return f"{op} {with_unit(plain(threshold), measure.unit)}".strip()
    return "–" if threshold is None else str(threshold)


def criterion_label(name: str) -> str:
    """A criterion in words, with its leg when the name carries one."""
    _, leg = split_name(name)
    label = measure_of(name).label
    return f"{leg.capitalize()} leg: {label[0].lower()}{label[1:]}" if leg else label


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: Any) -> bool:
    return finite(value) and float(value) > 0

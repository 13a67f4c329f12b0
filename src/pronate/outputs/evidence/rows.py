"""A moment's evidence: its criteria as rows (:func:`evidence_rows`), the metrics of a
captured frame (:func:`metric_rows`), the headline naming what decided the verdict
(:func:`headline`, by the rule of :mod:`pronate.verdict.assessment`) and the quality of
the clip (:func:`quality_lines`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from pronate.outputs.evidence.words import (
    LEGS,
    METRICS,
    STATUS_WORDS,
    criterion_label,
    finite,
    measure_of,
    split_name,
    threshold_text,
    value_text,
    verdict_title,
)
from pronate.verdict.assessment import PROXIMAL, RHYTHM, informative_for

Event = Mapping[str, Any]
"""A moment of ``summary.json["events"]`` (or a live moment with the same keys)."""


def status_of(criterion: Mapping[str, Any], *, valgus: bool | None = None) -> str:
    """``passed``, ``failed``, ``uncertain``, ``unmeasured`` or ``not_judged`` (a rhythm
    criterion with a value while the knee did not move in: ``valgus`` false)."""
    status = criterion.get("status")
    if status not in ("passed", "failed", "uncertain", "unmeasured"):
        passed = criterion.get("passed")
        status = "passed" if passed is True else "failed" if passed is False else "unmeasured"
    base, _ = split_name(str(criterion.get("name", "")))
    if status == "unmeasured" and base in (*RHYTHM, "femur_tibia_in_phase") and valgus is False:
        return "not_judged" if finite(criterion.get("value")) else status
    return str(status)


@dataclass(frozen=True)
class Row:
    """One row of the evidence table of a moment.

    Attributes
    ----------
    name
        The criterion (or metric) as in ``summary.json``.
    label
        It in words, with its leg for a two-leg moment.
    value, threshold
        :func:`value_text` and :func:`threshold_text`.
    status
        The status key (``passed`` ...; ``""`` for a metric alone).
    status_text
        It in words (:data:`STATUS_WORDS`).
    counts
        Whether it enters the verdict (informative criteria do not).
    """

    name: str
    label: str
    value: str
    threshold: str
    status: str
    status_text: str
    counts: bool

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON (the live page builds its tables from it)."""
        return asdict(self)


def _valgus(event: Event, leg: str | None) -> bool | None:
    for c in event.get("criteria") or []:
        base, which = split_name(str(c.get("name", "")))
        if base == "knee_valgus_movement" and which in (None, leg):
            passed = c.get("passed")
            return None if passed is None else bool(passed)
    return None


def evidence_rows(event: Event) -> list[Row]:
    """Every criterion of a moment as a :class:`Row`, in the moment's order."""
    skip = informative_for(str(event.get("kind", "")))
    out = []
    for c in event.get("criteria") or []:
        name = str(c.get("name", ""))
        base, leg = split_name(name)
        status = status_of(c, valgus=_valgus(event, leg))
        out.append(
            Row(
                name=name,
                label=criterion_label(name),
                value=value_text(name, c.get("value"), c.get("uncertainty")),
                threshold=threshold_text(name, c.get("threshold")),
                status=status,
                status_text=STATUS_WORDS[status],
                counts=base not in skip,
            )
        )
    return out


def metric_rows(metrics: Mapping[str, Any], uncertainty: Mapping[str, Any]) -> list[Row]:
    """The per-frame metrics of a captured frame that :data:`METRICS` names, as rows
    without threshold or status (``{name: value}``, ``{name: ±}``)."""
    out = []
    for stem, measure in METRICS.items():
        for name in sorted(k for k in metrics if k.startswith(stem)):
            value = metrics[name]
            if not finite(value):
                continue
            leg = next((s for s in LEGS if f"_{s}_" in name), None)
            label = f"{leg.capitalize()} {measure.label}" if leg else measure.label
            text = value_text(name, value, uncertainty.get(name))
            out.append(Row(name, label, text, "", "", "", True))
    return out


def _in_leg(event: Event, leg: str | None) -> list[Mapping[str, Any]]:
    """The criteria of a moment that judge ``leg`` (shared ones and its own)."""
    out = []
    for c in event.get("criteria") or []:
        _, which = split_name(str(c.get("name", "")))
        if which in (None, leg) or leg is None:
            out.append(c)
    return out


def _named(c: Mapping[str, Any], *, failed: bool = True) -> str:
    """A criterion in a headline: what not meeting it means (or its label), its value
    and threshold, and whether the value is too close to call."""
    name = str(c.get("name", ""))
    _, leg = split_name(name)
    words = measure_of(name).failed if failed else criterion_label(name).split(" (")[0]
    words = words or criterion_label(name).split(" (")[0]
    words = f"{leg} leg: {words}" if leg and failed else f"{words[0].lower()}{words[1:]}"
    value = value_text(name, c.get("value"), c.get("uncertainty"))
    unsure = "; too close to call" if c.get("status") == "uncertain" else ""
    return f"{words} ({value}, needs {threshold_text(name, c.get('threshold'))}{unsure})"


def _list(criteria: Sequence[Mapping[str, Any]], *, failed: bool = True) -> str:
    return "; ".join(_named(c, failed=failed) for c in criteria)


def _failed(
    criteria: Sequence[Mapping[str, Any]], kind: str, bases: Sequence[str] = ()
) -> list[Mapping[str, Any]]:
    """The criteria used in the verdict of ``kind`` that did not pass (of ``bases``)."""
    skip = informative_for(kind)
    return [
        c
        for c in criteria
        if c.get("passed") is False
        and split_name(str(c.get("name", "")))[0] not in skip
        and (not bases or split_name(str(c.get("name", "")))[0] in bases)
    ]


def _pronation(event: Event, criteria: Sequence[Mapping[str, Any]]) -> str:
    skip = informative_for(str(event.get("kind", "")))
    unsure = [
        c
        for c in criteria
        if c.get("status") == "uncertain" and split_name(str(c.get("name", "")))[0] not in skip
    ]
    text = "every link of the chain that counts was met"
    return text + (f"; too close to call: {_list(unsure, failed=False)}" if unsure else "")


def _collapse(event: Event, criteria: Sequence[Mapping[str, Any]]) -> str:
    kind = str(event.get("kind", ""))
    band = [
        c
        for c in _failed(criteria, kind, ("knee_fppa_in_band",))
        if finite(c.get("value")) and finite(_upper(c.get("threshold")))
        if float(c["value"]) > _upper(c.get("threshold"))
    ]
    if band:
        return f"beyond the normal band: {_list(band)}"
    rhythm = _failed(criteria, kind, RHYTHM)
    return f"the knee moved in out of rhythm: {_list(rhythm)}" if rhythm else "out of rhythm"


def _missing(event: Event, criteria: Sequence[Mapping[str, Any]]) -> str:
    # the rule reads the knee's movement even where it is informative (a two-leg squat)
    knee = [
        c
        for c in criteria
        if split_name(str(c.get("name", "")))[0] == "knee_valgus_movement"
        and c.get("passed") is False
    ]
    deciding = knee + _failed(criteria, str(event.get("kind", "")), PROXIMAL)
    return _list(deciding) if deciding else "the chain did not take part"


def _partial(event: Event, criteria: Sequence[Mapping[str, Any]]) -> str:
    deciding = _failed(criteria, str(event.get("kind", "")))
    return _list(deciding) if deciding else "some links were not measured"


def _unmeasurable(event: Event, criteria: Sequence[Mapping[str, Any]]) -> str:
    reason = event.get("reason")
    if reason:
        hint = event.get("placement_hint")
        return f"{reason}" + (f"; to measure, {hint}" if hint else "")
    return "the knee was not seen well enough during this moment"


def _uncertain(event: Event, criteria: Sequence[Mapping[str, Any]]) -> str:
    likely = ", ".join(
        f"{x['verdict']} {100 * float(x['share']):.0f} %" for x in event.get("likely") or []
    )
    settle = event.get("settle")
    return (f"likely {likely}" if likely else "no verdict reached 80 %") + (
        f"; to settle it: {settle}" if settle else ""
    )


REASONS: Final[dict[str, Callable[[Event, Sequence[Mapping[str, Any]]], str]]] = {
    "pronation": _pronation,
    "collapse": _collapse,
    "missing": _missing,
    "partial": _partial,
    "unmeasurable": _unmeasurable,
    "uncertain": _uncertain,
}
"""What decided each verdict, by the decision rule of :mod:`pronate.verdict.assessment`:
a function of the moment and the criteria of the leg."""


def reason(event: Event, verdict: Any, leg: str | None = None) -> str:
    """What decided ``verdict`` for ``leg`` of a moment (``None``: all its criteria)."""
    criteria = _in_leg(event, leg)
    rule = REASONS.get(str(verdict))
    if rule is not None:
        return rule(event, criteria)
    failed = _failed(criteria, str(event.get("kind", "")))
    return _list(failed)


def headline(event: Event) -> str:
    """The verdict of a moment and the criteria that decided it, in one line:
    ``Partial — the pelvis did not hike (−13° ± 11°, needs ≥ 1°)``;
    the legs of a two-leg moment each, when their verdicts differ."""
    verdict = event.get("verdict")
    legs = dict(event.get("legs") or {})
    if len(legs) > 1 and len(set(legs.values())) > 1:
        parts = [
            f"{leg} leg {verdict_title(v).lower()}"
            + (f" ({why})" if (why := reason(event, v, leg)) else "")
            for leg, v in legs.items()
        ]
        return f"{verdict_title(verdict)} — " + "; ".join(parts)
    why = reason(event, verdict)
    return f"{verdict_title(verdict)} — {why}" if why else verdict_title(verdict)


def quality_lines(summary: Mapping[str, Any]) -> list[str]:
    """The clip's quality: the confidence of its verdicts, then each warning."""
    quality: Mapping[str, Any] = summary.get("quality") or {}
    out = []
    confidence = quality.get("confidence")
    if confidence == "lower":
        out.append("Confidence of the verdicts: lower, because of what follows")
    elif confidence:
        out.append(f"Confidence of the verdicts: {confidence}")
    out.extend(f"{w[0].upper()}{w[1:]}" for w in quality.get("warnings") or [] if w)
    return out


def _upper(threshold: Any) -> float:
    if isinstance(threshold, list | tuple) and threshold:
        return float(max(threshold))
    return float(threshold) if finite(threshold) else math.nan

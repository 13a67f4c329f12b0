"""A client's progress, per movement and leg: each session's verdict from the moments of
that movement only (single-leg stance and squat, step-down, lunge, two-leg squat,
walking; :data:`pronate.outputs.evidence.MOVEMENTS`), never a vote across kinds, with the
live moments counted like the clips' ones; the key numbers of each session (medians over
its moments) and the first session with pronation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from pronate.app.store.models import Client, Visit
from pronate.app.web import schemas
from pronate.app.web.moments import Moment, session_labels
from pronate.outputs.evidence import KEY_NUMBERS, MOVEMENTS, movement_title, split_name
from pronate.verdict.assessment import overall_verdict

LEGS = ("left", "right")


def trend_keys(movement: str) -> tuple[str, ...]:
    """The criteria followed over sessions for a movement (those of its share card)."""
    return KEY_NUMBERS["squat" if movement == "squat" else "single_leg"]


def _value(event: Mapping[str, Any], base: str, leg: str) -> tuple[float | None, Any, Any]:
    """A criterion's value, ± and threshold in a moment, for one leg."""
    for c in event.get("criteria") or []:
        name, which = split_name(str(c.get("name", "")))
        if name == base and which in (None, leg):
            value = c.get("value")
            finite = isinstance(value, int | float) and np.isfinite(value)
            return (float(value) if finite else None), c.get("uncertainty"), c.get("threshold")
    return None, None, None


def leg_of(moments: list[Moment], movement: str, leg: str) -> schemas.MovementLeg:
    """One leg in one movement of one session: the verdict of its moments (the pipeline's
    rule) and the median of each key number."""
    mine = [m for m in moments if m.movement == movement and leg in m.legs]
    metrics: dict[str, float | None] = {}
    for base in trend_keys(movement):
        values = [v for m in mine if (v := _value(m.event, base, leg)[0]) is not None]
        metrics[base] = float(np.median(values)) if values else None
    return schemas.MovementLeg(
        verdict=overall_verdict([m.legs[leg] for m in mine]),
        moments=len(mine),
        live=sum(1 for m in mine if m.source != "clip"),
        metrics=metrics,
    )


def bands(moments: Iterable[Moment], movement: str) -> dict[str, dict[str, Any]]:
    """Each key number's threshold and ± as the latest moment of the movement gives them."""
    out: dict[str, dict[str, Any]] = {}
    for m in moments:
        if m.movement != movement:
            continue
        for base in trend_keys(movement):
            for leg in m.legs:
                _, sigma, threshold = _value(m.event, base, leg)
                if threshold is not None:
                    out[base] = {"threshold": threshold, "uncertainty": sigma}
    return out


def history(client: Client, moments: list[Moment]) -> schemas.History:
    """A client's sessions in date order, each with its verdicts per movement and leg."""
    labels = session_labels(client.visits)
    visits: list[Visit] = sorted(client.visits, key=lambda v: (v.date, v.id))
    scored = [m for m in moments if m.verdict is not None and m.source != "capture"]
    known = list(MOVEMENTS)
    present = sorted(
        {m.movement for m in scored},
        key=lambda k: (k not in known, known.index(k) if k in known else 0, k),
    )
    entries = []
    for visit in visits:
        mine = [m for m in moments if m.visit_id == visit.id]
        counted = [m for m in scored if m.visit_id == visit.id]
        movements = {
            movement: {leg: leg_of(counted, movement, leg) for leg in LEGS} for movement in present
        }
        entries.append(
            schemas.HistoryEntry(
                session_id=visit.id,
                date=visit.date,
                label=labels[visit.id],
                notes=visit.notes,
                analyses=sorted(
                    {int(m.key.split("-")[0]) for m in mine if m.source == "clip"}
                    | _analyses(visit)
                ),
                live_moments=[int(m.key.removeprefix("live-")) for m in mine if m.source != "clip"],
                movements={
                    k: v for k, v in movements.items() if any(s.moments for s in v.values())
                },
            )
        )
    summary = []
    for movement in present:
        first = {
            leg: next(
                (
                    e.session_id
                    for e in entries
                    if movement in e.movements and e.movements[movement][leg].verdict == "pronation"
                ),
                None,
            )
            for leg in LEGS
        }
        legs = [
            leg
            for leg in LEGS
            if any(movement in e.movements and e.movements[movement][leg].moments for e in entries)
        ]
        summary.append(
            schemas.Movement(
                key=movement,
                title=movement_title(movement),
                legs=legs,
                first_pronation=first,
                bands=bands(scored, movement),
            )
        )
    return schemas.History(client_id=client.id, sessions=entries, movements=summary)


def _analyses(visit: Visit) -> set[int]:
    """Every analysis of a visit's clips (also those with no moment)."""
    return {a.id for clip in visit.clips for a in clip.analyses}

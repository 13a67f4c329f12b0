"""The timeline (progress per movement and leg, over dated sessions) and Compare (two
moments side by side, by default the same movement and leg, first session against the
latest)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pronate.app.store.models import Client
from pronate.app.web import schemas, service
from pronate.app.web.moments import Moment, client_moments, default_pair, find_moment
from pronate.app.web.pages import page, root_of
from pronate.app.web.plots import Series, trend_svg
from pronate.app.web.progress import LEGS, history, trend_keys
from pronate.app.workspace.deps import DB
from pronate.app.workspace.service import get
from pronate.outputs.evidence import CRITERIA

router = APIRouter(include_in_schema=False)


def band_of(base: str, threshold: Any) -> tuple[float | None, float | None]:
    """The normal band of a key number from its threshold and direction."""
    if isinstance(threshold, list | tuple) and len(threshold) == 2:
        return float(threshold[0]), float(threshold[1])
    if not isinstance(threshold, int | float):
        return None, None
    op = CRITERIA[base].op if base in CRITERIA else ""
    return (None, float(threshold)) if op == "<=" else (float(threshold), None)


def plot_title(base: str) -> str:
    """``Pelvis hiked on the standing side (°)``."""
    measure = CRITERIA.get(base)
    if measure is None:
        return base.replace("_", " ")
    label = measure.label.split(" (")[0]
    return f"{label} ({measure.unit})"


def movement_plots(data: schemas.History, movement: schemas.Movement) -> list[str]:
    """The trend plots of one movement: each key number measured in one of its sessions,
    one line per leg, over the sessions with that movement."""
    entries = [e for e in data.sessions if movement.key in e.movements]
    labels = [e.label for e in entries]
    marks: dict[int, str] = {}
    for leg, sid in movement.first_pronation.items():
        for i, e in enumerate(entries):
            if e.session_id == sid:
                marks[i] = (marks.get(i, "") + f" first pronation ({leg})").strip()
    plots = []
    for base in trend_keys(movement.key):
        known = movement.bands.get(base, {})
        sigma = known.get("uncertainty")
        errors = [sigma if isinstance(sigma, int | float) else None] * len(entries)
        series = [
            Series(
                side=leg,
                values=[e.movements[movement.key][leg].metrics.get(base) for e in entries],
                errors=errors,
            )
            for leg in LEGS
        ]
        if movement.key == "squat" and not base.startswith("knee"):
            series = [replace(series[0], side="both")]  # one pelvis, one body: both legs
        if not any(v is not None for s in series for v in s.values):
            continue  # never measured (an oblique camera, say): nothing to follow
        plots.append(
            trend_svg(
                title=plot_title(base),
                labels=labels,
                series=series,
                band=band_of(base, known.get("threshold")),
                marks=marks,
                ident=f"trend-{movement.key}-{base}",
            )
        )
    return plots


@router.get("/clients/{client_id}/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, client_id: int, db: DB) -> HTMLResponse:
    """A client's progress: per movement and leg, each session's verdict and the trend
    of the numbers that matter for that movement."""
    client = get(db, Client, client_id, "client")
    data = history(client, client_moments(db, None, client))
    sections = [(m, movement_plots(data, m)) for m in data.movements]
    return page(
        request,
        "timeline.html",
        client=service.client_out(db, client),
        history=data,
        sections=sections,
    )


@router.get("/clients/{client_id}/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, client_id: int, db: DB, a: str | None = None, b: str | None = None
) -> HTMLResponse:
    """Two moments of a client side by side (before/after, left/right), clips' and live
    ones alike."""
    client = get(db, Client, client_id, "client")
    root = root_of(request)
    everything = client_moments(db, root, client)
    chosen: list[Moment | None] = [
        find_moment(db, root, client, key) if key else None for key in (a, b)
    ]
    if chosen == [None, None]:
        chosen = list(default_pair(everything))
    return page(
        request,
        "compare.html",
        client=service.client_out(db, client),
        moments=everything,
        chosen=chosen,
    )

"""The server-rendered pages (Jinja2); their scripts call the JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pronate.app.store.models import Analysis, Client
from pronate.app.web import service
from pronate.app.web.plots import Series, trend_svg
from pronate.app.workspace.deps import DB
from pronate.app.workspace.pages import page_templates
from pronate.app.workspace.service import NotFoundError, find, get, summary_of

if TYPE_CHECKING:
    from pronate.app.web.moments import MomentCard

router = APIRouter(include_in_schema=False)
templates = page_templates(Path(__file__).parent / "templates")

VERDICT_WORDS = {
    "pronation": "pronation: the chain is there",
    "partial": "partial: some links present, some not",
    "missing": "missing: loading without the chain",
    "collapse": "collapse: valgus beyond the band or out of rhythm",
    "unmeasurable": "unmeasurable from this view",
    None: "no loading moment",
}
TRENDS = (
    (
        "knee_fppa_peak_deg",
        "Peak knee FPPA (deg, + valgus)",
        ("fppa_min_deg", "fppa_max_deg"),
        "knee_fppa",
    ),
    ("com_margin_norm", "CoM margin (foot lengths)", ("com_margin_min", None), None),
    ("pelvis_shift_toward_norm", "Pelvis shift (hip widths)", ("pelvis_shift_min", None), None),
    (
        "pelvis_loaded_side_up_deg",
        "Pelvis hike, loaded side up (deg)",
        ("obliquity_up_min_deg", None),
        "pelvic_obliquity",
    ),
    ("femur_tibia_in_phase_pct", "Femur-tibia in phase (%)", ("in_phase_min_pct", None), None),
)
"""Trend plots: summary median, title, normal band (threshold names), uncertainty key."""


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.setdefault("verdict_words", VERDICT_WORDS)
    return templates.TemplateResponse(request, name, context)


@router.get("/", response_class=HTMLResponse)
def clients_page(request: Request, db: DB, archived: bool = False) -> HTMLResponse:
    """The client list."""
    return _page(
        request,
        "clients.html",
        clients=service.list_clients(db, archived=archived),
        archived=archived,
    )


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client_page(request: Request, client_id: int, db: DB) -> HTMLResponse:
    """A client: sessions, clips (upload, progress), rename, archive, delete."""
    client = get(db, Client, client_id, "client")
    return _page(request, "client.html", client=service.client_detail(db, client))


@router.get("/clients/{client_id}/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, client_id: int, db: DB) -> HTMLResponse:
    """A client's progress: verdict per side and session, trend plots."""
    client = get(db, Client, client_id, "client")
    history = service.history(db, client)
    thresholds = _thresholds(db, history.sessions)
    labels = [e.date.isoformat() for e in history.sessions]
    index = {e.session_id: i for i, e in enumerate(history.sessions)}
    marks: dict[int, str] = {}
    for side, sid in history.first_pronation.items():
        if sid is not None:
            marks[index[sid]] = (marks.get(index[sid], "") + f" first pronation ({side})").strip()
    plots = []
    for key, title, (lo, hi), unc in TRENDS:
        error = history.uncertainty_deg.get(unc) if unc else None
        series = [
            Series(
                side=side,
                values=[e.sides[side].metrics.get(key) for e in history.sessions],
                errors=[error] * len(history.sessions),
            )
            for side in service.SIDES
        ]
        band = (thresholds.get(lo) if lo else None, thresholds.get(hi) if hi else None)
        plots.append(
            trend_svg(
                title=title,
                labels=labels,
                series=series,
                band=band,
                marks=marks,
                ident=f"trend-{key}",
            )
        )
    return _page(
        request,
        "timeline.html",
        client=service.client_out(db, client),
        history=history,
        plots=plots,
    )


def _thresholds(db: DB, entries: list[Any]) -> dict[str, Any]:
    for entry in reversed(entries):
        for analysis_id in entry.analyses:
            analysis = db.get(Analysis, analysis_id)
            if analysis is not None:
                found: dict[str, Any] = summary_of(analysis).get("thresholds", {})
                return found
    from pronate.verdict.thresholds import Thresholds

    return Thresholds().as_dict()


@router.get("/analyses/{analysis_id}", response_class=HTMLResponse)
def analysis_page(request: Request, analysis_id: int, db: DB) -> HTMLResponse:
    """One analysis: verdict per side with evidence, overlay video, key frames, report."""
    analysis = get(db, Analysis, analysis_id, "analysis")
    summary = summary_of(analysis)
    visit = analysis.clip.visit
    folder = request.app.state.workspace.blobs.root / analysis.folder
    keyframes = sorted(p.name for p in (folder / "keyframes").glob("*.png"))
    return _page(
        request,
        "analysis.html",
        analysis=analysis,
        summary=summary,
        client=visit.client,
        visit=visit,
        clip=analysis.clip,
        has_overlay=(folder / "overlay.mp4").is_file(),
        keyframes=keyframes,
    )


def _chosen_card(db: DB, root: Path, client: Client, key: str | None) -> MomentCard | None:
    """The card of moment ``ANALYSIS-NUMBER`` of a client's analysis (``None``: none)."""
    from pronate.app.web.moments import find_card

    if not key:
        return None
    try:
        analysis_id, number = (int(part) for part in key.split("-"))
    except ValueError:
        raise NotFoundError(f"no moment {key!r}") from None
    analysis = find(db, Analysis, analysis_id)
    if analysis is None or analysis.clip.visit.client_id != client.id:
        raise NotFoundError(f"client {client.id} has no analysis {analysis_id}")
    return find_card(analysis, root, number)


@router.get("/clients/{client_id}/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, client_id: int, db: DB, a: str | None = None, b: str | None = None
) -> HTMLResponse:
    """Two moments of a client side by side (before/after, left/right)."""
    from pronate.app.web.moments import cards_of

    client = get(db, Client, client_id, "client")
    root = request.app.state.workspace.blobs.root
    everything = [
        m
        for visit in sorted(client.visits, key=lambda v: (v.date, v.id))
        for clip in visit.clips
        for analysis in clip.analyses
        for m in cards_of(analysis, root)
    ]
    chosen = [_chosen_card(db, root, client, key) for key in (a, b)]
    if chosen == [None, None] and len(everything) >= 2:
        chosen = [everything[0], everything[-1]]
    return _page(
        request,
        "compare.html",
        client=service.client_out(db, client),
        moments=everything,
        chosen=chosen,
    )

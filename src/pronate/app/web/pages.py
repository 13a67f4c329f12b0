"""The server-rendered pages (Jinja2); their scripts call the JSON API.

Every verdict and number on them is written by :mod:`pronate.outputs.evidence`; the
timeline and Compare are in :mod:`pronate.app.web.timeline`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pronate.app.store.models import Analysis, Client
from pronate.app.web import service
from pronate.app.web.moments import (
    Moment,
    analysis_moments,
    client_moments,
    find_moment,
    session_labels,
)
from pronate.app.web.progress import LEGS, leg_of
from pronate.app.workspace.deps import DB
from pronate.app.workspace.pages import page_templates
from pronate.app.workspace.service import get, summary_of
from pronate.outputs.evidence import (
    movement_of,
    movement_title,
    quality_lines,
    verdict_title,
    verdict_words,
)
from pronate.pipeline.recording.outputs import clock as recording_clock

router = APIRouter(include_in_schema=False)
templates = page_templates(Path(__file__).parent / "templates")
templates.env.globals.update(
    verdict_words=verdict_words, verdict_title=verdict_title, clock=recording_clock
)


def page(request: Request, name: str, **context: Any) -> HTMLResponse:
    """A page of the web app (the verdict words are at hand in every template)."""
    return templates.TemplateResponse(request, name, context)


def root_of(request: Request) -> Path:
    """The workspace's data folder."""
    folder: Path = request.app.state.workspace.blobs.root
    return folder


@router.get("/", response_class=HTMLResponse)
def clients_page(request: Request, db: DB, archived: bool = False) -> HTMLResponse:
    """The client list."""
    return page(
        request,
        "clients.html",
        clients=service.list_clients(db, archived=archived),
        archived=archived,
    )


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client_page(request: Request, client_id: int, db: DB) -> HTMLResponse:
    """A client: sessions with their clips (upload, progress) and live moments; rename,
    archive, delete."""
    client = get(db, Client, client_id, "client")
    moments = client_moments(db, root_of(request), client)
    live: dict[int, list[Moment]] = {}
    for m in moments:
        if m.source != "clip":
            live.setdefault(m.visit_id, []).append(m)
    return page(request, "client.html", client=service.client_detail(db, client), live=live)


@router.get("/analyses/{analysis_id}", response_class=HTMLResponse)
def analysis_page(request: Request, analysis_id: int, db: DB) -> HTMLResponse:
    """One analysis: the verdict per movement and leg, each moment with its evidence,
    quality and confidence, the camera, the overlay video, key frames, the report."""
    analysis = get(db, Analysis, analysis_id, "analysis")
    summary = summary_of(analysis)
    visit = analysis.clip.visit
    folder = root_of(request) / analysis.folder
    label = session_labels(visit.client.visits)[visit.id]
    moments = analysis_moments(analysis, root_of(request), label)
    if summary.get("recording"):
        api = f"/api/analyses/{analysis.id}/files/"
        clips = [api + m.event["clip"] if m.event.get("clip") else None for m in moments]
        return page(
            request,
            "recording.html",
            analysis=analysis,
            summary=summary,
            client=visit.client,
            session=label,
            clip=analysis.clip,
            moments=moments,
            clips=clips,
        )
    scored = [m for m in moments if m.verdict is not None]
    movements = [
        (movement_title(key), {leg: leg_of(scored, key, leg) for leg in LEGS})
        for key in dict.fromkeys(movement_of(m.kind) for m in scored)
    ]
    return page(
        request,
        "analysis.html",
        analysis=analysis,
        summary=summary,
        client=visit.client,
        visit=visit,
        session=label,
        clip=analysis.clip,
        moments=moments,
        movements=movements,
        quality=quality_lines(summary),
        has_overlay=(folder / "overlay.mp4").is_file(),
        keyframes=sorted(p.name for p in (folder / "keyframes").glob("*.png")),
    )


@router.get("/clients/{client_id}/moments/{moment_id}", response_class=HTMLResponse)
def live_moment_page(request: Request, client_id: int, moment_id: int, db: DB) -> HTMLResponse:
    """A moment saved in live mode: its frame, verdict, evidence (or values) and card."""
    client = get(db, Client, client_id, "client")
    moment = find_moment(db, root_of(request), client, f"live-{moment_id}")
    return page(request, "moment.html", client=client, moment=moment)

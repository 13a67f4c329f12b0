""" "Who is the client?": the picture of who was analysed, and a click to analyse the
clip again for someone else.

``GET /analyses/{id}/who`` shows ``subject.png`` (the frame where the client was chosen,
every person seen there boxed and numbered) and lets the coach click on the client;
``POST /api/analyses/{id}/subject`` queues the clip's analysis again with that pick
(``--pick TIME:X,Y``), and the page follows the job to the new analysis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from pronate.app.store.models import Analysis, Job
from pronate.app.web import schemas, service
from pronate.app.workspace import queue
from pronate.app.workspace.deps import DB, WS
from pronate.app.workspace.pages import page_templates
from pronate.app.workspace.service import NotFoundError, get, summary_of

STATIC = Path(__file__).parent / "static"
"""The page's script and style (served as ``/static/NAME``)."""
PICTURE = "subject.png"

api = APIRouter(prefix="/api", tags=["workspace"])
pages = APIRouter(include_in_schema=False)
templates = page_templates(Path(__file__).parent / "templates")


class PickIn(BaseModel):
    """A pixel of the analysed video's picture at a time of the clip: the client."""

    x: float = Field(ge=0)
    y: float = Field(ge=0)
    time_s: float = Field(ge=0)


def _picture(db: DB, ws: WS, analysis_id: int) -> Path:
    analysis = get(db, Analysis, analysis_id, "analysis")
    path = ws.blobs.inside(ws.blobs.root / analysis.folder, PICTURE)
    if path is None or not path.is_file():
        raise NotFoundError(f"analysis {analysis_id} has no picture of who was analysed")
    return path


@api.get("/analyses/{analysis_id}/subject.png", response_class=FileResponse)
def get_subject_picture(analysis_id: int, db: DB, ws: WS) -> FileResponse:
    """``subject.png``: the client boxed among the numbered others."""
    return FileResponse(_picture(db, ws, analysis_id), media_type="image/png")


@api.post("/analyses/{analysis_id}/subject", response_model=schemas.JobOut, status_code=202)
def pick_subject(analysis_id: int, data: PickIn, db: DB, ws: WS) -> schemas.JobOut:
    """Analyse the clip again for the person at ``(x, y)`` (pixels of the video) at
    ``time_s``: ``{"x", "y", "time_s"}`` -> the queued job."""
    analysis = get(db, Analysis, analysis_id, "analysis")
    width, height = _size(summary_of(analysis))
    if width and height and not (data.x < width and data.y < height):
        raise HTTPException(422, f"the pixel is outside the {width}x{height} picture")
    before = db.get(Job, analysis.job_id)
    settings = queue.JobSettings.from_json(before.settings if before is not None else "{}")
    settings = queue.JobSettings(
        model=settings.model, write_video=settings.write_video, pick=(data.x, data.y, data.time_s)
    )
    job = queue.enqueue(db, clip_id=analysis.clip_id, settings=settings)
    db.commit()
    ws.job_added()
    return service.job_out(db, job)


def _size(summary: dict[str, Any]) -> tuple[int, int]:
    size = (summary.get("subject") or {}).get("image_size") or [0, 0]
    return int(size[0]), int(size[1])


@pages.get("/analyses/{analysis_id}/who", response_class=HTMLResponse)
def who_page(request: Request, analysis_id: int, db: DB) -> HTMLResponse:
    """Who is the client? The picture of everyone seen; a click analyses again."""
    analysis = get(db, Analysis, analysis_id, "analysis")
    summary = summary_of(analysis)
    subject = summary.get("subject") or {}
    visit = analysis.clip.visit
    return templates.TemplateResponse(
        request,
        "who.html",
        {
            "analysis": analysis,
            "client": visit.client,
            "visit": visit,
            "clip": analysis.clip,
            "subject": subject,
            "size": _size(summary),
            "people": [
                p for p in subject.get("people") or [] if p.get("frame") == subject.get("frame")
            ],
        },
    )

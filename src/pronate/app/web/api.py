"""The JSON API under ``/api``: what the pages use and scripts can call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response

from pronate import __version__
from pronate.app.store.blobs import CHUNK, UploadTooLargeError
from pronate.app.store.models import Analysis, Client, Job
from pronate.app.web import schemas, service
from pronate.app.workspace import queue
from pronate.app.workspace.deps import DB, WS
from pronate.app.workspace.service import NotFoundError, get, summary_of
from pronate.errors import InputError

router = APIRouter(prefix="/api", tags=["workspace"])
OUTPUT_NAME = re.compile(
    r"^(overlay\.mp4|keyframes/[A-Za-z0-9_.-]+\.png|moments/[0-9]{3}_[0-9]{2}\.(mp4|jpg))$"
)
REPORT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


@router.get("/health", response_model=schemas.Health)
def health(ws: WS) -> schemas.Health:
    """The workspace is up."""
    pool = ws.pool.workers if ws.pool is not None else 0
    return schemas.Health(
        status="ok", version=__version__, database=ws.engine.dialect.name, workers=pool
    )


@router.get("/clients", response_model=list[schemas.ClientOut])
def list_clients(db: DB, archived: bool = False) -> list[schemas.ClientOut]:
    """Clients by name (archived ones with ``?archived=true``)."""
    return service.list_clients(db, archived=archived)


@router.post("/clients", response_model=schemas.Created, status_code=201)
def create_client(data: schemas.ClientIn, db: DB) -> schemas.Created:
    """Create a client: ``{"name"}`` -> ``{"id"}``."""
    client = Client(name=data.name, archived=False)
    db.add(client)
    db.commit()
    return schemas.Created(id=client.id)


@router.get("/clients/{client_id}", response_model=schemas.ClientDetail)
def get_client(client_id: int, db: DB) -> schemas.ClientDetail:
    """A client with sessions and clips."""
    return service.client_detail(db, get(db, Client, client_id, "client"))


@router.patch("/clients/{client_id}", response_model=schemas.ClientOut)
def patch_client(client_id: int, data: schemas.ClientPatch, db: DB) -> schemas.ClientOut:
    """Rename and/or archive (``archived: true``) or restore a client."""
    client = get(db, Client, client_id, "client")
    if data.name is not None:
        client.name = data.name
    if data.archived is not None:
        client.archived = data.archived
    db.commit()
    return service.client_out(db, client)


@router.delete("/clients/{client_id}", status_code=204)
def delete_client(
    client_id: int,
    db: DB,
    ws: WS,
    confirm: Annotated[str, Query(description="the client's name, to confirm")] = "",
) -> Response:
    """Delete a client and all their files, confirmed by their name (``?confirm=NAME``)."""
    client = get(db, Client, client_id, "client")
    if confirm != client.name:
        raise HTTPException(409, "to delete a client, confirm with their exact name")
    service.delete_client(db, ws.blobs, client)
    return Response(status_code=204)


@router.post("/clients/{client_id}/sessions", response_model=schemas.Created, status_code=201)
def create_session(client_id: int, data: schemas.VisitIn, db: DB) -> schemas.Created:
    """A new session (visit) of a client: ``{"date", "notes"}`` -> ``{"id"}``."""
    client = get(db, Client, client_id, "client")
    return schemas.Created(id=service.add_visit(db, client, data).id)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


@router.post("/clients/{client_id}/clips", response_model=schemas.UploadOut, status_code=201)
def upload_clip(
    client_id: int,
    request: Request,
    db: DB,
    ws: WS,
    file: Annotated[UploadFile, File(description="the video")],
    session_id: Annotated[int | None, Form()] = None,
) -> schemas.UploadOut:
    """Upload a clip (multipart field ``file``, optional ``session_id``; without it a new
    session dated today) and queue its analysis."""
    client = get(db, Client, client_id, "client")
    limit = ws.settings.max_upload_bytes
    if int(request.headers.get("content-length") or 0) > limit + 64 * 1024:
        raise HTTPException(413, f"the upload is larger than the limit ({limit} bytes)")
    visit = service.find_visit(db, client, session_id)
    try:
        received = ws.blobs.receive(_chunks(file.file), max_bytes=limit)
    except UploadTooLargeError:
        raise HTTPException(413, f"the upload is larger than the limit ({limit} bytes)") from None
    try:
        out = service.add_clip(
            db,
            ws.blobs,
            client=client,
            visit=visit,
            received=received,
            name=file.filename or "",
            settings=ws.settings.jobs,
        )
    except InputError as exc:
        raise HTTPException(415, str(exc)) from None
    ws.job_added()
    return out


@router.get("/clients/{client_id}/history", response_model=schemas.History)
def client_history(client_id: int, db: DB) -> schemas.History:
    """Sessions in date order, each with its verdict per movement (single-leg stance and
    squat, step-down, lunge, two-leg squat, walking) and leg, from the moments of that
    movement only, live moments included; the key numbers of each; the first session
    with pronation of each movement and leg."""
    from pronate.app.web.moments import client_moments
    from pronate.app.web.progress import history

    client = get(db, Client, client_id, "client")
    return history(client, client_moments(db, None, client))


@router.get("/jobs/{job_id}", response_model=schemas.JobOut)
def get_job(job_id: int, db: DB) -> schemas.JobOut:
    """State (queued, running, done, failed), progress (0..1), error, analysis id."""
    return service.job_out(db, get(db, Job, job_id, "job"))


@router.post("/jobs/{job_id}/retry", response_model=schemas.JobOut)
def retry_job(job_id: int, db: DB, ws: WS) -> schemas.JobOut:
    """Queue a failed job again."""
    job = get(db, Job, job_id, "job")
    if not queue.retry(ws.sessions, job_id):
        raise HTTPException(409, f"job {job_id} is {job.state}, only a failed job is retried")
    ws.job_added()
    db.refresh(job)
    return service.job_out(db, job)


@router.get("/analyses/{analysis_id}")
def get_analysis(analysis_id: int, db: DB) -> dict[str, Any]:
    """The ``summary.json`` of an analysis."""
    return summary_of(get(db, Analysis, analysis_id, "analysis"))


def _output(db: DB, ws: WS, analysis_id: int, name: str) -> Path:
    analysis = get(db, Analysis, analysis_id, "analysis")
    path = ws.blobs.inside(ws.blobs.root / analysis.folder, name)
    if path is None:
        raise NotFoundError(f"analysis {analysis_id} has no file {name!r}")
    return path


@router.get("/analyses/{analysis_id}/report", response_class=FileResponse)
def get_report(analysis_id: int, db: DB, ws: WS) -> FileResponse:
    """The analysis's ``report.html`` (self-contained)."""
    path = _output(db, ws, analysis_id, "report.html")
    return FileResponse(
        path, media_type="text/html", headers={"Content-Security-Policy": REPORT_CSP}
    )


@router.get("/analyses/{analysis_id}/files/{name:path}", response_class=FileResponse)
def get_output(analysis_id: int, name: str, db: DB, ws: WS) -> FileResponse:
    """``overlay.mp4`` or a key frame ``keyframes/NAME.png`` of an analysis; of a
    recording, a moment's clip or thumbnail ``moments/NNN_MM.mp4|jpg``."""
    if not OUTPUT_NAME.match(name):
        raise NotFoundError(f"analysis {analysis_id} has no file {name!r}")
    path = _output(db, ws, analysis_id, name)
    media = {".mp4": "video/mp4", ".jpg": "image/jpeg"}.get(Path(name).suffix, "image/png")
    return FileResponse(path, media_type=media)


def _card(client: Client, key: str, ws: WS, db: DB, name: str) -> Response:
    from pronate.app.web.cards import card_png
    from pronate.app.web.moments import find_moment

    moment = find_moment(db, ws.blobs.root, client, key)
    return Response(
        card_png(moment, client_name=client.name),
        media_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/analyses/{analysis_id}/moments/{number}/card.png", response_class=Response)
def get_card(analysis_id: int, number: int, db: DB, ws: WS) -> Response:
    """A one-page PNG card of loading moment ``number`` (from 1) for the client: key
    frame, verdict in words and the numbers that matter for its kind; for a moment that
    could not be measured, why and how to film it (a download)."""
    client = get(db, Analysis, analysis_id, "analysis").clip.visit.client
    name = f"pronate-card-{analysis_id}-{number}.png"
    return _card(client, f"{analysis_id}-{number}", ws, db, name)


@router.get("/clients/{client_id}/moments/{moment_id}/card.png", response_class=Response)
def get_live_card(client_id: int, moment_id: int, db: DB, ws: WS) -> Response:
    """The share card of a moment saved in live mode (as an analysis's moment)."""
    client = get(db, Client, client_id, "client")
    return _card(client, f"live-{moment_id}", ws, db, f"pronate-card-live-{moment_id}.png")

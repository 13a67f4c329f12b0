"""The live page ``/live?client=ID``, the moments API and the WebSocket, as one router."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from pronate.app.live import moments, ws
from pronate.app.store.models import Client
from pronate.app.workspace.deps import DB, WS
from pronate.app.workspace.pages import page_templates
from pronate.app.workspace.service import NotFoundError, get

STATIC = Path(__file__).parent / "static"
"""The live page's script and style (served by the workspace as ``/static/NAME``)."""
templates = page_templates(Path(__file__).parent / "templates")
router = APIRouter()
router.include_router(ws.router)


@router.get("/api/clients/{client_id}/moments", tags=["live"])
def list_moments(client_id: int, db: DB) -> list[dict[str, Any]]:
    """The live moments of a client, oldest first: ``id``, ``session_id``, ``source``
    (``auto`` or ``capture``), ``side``, ``kind``, ``time`` (s, the stream's clock),
    ``verdict``, ``criteria``, ``metrics``, ``uncertainty`` and ``image`` (its URL)."""
    return moments.list_for_client(db, get(db, Client, client_id, "client"))


@router.get("/api/clients/{client_id}/moments/{moment_id}/image.jpg", tags=["live"])
def moment_image(client_id: int, moment_id: int, db: DB, ws_: WS) -> FileResponse:
    """The frame of a live moment (JPEG)."""
    client = get(db, Client, client_id, "client")
    path = moments.image_of(db, ws_.blobs.root, client=client, moment_id=moment_id)
    if path is None:
        raise NotFoundError(f"client {client_id} has no moment image {moment_id}")
    return FileResponse(path, media_type="image/jpeg")


@router.get("/live", response_class=HTMLResponse, include_in_schema=False)
def live_page(request: Request, db: DB, client: int, source: str = "") -> HTMLResponse:
    """The live page of a client: camera or shared tab, overlay, moments, recording."""
    found = get(db, Client, client, "client")
    return templates.TemplateResponse(
        request,
        "live.html",
        {"client": found, "source": source if source in ("camera", "screen") else ""},
    )

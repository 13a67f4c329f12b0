"""Resumable uploads of large clips (a whole session's recording): sent in pieces, each
streamed to disk, and picked up where they stopped after a dropped connection.

1. ``POST /api/clients/{id}/uploads`` ``{"name", "size", "session_id"?}`` ->
   ``{"upload_id", "offset": 0, "size"}``: an upload of ``size`` bytes is opened.
2. ``PUT /api/uploads/{upload_id}?offset=N`` with a piece of the file as the body
   (any size up to the workspace's limit): appended when ``N`` is what has arrived so far,
   else refused (409) with the offset to go on from. ``GET /api/uploads/{upload_id}``
   says that offset (after a dropped connection).
3. ``POST /api/uploads/{upload_id}/finish`` once every byte arrived: the file is checked
   as a video, stored by its content hash and its analysis queued, as a clip uploaded in
   one piece (``{clip_id, job_id, session_id}``).

An upload lives in the store's ``tmp/uploads/ID/`` (the file so far and what it is);
``DELETE /api/uploads/{upload_id}`` drops it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from pronate.app.store.blobs import CHUNK, Received
from pronate.app.store.models import Client
from pronate.app.web import schemas, service
from pronate.app.workspace.deps import DB, WS
from pronate.app.workspace.service import NotFoundError, get
from pronate.errors import InputError

router = APIRouter(prefix="/api", tags=["workspace"])
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


class UploadIn(BaseModel):
    """An upload to open."""

    name: str = Field(max_length=255)
    size: int = Field(gt=0)
    session_id: int | None = None


class UploadState(BaseModel):
    """How far an upload is."""

    upload_id: str
    offset: int
    size: int


def _folder(ws: Any, upload_id: str) -> Path:
    if not UPLOAD_ID.match(upload_id):
        raise NotFoundError(f"no upload {upload_id!r}")
    folder = Path(ws.blobs.root) / "tmp" / "uploads" / upload_id
    if not (folder / "upload.json").is_file():
        raise NotFoundError(f"no upload {upload_id!r}")
    return folder


def _state(folder: Path) -> UploadState:
    meta = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
    part = folder / "part"
    offset = part.stat().st_size if part.is_file() else 0
    return UploadState(upload_id=folder.name, offset=offset, size=int(meta["size"]))


@router.post("/clients/{client_id}/uploads", response_model=UploadState, status_code=201)
def open_upload(client_id: int, data: UploadIn, db: DB, ws: WS) -> UploadState:
    """Open a resumable upload of ``size`` bytes for a client (see the module's text)."""
    client = get(db, Client, client_id, "client")
    limit = ws.settings.max_upload_bytes
    if data.size > limit:
        raise HTTPException(413, f"the upload is larger than the limit ({limit} bytes)")
    service.find_visit(db, client, data.session_id)
    upload_id = secrets.token_hex(16)
    folder = Path(ws.blobs.root) / "tmp" / "uploads" / upload_id
    folder.mkdir(parents=True)
    meta = {"client_id": client.id, **data.model_dump()}
    (folder / "upload.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / "part").touch()
    return UploadState(upload_id=upload_id, offset=0, size=data.size)


@router.get("/uploads/{upload_id}", response_model=UploadState)
def upload_state(upload_id: str, ws: WS) -> UploadState:
    """How many bytes of the upload arrived: where to go on from."""
    return _state(_folder(ws, upload_id))


@router.put("/uploads/{upload_id}", response_model=UploadState)
async def put_piece(
    upload_id: str, request: Request, ws: WS, offset: int = Query(ge=0)
) -> UploadState:
    """Append the body to the upload when ``offset`` is where it stands (409 otherwise,
    with the offset to go on from); streamed to disk as it arrives."""
    folder = _folder(ws, upload_id)
    state = _state(folder)
    if offset != state.offset:
        raise HTTPException(409, f"the upload stands at byte {state.offset}, not {offset}")
    size = state.offset
    with (folder / "part").open("ab") as out:
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > state.size:
                    raise HTTPException(413, f"more than the {state.size} bytes announced")
                out.write(chunk)
        except BaseException:
            out.flush()
            out.truncate(state.offset)  # a piece is taken whole or not at all
            raise
    return UploadState(upload_id=upload_id, offset=size, size=state.size)


@router.post("/uploads/{upload_id}/finish", response_model=schemas.UploadOut, status_code=201)
def finish_upload(upload_id: str, db: DB, ws: WS) -> schemas.UploadOut:
    """The complete upload becomes a clip of its client and its analysis is queued."""
    folder = _folder(ws, upload_id)
    state = _state(folder)
    if state.offset != state.size:
        raise HTTPException(409, f"the upload stands at byte {state.offset} of {state.size}")
    meta = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
    client = get(db, Client, int(meta["client_id"]), "client")
    visit = service.find_visit(db, client, meta.get("session_id"))
    digest = hashlib.sha256()
    with (folder / "part").open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    path = Path(ws.blobs.root) / "tmp" / f"upload-{upload_id}"
    (folder / "part").replace(path)
    received = Received(path=path, sha256=digest.hexdigest(), size=state.size)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        out = service.add_clip(
            db,
            ws.blobs,
            client=client,
            visit=visit,
            received=received,
            name=str(meta.get("name") or ""),
            settings=ws.settings.jobs,
        )
    except InputError as exc:
        raise HTTPException(415, str(exc)) from None
    ws.job_added()
    return out


@router.delete("/uploads/{upload_id}", status_code=204)
def drop_upload(upload_id: str, ws: WS) -> Response:
    """Give up an upload: what arrived is removed."""
    shutil.rmtree(_folder(ws, upload_id), ignore_errors=True)
    return Response(status_code=204)

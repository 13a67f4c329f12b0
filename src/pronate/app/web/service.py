"""What the web app's routers do, as functions of a database session (routers stay thin).

Lookups live mode makes too are in :mod:`pronate.app.workspace.service`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pronate.app.store.blobs import Blobs, Received
from pronate.app.store.db import forget_deleted
from pronate.app.store.models import Client, Clip, Job, Visit
from pronate.app.web import schemas
from pronate.app.workspace import queue
from pronate.app.workspace.service import NotFoundError, find, live_images, live_moments_of
from pronate.errors import InputError


def client_out(db: Session, client: Client) -> schemas.ClientOut:
    """A client for the list."""
    count = db.scalar(select(func.count(Visit.id)).where(Visit.client_id == client.id)) or 0
    return schemas.ClientOut(
        id=client.id,
        name=client.name,
        archived=client.archived,
        created_at=client.created_at,
        sessions=count,
    )


def list_clients(db: Session, *, archived: bool) -> list[schemas.ClientOut]:
    """Clients by name; archived ones only when asked."""
    query = select(Client).order_by(Client.name, Client.id)
    if not archived:
        query = query.where(Client.archived.is_(False))
    return [client_out(db, c) for c in db.scalars(query)]


def clip_out(db: Session, clip: Clip) -> schemas.ClipOut:
    """A clip with its latest job."""
    job = clip.jobs[-1] if clip.jobs else None
    return schemas.ClipOut(
        id=clip.id,
        name=clip.display_name,
        size=clip.size,
        job_id=job.id if job else None,
        state=job.state if job else None,  # type: ignore[arg-type]
        progress=job.progress if job else 0.0,
        error=job.error if job else None,
        analysis_id=queue.analysis_of(db, job.id) if job else None,
    )


def client_detail(db: Session, client: Client) -> schemas.ClientDetail:
    """A client with its visits (newest first), their clips and their live moments."""
    from pronate.app.web.moments import session_labels

    visits = sorted(client.visits, key=lambda v: (v.date, v.id), reverse=True)
    labels = session_labels(client.visits)
    live: dict[int, list[int]] = {}
    for row in live_moments_of(db, client):
        live.setdefault(row.visit_id, []).append(row.id)
    return schemas.ClientDetail(
        **client_out(db, client).model_dump(),
        visits=[
            schemas.VisitOut(
                id=v.id,
                date=v.date,
                label=labels[v.id],
                notes=v.notes,
                clips=[clip_out(db, c) for c in v.clips],
                live_moments=live.get(v.id, []),
            )
            for v in visits
        ],
    )


def add_visit(db: Session, client: Client, data: schemas.VisitIn) -> Visit:
    """A new visit of a client (committed)."""
    visit = Visit(client_id=client.id, date=data.date, notes=data.notes)
    db.add(visit)
    db.commit()
    return visit


def find_visit(db: Session, client: Client, visit_id: int | None) -> Visit | None:
    """The visit an upload goes to (it must be the client's); ``None``: a new one."""
    if visit_id is None:
        return None
    visit = find(db, Visit, visit_id)
    if visit is None or visit.client_id != client.id:
        raise NotFoundError(f"client {client.id} has no session with id {visit_id}")
    return visit


PICTURE_FORMATS = ("image2", "gif", "apng")
"""Containers of pictures (besides FFmpeg's ``*_pipe`` image readers: PNG, JPEG, ...)."""


def check_video(received: Received) -> None:
    """Raise :class:`InputError` unless the received file decodes as a video of at least
    two frames (a picture, which FFmpeg also decodes, is refused)."""
    import av

    from pronate.io.video import probe_video

    try:
        probe_video(received.path)
        with av.open(str(received.path)) as container:
            form = str(container.format.name)
            stream = container.streams.video[0]
            frames = sum(1 for _, _ in zip(range(2), container.decode(stream), strict=False))
    except (InputError, av.FFmpegError, IndexError):
        raise InputError("the file is not a video pronate can read") from None
    if form.endswith("_pipe") or form in PICTURE_FORMATS or frames < 2:
        raise InputError("the file is a picture, not a video: upload a video clip")


def add_clip(
    db: Session,
    blobs: Blobs,
    *,
    client: Client,
    visit: Visit | None,
    received: Received,
    name: str,
    settings: queue.JobSettings,
) -> schemas.UploadOut:
    """Keep an upload by its hash and queue its analysis (one transaction); without a
    visit, the clip goes to a new visit dated today.

    Raises
    ------
    InputError
        When the file is not a video (:func:`check_video`); it is then discarded.
    """
    try:
        check_video(received)
    except InputError:
        blobs.discard(received)
        raise
    blobs.keep(received)
    if visit is None:
        visit = Visit(client_id=client.id, date=dt.date.today(), notes="")
        db.add(visit)
        db.flush()
    clip = Clip(
        visit_id=visit.id,
        sha256=received.sha256,
        size=received.size,
        display_name=_display_name(name),
    )
    db.add(clip)
    db.flush()
    job = queue.enqueue(db, clip_id=clip.id, settings=settings)
    db.commit()
    return schemas.UploadOut(clip_id=clip.id, job_id=job.id, session_id=visit.id)


def _display_name(name: str) -> str:
    """The uploaded file's name as text to show (never a path): its last part, printable."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in last if ch.isprintable())[:200] or "clip"


def job_out(db: Session, job: Job) -> schemas.JobOut:
    """A job's state."""
    return schemas.JobOut(
        id=job.id,
        state=job.state,  # type: ignore[arg-type]
        progress=job.progress,
        error=job.error,
        analysis_id=queue.analysis_of(db, job.id),
        attempts=job.attempts,
    )


def delete_client(db: Session, blobs: Blobs, client: Client) -> None:
    """Delete a client, their visits, clips, analyses, live moments and files."""
    clips = [c for v in client.visits for c in v.clips]
    jobs = [j.id for c in clips for j in c.jobs]
    hashes = {c.sha256 for c in clips}
    clip_ids = [c.id for c in clips]
    images = live_images(db, blobs.root, client)
    db.delete(client)
    db.commit()
    forget_deleted(db)
    for path in images:
        path.unlink(missing_ok=True)
    for job_id in jobs:
        blobs.remove_analysis(job_id)
    for sha in hashes:
        others = db.scalar(
            select(func.count(Clip.id)).where(Clip.sha256 == sha, Clip.id.not_in(clip_ids))
        )
        if not others:
            blobs.remove_clip(sha)

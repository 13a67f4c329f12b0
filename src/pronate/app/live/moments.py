"""Live moments in the store (:class:`pronate.app.store.models.LiveMoment`): saved into
the client's visit, listed per client; the image of moment ``id`` is the file
``live/<id>.jpg`` of the data folder.

A live connection creates no visit by itself: the visit is found (or created) when its
first moment is saved, so opening the live page and leaving it leaves no empty session;
the page then files its recording into the visit of its moments.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pronate.app.store.models import Client, LiveMoment, Visit
from pronate.app.workspace.service import (
    NotFoundError,
    client_live_moment,
    find,
    live_moment,
    live_moments_of,
)
from pronate.app.workspace.state import Workspace
from pronate.io.atomic import write_bytes_atomic

log = logging.getLogger(__name__)
IMAGE_DIR = "live"
DETAIL_KEYS = (
    "legs",
    "criteria",
    "uncertain_criteria",
    "metrics",
    "uncertainty",
    "reason",
    "placement_hint",
    "basis",
    "stance",
)
"""What a moment keeps beside its columns (the ``details`` JSON)."""
Sink = Callable[[dict[str, Any]], dict[str, Any]]


def current_visit(db: Session, client: Client, visit_id: int | None) -> Visit:
    """The visit moments go to: ``visit_id`` (must be the client's), else the client's
    latest visit dated today, else a new one dated today."""
    if visit_id is not None:
        visit = find(db, Visit, visit_id)
        if visit is None or visit.client_id != client.id:
            raise LookupError(f"client {client.id} has no session with id {visit_id}")
        return visit
    today = dt.date.today()
    found = db.scalars(
        select(Visit)
        .where(Visit.client_id == client.id, Visit.date == today)
        .order_by(Visit.id.desc())
    ).first()
    if found is not None:
        return found
    visit = Visit(client_id=client.id, date=today, notes="live session")
    db.add(visit)
    db.commit()
    return visit


def save(db: Session, root: Path, *, visit: Visit, moment: dict[str, Any]) -> dict[str, Any]:
    """Save one moment of the analyser (:mod:`pronate.app.live.analyser`) into ``visit``."""
    details = {k: moment[k] for k in DETAIL_KEYS if k in moment}
    row = LiveMoment(
        visit_id=visit.id,
        source=str(moment.get("source", "auto")),
        side=str(moment.get("side", "")),
        kind=str(moment.get("kind", "")),
        time_s=float(moment.get("time") or 0.0),
        verdict=moment.get("verdict"),
        details=json.dumps(details, allow_nan=False, default=str),
    )
    db.add(row)
    db.flush()
    jpeg = moment.get("jpeg")
    if jpeg:
        name = f"{IMAGE_DIR}/{row.id}.jpg"
        (root / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(root / name, jpeg)
        row.image = name
    db.commit()
    return live_moment(row, client_id=visit.client_id)


def sink(workspace: Workspace, *, client_id: int, visit_id: int | None) -> Sink:
    """A function saving the moments of one live connection. The client (and the visit,
    when given) is checked now; the visit of today is found or created at the first
    moment. A moment that can no longer be saved (the client was deleted meanwhile) is
    returned unsaved.

    Raises
    ------
    LookupError
        For an unknown client or a visit that is not the client's.
    """
    with workspace.sessions() as db:
        client = find(db, Client, client_id)
        if client is None:
            raise LookupError(f"no client with id {client_id}")
        if visit_id is not None:
            current_visit(db, client, visit_id)
    chosen: list[int] = [] if visit_id is None else [visit_id]
    lock = threading.Lock()

    def save_one(moment: dict[str, Any]) -> dict[str, Any]:
        with lock, workspace.sessions() as db:
            client = find(db, Client, client_id)
            visit = find(db, Visit, chosen[0]) if chosen else None
            if client is None or (chosen and visit is None):
                log.info("live: client %s or its session was deleted; moment not saved", client_id)
                return {k: v for k, v in moment.items() if k != "jpeg"}
            if visit is None:
                visit = current_visit(db, client, None)
                chosen.append(visit.id)
            return save(db, workspace.blobs.root, visit=visit, moment=moment)

    return save_one


def list_for_client(db: Session, client: Client) -> list[dict[str, Any]]:
    """Every live moment of a client, oldest first (:func:`live_moment`)."""
    return [live_moment(r, client_id=client.id) for r in live_moments_of(db, client)]


def image_of(db: Session, root: Path, *, client: Client, moment_id: int) -> Path | None:
    """The JPEG of a client's moment, ``None`` if there is none."""
    try:
        row = client_live_moment(db, client, moment_id)
    except NotFoundError:
        return None
    path = root / row.image if row.image else None
    return path if path is not None and path.is_file() else None

"""Live moments in the store (:class:`pronate.app.store.models.LiveMoment`): saved into
the client's visit, listed per client; the image of moment ``id`` is the file
``live/<id>.jpg`` of the data folder.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pronate.app.store.models import Client, LiveMoment, Visit
from pronate.app.workspace.service import find
from pronate.app.workspace.state import Workspace
from pronate.io.atomic import write_bytes_atomic

IMAGE_DIR = "live"


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


def as_dict(row: LiveMoment, *, client_id: int) -> dict[str, Any]:
    """A moment as the API and the page show it."""
    details = json.loads(row.details or "{}")
    return {
        "id": row.id,
        "session_id": row.visit_id,
        "source": row.source,
        "side": row.side,
        "kind": row.kind,
        "time": row.time_s,
        "verdict": row.verdict,
        **details,
        "image": (f"/api/clients/{client_id}/moments/{row.id}/image.jpg" if row.image else None),
    }


DETAIL_KEYS = (
    "criteria",
    "uncertain_criteria",
    "metrics",
    "uncertainty",
    "reason",
    "basis",
    "stance",
)


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
    return as_dict(row, client_id=visit.client_id)


def sink(workspace: Workspace, *, client_id: int, visit_id: int | None) -> Any:
    """A function saving the moments of one live connection (checks the client now).

    Raises
    ------
    LookupError
        For an unknown client or a visit that is not the client's.
    """
    with workspace.sessions() as db:
        client = find(db, Client, client_id)
        if client is None:
            raise LookupError(f"no client with id {client_id}")
        visit_id = current_visit(db, client, visit_id).id

    def save_one(moment: dict[str, Any]) -> dict[str, Any]:
        with workspace.sessions() as db:
            visit = db.get(Visit, visit_id)
            if visit is None:
                raise LookupError(f"the session {visit_id} was deleted")
            return save(db, workspace.blobs.root, visit=visit, moment=moment)

    return save_one


def list_for_client(db: Session, client: Client) -> list[dict[str, Any]]:
    """Every live moment of a client, oldest first."""
    rows = db.scalars(
        select(LiveMoment)
        .join(Visit, Visit.id == LiveMoment.visit_id)
        .where(Visit.client_id == client.id)
        .order_by(LiveMoment.id)
    ).all()
    return [as_dict(r, client_id=client.id) for r in rows]


def image_of(db: Session, root: Path, *, client: Client, moment_id: int) -> Path | None:
    """The JPEG of a client's moment, ``None`` if there is none."""
    row = find(db, LiveMoment, moment_id)
    if row is None or row.image is None:
        return None
    visit = db.get(Visit, row.visit_id)
    if visit is None or visit.client_id != client.id:
        return None
    path = root / row.image
    return path if path.is_file() else None

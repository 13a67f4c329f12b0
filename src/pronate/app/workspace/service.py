"""Lookups of the store that both the web app and live mode make."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pronate.app.store.models import Analysis, Client, LiveMoment, Visit

MAX_ID = 2**31 - 1
"""The largest id a table holds (PostgreSQL's ``integer``): a larger one names nothing."""


class NotFoundError(LookupError):
    """No such object (404)."""


def find(db: Session, model: type[Any], ident: int | None) -> Any:
    """The object of ``model`` with id ``ident``; ``None`` when there is none, also for an
    id no table can hold (past :data:`MAX_ID`, or below 1)."""
    if ident is None or not 1 <= ident <= MAX_ID:
        return None
    return db.get(model, ident)


def get(db: Session, model: type[Any], ident: int, what: str) -> Any:
    """The object of ``model`` with id ``ident``, or :class:`NotFoundError`."""
    found = find(db, model, ident)
    if found is None:
        raise NotFoundError(f"no {what} with id {ident}")
    return found


def summary_of(analysis: Analysis) -> dict[str, Any]:
    """The ``summary.json`` content of an analysis."""
    data: dict[str, Any] = json.loads(analysis.summary)
    return data


def live_images(db: Session, root: Path, client: Client) -> list[Path]:
    """The files of a client's live moments (to remove with the client)."""
    names = db.scalars(
        select(LiveMoment.image)
        .join(Visit, Visit.id == LiveMoment.visit_id)
        .where(Visit.client_id == client.id, LiveMoment.image.is_not(None))
    ).all()
    return [root / name for name in names if name]

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


def live_moment(row: LiveMoment, *, client_id: int) -> dict[str, Any]:
    """A live moment as the API, the live page and the web app's pages show it: its
    columns, its details (criteria, metrics, ...), ``legs`` (the verdict of each loaded
    leg; rows of before it was stored are given one from the moment's verdict), its
    ``title``, ``headline``, ``evidence`` rows and key ``numbers`` in the coach's words
    (:mod:`pronate.outputs.evidence`), and the URLs of its image, page and card."""
    from pronate.outputs.evidence import (
        evidence_rows,
        headline,
        key_rows,
        metric_rows,
        moment_title,
    )

    details = json.loads(row.details or "{}")
    out: dict[str, Any] = {
        "id": row.id,
        "session_id": row.visit_id,
        "source": row.source,
        "side": row.side,
        "kind": row.kind,
        "time": row.time_s,
        "verdict": row.verdict,
        **details,
    }
    if row.verdict is not None and not out.get("legs"):
        loaded = ("left", "right") if row.side == "both" else (row.side,)
        out["legs"] = {leg: row.verdict for leg in loaded}
    out["title"] = moment_title(row.side, row.kind, captured=row.source == "capture")
    if row.verdict is not None:
        out["headline"] = headline(out)
        out["evidence"] = [r.as_dict() for r in evidence_rows(out)]
        out["numbers"] = [r.as_dict() for r in key_rows(out)]
    else:
        out["headline"] = "Captured by hand: the values of this frame"
        metrics, spread = out.get("metrics") or {}, out.get("uncertainty") or {}
        out["evidence"] = [r.as_dict() for r in metric_rows(metrics, spread)]
        out["numbers"] = out["evidence"]
    base = f"/api/clients/{client_id}/moments/{row.id}"
    out["image"] = f"{base}/image.jpg" if row.image else None
    out["page"] = f"/clients/{client_id}/moments/{row.id}"
    out["card"] = f"{base}/card.png"
    return out


def live_moments_of(db: Session, client: Client) -> list[LiveMoment]:
    """A client's live moments, oldest first."""
    return list(
        db.scalars(
            select(LiveMoment)
            .join(Visit, Visit.id == LiveMoment.visit_id)
            .where(Visit.client_id == client.id)
            .order_by(LiveMoment.id)
        ).all()
    )


def client_live_moment(db: Session, client: Client, moment_id: int) -> LiveMoment:
    """Live moment ``moment_id`` of a client, or :class:`NotFoundError`."""
    row = find(db, LiveMoment, moment_id)
    visit = None if row is None else db.get(Visit, row.visit_id)
    if visit is None or visit.client_id != client.id:
        raise NotFoundError(f"client {client.id} has no live moment {moment_id}")
    return row


def live_images(db: Session, root: Path, client: Client) -> list[Path]:
    """The files of a client's live moments (to remove with the client)."""
    names = db.scalars(
        select(LiveMoment.image)
        .join(Visit, Visit.id == LiveMoment.visit_id)
        .where(Visit.client_id == client.id, LiveMoment.image.is_not(None))
    ).all()
    return [root / name for name in names if name]

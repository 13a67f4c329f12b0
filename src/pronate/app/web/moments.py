"""A client's loading moments, from their clips' analyses and from live mode alike, as
the pages show them (sessions, timeline, Compare, the moment pages and share cards).

A :class:`Moment` is one moment of ``summary.json`` (``ANALYSIS-NUMBER``) or one saved
live moment (``live-ID``): where it comes from (clip name, or live), when (its session,
its time in the clip or stream), and its event (side, kind, verdict, legs, criteria, ...)
shown through :mod:`pronate.outputs.evidence`. The moment itself is the pipeline's
(:mod:`pronate.verdict.moments`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from pronate.app.store.models import Analysis, Client, LiveMoment, Visit
from pronate.app.workspace.service import (
    NotFoundError,
    client_live_moment,
    find,
    live_moment,
    live_moments_of,
    summary_of,
)
from pronate.outputs.evidence import (
    Row,
    evidence_rows,
    headline,
    key_rows,
    metric_rows,
    moment_title,
    movement_of,
)


@dataclass(frozen=True)
class Moment:
    """One loading moment of a client, ready to show.

    Attributes
    ----------
    key
        ``ANALYSIS-NUMBER`` (moment ``NUMBER`` of an analysis, from 1, as its key frames)
        or ``live-ID``.
    visit_id, session, date
        Its session: id, label (:func:`session_labels`) and date.
    source
        ``clip``, ``live`` (saved by itself) or ``capture`` (a frame saved by hand).
    origin
        The clip's name, or ``live``.
    time_s
        Its peak, in the clip or the live stream (s).
    event
        The moment as in ``summary.json["events"]`` (a live moment has the same keys).
    image
        Its picture: the key frame's file, or the live frame's.
    image_url, page_url, card_url
        Where the pages find its picture, its page and its share card.
    """

    key: str
    visit_id: int
    session: str
    date: dt.date
    source: str
    origin: str
    time_s: float
    event: Mapping[str, Any]
    image: Path | None
    image_url: str | None
    page_url: str
    card_url: str

    @property
    def side(self) -> str:
        return str(self.event.get("side", ""))

    @property
    def kind(self) -> str:
        return str(self.event.get("kind", ""))

    @property
    def verdict(self) -> str | None:
        verdict = self.event.get("verdict")
        return None if verdict is None else str(verdict)

    @property
    def movement(self) -> str:
        """Its movement (:func:`pronate.outputs.evidence.movement_of`)."""
        return movement_of(self.kind)

    @property
    def legs(self) -> dict[str, str]:
        """The verdict of each loaded leg (none for a captured frame); an ``uncertain``
        moment leaves each of its legs ``uncertain`` (the legs' verdicts at the measured
        values are not decided either)."""
        legs = self.event.get("legs")
        if legs and self.verdict == "uncertain":
            return {str(k): "uncertain" for k in legs}
        if legs:
            return {str(k): str(v) for k, v in legs.items()}
        if self.verdict is None:
            return {}
        loaded = ("left", "right") if self.side == "both" else (self.side,)
        return {leg: self.verdict for leg in loaded}

    @property
    def title(self) -> str:
        """``left single-leg squat``, ``two-leg squat``, ``captured frame (...)``."""
        return moment_title(self.side, self.kind, captured=self.source == "capture")

    @property
    def label(self) -> str:
        """Where and when: ``cam01.mp4 at 1.25 s · 2026-11-05 14:32``."""
        return f"{self.origin} at {self.time_s:.1f} s · {self.session}"

    @property
    def headline(self) -> str:
        """The verdict and what decided it (or what a captured frame holds)."""
        if self.verdict is None:
            return "Captured by hand: the values of this frame"
        return headline(self.event)

    @property
    def rows(self) -> list[Row]:
        """The whole evidence: every criterion (a captured frame: its metrics)."""
        if self.verdict is None:
            return metric_rows(self.event.get("metrics") or {}, self.event.get("uncertainty") or {})
        return evidence_rows(self.event)

    @property
    def key_rows(self) -> list[Row]:
        """The numbers that matter for its kind (the share card, Compare)."""
        if self.verdict is None:
            return self.rows
        return key_rows(self.event)


def local_time(stamp: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time in this machine's time zone."""
    return stamp.replace(tzinfo=dt.UTC).astimezone()


def session_labels(visits: Iterable[Visit]) -> dict[int, str]:
    """Each visit's label: its date, and the time it was created when that was the same
    day (``2026-11-05 14:32``); labels still alike get ``(2)``, ``(3)``... in order."""
    ordered = sorted(visits, key=lambda v: (v.date, v.id))
    labels = {}
    for visit in ordered:
        created = local_time(visit.created_at) if visit.created_at else None
        same_day = created is not None and created.date() == visit.date
        labels[visit.id] = visit.date.isoformat() + (f" {created:%H:%M}" if same_day else "")
    counts: Counter[str] = Counter()
    seen = Counter(labels.values())
    for visit in ordered:
        label = labels[visit.id]
        if seen[label] > 1:
            counts[label] += 1
            labels[visit.id] = f"{label} ({counts[label]})" if counts[label] > 1 else label
    return labels


def analysis_moments(analysis: Analysis, root: Path | None, session: str) -> list[Moment]:
    """The moments of an analysis, numbered from 1 as its key frames."""
    summary = summary_of(analysis)
    folder = root / analysis.folder / "keyframes" if root is not None else None
    clip = analysis.clip
    out = []
    for number, event in enumerate(summary.get("events", []), start=1):
        frames = sorted(folder.glob(f"{number:02d}_*.png")) if folder and folder.is_dir() else []
        key = f"{analysis.id}-{number}"
        api = f"/api/analyses/{analysis.id}"
        thumb = event.get("thumbnail")  # a recording's moment: its thumbnail
        if thumb and root is not None and (root / analysis.folder / thumb).is_file():
            frames = [root / analysis.folder / thumb]
            image_url: str | None = f"{api}/files/{thumb}"
        else:
            image_url = f"{api}/files/keyframes/{frames[0].name}" if frames else None
        out.append(
            Moment(
                key=key,
                visit_id=clip.visit_id,
                session=session,
                date=clip.visit.date,
                source="clip",
                origin=clip.display_name or "clip",
                time_s=float(event.get("peak_s") or 0.0),
                event=event,
                image=frames[0] if frames else None,
                image_url=image_url,
                page_url=f"/analyses/{analysis.id}#moment-{number}",
                card_url=f"{api}/moments/{number}/card.png",
            )
        )
    return out


def live_moment_of(row: LiveMoment, visit: Visit, root: Path | None, session: str) -> Moment:
    """A saved live moment as a :class:`Moment`."""
    event = live_moment(row, client_id=visit.client_id)
    source = "capture" if row.source == "capture" else "live"
    return Moment(
        key=f"live-{row.id}",
        visit_id=visit.id,
        session=session,
        date=visit.date,
        source=source,
        origin="live",
        time_s=float(row.time_s),
        event=event,
        image=root / row.image if root is not None and row.image else None,
        image_url=event["image"],
        page_url=event["page"],
        card_url=event["card"],
    )


def client_moments(db: Session, root: Path | None, client: Client) -> list[Moment]:
    """Every moment of a client, by session (date order), then clips before live
    moments, each in time order."""
    labels = session_labels(client.visits)
    visits = {v.id: v for v in client.visits}
    live: dict[int, list[LiveMoment]] = {}
    for row in live_moments_of(db, client):
        live.setdefault(row.visit_id, []).append(row)
    out = []
    for visit in sorted(client.visits, key=lambda v: (v.date, v.id)):
        label = labels[visit.id]
        for clip in visit.clips:
            for analysis in clip.analyses:
                out.extend(analysis_moments(analysis, root, label))
        rows = sorted(live.get(visit.id, []), key=lambda r: (r.created_at, r.id))
        out.extend(live_moment_of(r, visits[visit.id], root, label) for r in rows)
    return out


def find_moment(db: Session, root: Path | None, client: Client, key: str) -> Moment:
    """The client's moment ``ANALYSIS-NUMBER`` or ``live-ID``, or :class:`NotFoundError`."""
    labels = session_labels(client.visits)
    if key.startswith("live-"):
        try:
            row = client_live_moment(db, client, int(key.removeprefix("live-")))
        except ValueError:
            raise NotFoundError(f"no moment {key!r}") from None
        visit = db.get(Visit, row.visit_id)
        assert visit is not None
        return live_moment_of(row, visit, root, labels[visit.id])
    try:
        analysis_id, number = (int(part) for part in key.split("-"))
    except ValueError:
        raise NotFoundError(f"no moment {key!r}") from None
    analysis = find(db, Analysis, analysis_id)
    if analysis is None or analysis.clip.visit.client_id != client.id:
        raise NotFoundError(f"client {client.id} has no analysis {analysis_id}")
    moments = analysis_moments(analysis, root, labels[analysis.clip.visit_id])
    if not 1 <= number <= len(moments):
        raise NotFoundError(f"analysis {analysis_id} has no moment {number}")
    return moments[number - 1]


def default_pair(moments: list[Moment]) -> tuple[Moment | None, Moment | None]:
    """Compare's default: the same kind of movement and leg, its first session against
    its latest (the movement and leg seen in the most sessions, then the most moments);
    within one session, its first moment against its last."""
    groups: dict[tuple[str, str], list[Moment]] = {}
    for m in moments:
        if m.verdict is not None:
            groups.setdefault((m.movement, m.side), []).append(m)
    if not groups:
        return (moments[0], moments[-1]) if len(moments) >= 2 else (None, None)

    def weight(item: tuple[tuple[str, str], list[Moment]]) -> tuple[int, int]:
        return len({m.visit_id for m in item[1]}), len(item[1])

    _, chosen = max(groups.items(), key=weight)
    if len(chosen) < 2:
        return (moments[0], moments[-1]) if len(moments) >= 2 else (None, None)
    first = [m for m in chosen if m.visit_id == chosen[0].visit_id]
    last = [m for m in chosen if m.visit_id == chosen[-1].visit_id]
    return first[0], last[-1]

"""SQLAlchemy 2 models of the workspace.

Files are never named by what the user uploaded: a clip is its SHA-256 (see
:mod:`pronate.app.store.blobs`), an analysis is the folder ``analyses/job-<id>``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JOB_STATES = ("queued", "running", "done", "failed")


def utcnow() -> dt.datetime:
    """Now, in UTC, without tzinfo (stored as naive UTC in both databases)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


NEVER_REUSED = {"sqlite_autoincrement": True}
"""Table options: ids are never reused after a delete (SQLite ``AUTOINCREMENT``, migration
``0004``; PostgreSQL's sequences never go back), so a bookmarked ``/analyses/9`` never
shows another client's analysis."""


class Base(DeclarativeBase):
    """Declarative base of the workspace tables."""


class Client(Base):
    """A person the coach works with."""

    __tablename__ = "clients"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    visits: Mapped[list[Visit]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Visit.date"
    )


class Visit(Base):
    """A visit of a client: a date, notes and its clips. The pages and the JSON API call it
    a *session* (``/api/clients/{id}/sessions``, ``session_id``)."""

    __tablename__ = "visits"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    client: Mapped[Client] = relationship(back_populates="visits")
    clips: Mapped[list[Clip]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Clip.id"
    )


class Clip(Base):
    """An uploaded video, stored once by content hash."""

    __tablename__ = "clips"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    visit: Mapped[Visit] = relationship(back_populates="clips")
    jobs: Mapped[list[Job]] = relationship(
        back_populates="clip", cascade="all, delete-orphan", order_by="Job.id"
    )
    analyses: Mapped[list[Analysis]] = relationship(
        back_populates="clip", cascade="all, delete-orphan", order_by="Analysis.id"
    )


class Job(Base):
    """The analysis of a clip, waiting, running or finished."""

    __tablename__ = "jobs"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    clip: Mapped[Clip] = relationship(back_populates="jobs")


class Analysis(Base):
    """The outputs of one finished job: its folder and its ``summary.json``."""

    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("job_id", name="uq_analyses_job"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int] = mapped_column(Integer)
    folder: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    clip: Mapped[Clip] = relationship(back_populates="analyses")


class LiveMoment(Base):
    """A loading moment captured live (by itself or by hand) in a visit (migration
    ``0002``): its ``details`` hold the criteria, metrics and uncertainty as JSON, its
    ``image`` is the JPEG frame the browser sent, a file of the data folder."""

    __tablename__ = "live_moments"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    time_s: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str | None] = mapped_column(String(32), nullable=True)
    details: Mapped[str] = mapped_column(Text, default="{}")
    image: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

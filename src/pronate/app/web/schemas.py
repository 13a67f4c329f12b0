"""Pydantic models of the JSON API (the edge: requests are validated here)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

JobState = Literal["queued", "running", "done", "failed"]


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("the name is empty")
    return value


class ClientIn(BaseModel):
    """A new client."""

    name: str = Field(min_length=1, max_length=200)

    _name = field_validator("name")(_clean_name)


class ClientPatch(BaseModel):
    """Rename and/or archive a client."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    archived: bool | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _clean_name(value)


class Created(BaseModel):
    """The id of what was created."""

    id: int


class ClientOut(BaseModel):
    """A client in the list."""

    id: int
    name: str
    archived: bool
    created_at: dt.datetime
    sessions: int


class VisitIn(BaseModel):
    """A new visit (a session in the pages and the API)."""

    date: dt.date = Field(default_factory=dt.date.today)
    notes: str = Field(default="", max_length=10_000)


class ClipOut(BaseModel):
    """A clip of a session, with its latest job."""

    id: int
    name: str
    size: int
    job_id: int | None
    state: JobState | None
    progress: float
    error: str | None
    analysis_id: int | None


class VisitOut(BaseModel):
    """A visit (a session in the pages and the API) and its clips."""

    id: int
    date: dt.date
    label: str = Field(description="its date, with the time when created that day")
    notes: str
    clips: list[ClipOut]
    live_moments: list[int] = Field(description="ids of its live moments, oldest first")


class ClientDetail(ClientOut):
    """A client with its sessions."""

    visits: list[VisitOut]


class UploadOut(BaseModel):
    """What an upload created."""

    clip_id: int
    job_id: int
    session_id: int


class JobOut(BaseModel):
    """The state of a job."""

    id: int
    state: JobState
    progress: float
    error: str | None
    analysis_id: int | None
    attempts: int


class MovementLeg(BaseModel):
    """One leg in one movement of one session: the verdict of those moments only."""

    verdict: str | None
    moments: int
    live: int = Field(description="how many of the moments were saved in live mode")
    metrics: dict[str, float | None] = Field(
        description="median of each key number over the moments, by criterion name"
    )


class HistoryEntry(BaseModel):
    """One session of the history."""

    session_id: int
    date: dt.date
    label: str = Field(description="its date, with the time when created that day")
    notes: str
    analyses: list[int]
    live_moments: list[int]
    movements: dict[str, dict[str, MovementLeg]] = Field(
        description="movement (single_leg, step_down, lunge, squat, walking) -> leg -> verdict"
    )


class Movement(BaseModel):
    """A movement seen in a client's sessions."""

    key: str
    title: str
    legs: list[str]
    first_pronation: dict[str, int | None]
    bands: dict[str, dict[str, Any]] = Field(
        description="each key number's threshold and uncertainty"
    )


class History(BaseModel):
    """A client's sessions in date order, verdicts per movement and leg (never a vote
    across kinds of moment), and the first session with pronation of each."""

    client_id: int
    sessions: list[HistoryEntry]
    movements: list[Movement]


class Health(BaseModel):
    """The workspace is up."""

    status: Literal["ok"]
    version: str
    database: str
    workers: int

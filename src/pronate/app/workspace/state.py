"""The running workspace: settings, database, files and job workers, shared by requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pronate.app.store.blobs import Blobs
from pronate.app.workspace.settings import WorkspaceSettings


class Workers(Protocol):
    """The job workers of this process (:class:`pronate.app.jobs.worker.WorkerPool`)."""

    workers: int

    def wake(self) -> None:
        """Look at the queue now (a job was added)."""

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop claiming jobs."""


@dataclass
class Workspace:
    """Everything a request may need."""

    settings: WorkspaceSettings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: Blobs
    pool: Workers | None = None

    def job_added(self) -> None:
        """Tell the workers a job is waiting."""
        if self.pool is not None:
            self.pool.wake()

"""The running workspace: settings, database, files and worker pool, shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pronate.app.jobs.worker import WorkerPool
from pronate.app.store.blobs import Blobs
from pronate.app.web.settings import WorkspaceSettings


@dataclass
class Workspace:
    """Everything a request may need."""

    settings: WorkspaceSettings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: Blobs
    pool: WorkerPool | None = None

    def job_added(self) -> None:
        """Tell the pool a job is waiting."""
        if self.pool is not None:
            self.pool.wake()

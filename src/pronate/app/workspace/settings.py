"""Settings of one running workspace."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from pronate.app.workspace.queue import JobSettings
from pronate.io.home import pronate_home

DEFAULT_MAX_UPLOAD_MB = 2048
ENV_TOKEN = "PRONATE_TOKEN"


def default_data_dir() -> Path:
    """``$PRONATE_HOME/workspace`` (see :func:`pronate.io.home.pronate_home`)."""
    return pronate_home() / "workspace"


LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    """Whether binding to ``host`` keeps the workspace on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, kw_only=True)
class WorkspaceSettings:
    """What :func:`pronate.app.server.create_app` needs.

    Attributes
    ----------
    data_dir
        The data folder (clips, analyses, and ``workspace.db`` with SQLite).
    database_url
        SQLAlchemy URL of the database.
    token
        When set, every request must carry it (header ``Authorization: Bearer TOKEN``,
        or the cookie set by opening any page with ``?token=TOKEN``).
    max_upload_bytes
        Largest upload accepted.
    jobs
        How clips are analysed.
    workers
        Jobs run at once (``None``: one per core); 0 runs no worker in this process.
    dask
        Address of a Dask scheduler to run the jobs on, instead of local processes.
    allowed_hosts
        Host names requests may be addressed to (``None``: any); ``pronate serve`` on
        localhost allows only the local names, against DNS rebinding.
    """

    data_dir: Path
    database_url: str
    token: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    jobs: JobSettings = field(default_factory=JobSettings)
    workers: int | None = None
    dask: str | None = None
    allowed_hosts: tuple[str, ...] | None = None

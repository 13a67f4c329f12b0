"""``pronate serve``: the coach's workspace on this machine (its options are the shared
ones of :mod:`pronate.app.options`; the server is imported when it runs)."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import threading
from pathlib import Path
from typing import Any

from pronate.app.options import add_executor_options, add_model
from pronate.errors import InputError
from pronate.io.signals import Interrupted

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_serve_parser(sub: Any) -> None:
    """Add the ``serve`` subcommand to the subparsers of ``pronate``."""
    p = sub.add_parser(
        "serve",
        help="the coach's workspace: clients, sessions, clips and progress in a local web app",
        description="Start the workspace web app and print its address. Data (database, "
        "clips, analyses) lives under $PRONATE_HOME/workspace unless --data is given; set "
        "PRONATE_DATABASE_URL to use a PostgreSQL server instead of the built-in SQLite. "
        "Bound to localhost it needs no login; on any other address it refuses to start "
        "without a token (PRONATE_TOKEN, or --generate-token).",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s)")
    p.add_argument("--data", type=Path, metavar="DIR", help="data folder")
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="database (default: $PRONATE_DATABASE_URL, else SQLite in the data folder)",
    )
    p.add_argument(
        "--generate-token",
        action="store_true",
        help="make up a token (printed) when PRONATE_TOKEN is not set",
    )
    add_model(p)
    add_executor_options(p)
    p.add_argument(
        "--max-upload-mb", type=int, default=2048, help="largest upload (default: %(default)s MB)"
    )
    p.set_defaults(func=cmd_serve)


def _token(host: str, *, generate: bool) -> str | None:
    from pronate.app.workspace.settings import ENV_TOKEN, is_local

    token = os.environ.get(ENV_TOKEN) or None
    if token is None and generate:
        token = secrets.token_urlsafe(24)
    if token is None and not is_local(host):
        raise InputError(
            f"--host {host} exposes the workspace beyond this machine: set {ENV_TOKEN} "
            "or pass --generate-token"
        )
    if token is not None and len(token) < 16:
        raise InputError(f"{ENV_TOKEN} is too short (at least 16 characters)")
    return token


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise InputError(f"--port {port} is not a port number")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise InputError(f"--host {host} is not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the workspace until interrupted."""
    import uvicorn

    from pronate.app.server import create_app
    from pronate.app.store.db import database_url
    from pronate.app.workspace.queue import JobSettings
    from pronate.app.workspace.settings import (
        LOCAL_NAMES,
        WorkspaceSettings,
        default_data_dir,
        is_local,
    )

    token = _token(args.host, generate=args.generate_token)
    _check_port(args.host, args.port)
    if args.dask:
        from pronate.app.executor import require_distributed

        require_distributed()
    if args.max_upload_mb <= 0:
        raise InputError("--max-upload-mb must be positive")
    if args.workers is not None and not 0 <= args.workers <= 1024:
        raise InputError(f"--workers {args.workers} must lie in 0..1024 (0: no job workers)")
    data = (args.data or default_data_dir()).expanduser()
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the data folder {data}: {exc.strerror}") from None
    settings = WorkspaceSettings(
        data_dir=data,
        database_url=database_url(data, args.database_url),
        token=token,
        max_upload_bytes=args.max_upload_mb * 1024 * 1024,
        jobs=JobSettings(model=args.model),
        workers=args.workers,
        dask=args.dask,
        allowed_hosts=(*LOCAL_NAMES, args.host) if is_local(args.host) else None,
    )
    app = create_app(settings)
    shown = socket.gethostname() if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{shown}:{args.port}/" + (f"?token={token}" if token else "")
    print(f"pronate workspace: {url}", flush=True)
    print(f"data: {data}", flush=True)
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=1
    )
    _serve(uvicorn.Server(config))
    return 0


def _serve(server: Any) -> None:
    """Run the uvicorn ``server`` until Ctrl-C, SIGTERM or SIGHUP; each shuts it down
    alike (open connections get a second, the job workers' analyses are ended and
    reaped), then stops the command as :class:`~pronate.io.signals.Interrupted`.
    uvicorn handles SIGINT and SIGTERM itself and raises them again once shut down;
    SIGHUP is handled here the same way."""
    if threading.current_thread() is not threading.main_thread():
        server.run()
        return
    hung_up: list[int] = []

    def hang_up(signum: int, frame: object) -> None:
        hung_up.append(signum)
        server.should_exit = True

    previous = signal.signal(signal.SIGHUP, hang_up)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGHUP, previous)
    if hung_up:
        raise Interrupted(signal.SIGHUP)

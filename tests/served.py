"""A workspace served for a test: a free local port, and the app run by uvicorn in a
thread until the test is done (for the browser and server tests)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from pronate.app.server import create_app
from pronate.app.workspace.settings import WorkspaceSettings

START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_workspace(settings: WorkspaceSettings) -> Iterator[str]:
    """The workspace of ``settings`` served on a free local port: yields its address."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert time.monotonic() < end, "the workspace did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)

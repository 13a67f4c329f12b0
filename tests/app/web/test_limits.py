"""The body limit stops reading a request as soon as it is past the limit."""

from __future__ import annotations

import asyncio
from typing import Any

from pronate.app.workspace.limits import BodyLimit

CHUNK = 64 * 1024


def run(limit: int, chunks: int, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """Send ``chunks`` body chunks through :class:`BodyLimit` to an app that reads them
    all; returns (status sent, chunks read)."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"\0" * CHUNK, "more_body": read < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    scope = {"type": "http", "headers": headers}
    asyncio.run(BodyLimit(app, limit=lambda: limit)(scope, receive, send))  # type: ignore[arg-type]
    return sent[0]["status"], read


def test_stops_reading_past_the_limit() -> None:
    status, read = run(3 * CHUNK, 100, [])
    assert status == 413 and read == 4


def test_refuses_a_declared_length_before_reading() -> None:
    status, read = run(3 * CHUNK, 100, [(b"content-length", str(100 * CHUNK).encode())])
    assert status == 413 and read == 0


def test_passes_a_body_within_the_limit() -> None:
    assert run(3 * CHUNK, 3, []) == (200, 3)

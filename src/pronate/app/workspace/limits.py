"""An ASGI wrapper that stops a request body at a size limit, before anything spools it
to disk (a client may send no ``Content-Length``, or a false one)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLargeError(Exception):
    """The request body went past the limit."""


class BodyLimit:
    """Refuse (413) any request whose body is larger than ``limit()`` bytes.

    Parameters
    ----------
    app
        The wrapped ASGI application.
    limit
        Returns the largest body accepted, read at each request.
    """

    def __init__(self, app: ASGIApp, *, limit: Callable[[], int]):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting its body; past the limit, whatever the app
        answers (its body parser turns the stop into a 400) becomes a 413."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, seen, over, refused = self.limit(), 0, False, False
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                over = True
                raise BodyTooLargeError
            return message

        async def watched(message: Message) -> None:
            nonlocal refused
            if not over:
                await send(message)
            elif message["type"] == "http.response.start" and not refused:
                refused = True
                await _refuse(send, limit)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLargeError:
            if not refused:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"the upload is larger than the limit ({limit} bytes)"})
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})

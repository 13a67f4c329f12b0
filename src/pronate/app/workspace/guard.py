"""Refusals that protect a workspace on localhost from other web sites: a request for a
host name the workspace does not answer to (DNS rebinding), a state-changing request
sent by another site (cross-site request forgery), and a WebSocket opened by another
site's page or for another host name (:class:`SocketGuard`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _hostname(host: str) -> str:
    """``127.0.0.1`` of ``127.0.0.1:8000``, ``::1`` of ``[::1]:8000``."""
    return urlsplit(f"//{host}").hostname or ""


def refusal(request: HTTPConnection, *, allowed_hosts: tuple[str, ...] | None) -> str | None:
    """Why the request is refused (a sentence), or ``None`` when it may go on."""
    host = request.headers.get("host", "")
    if allowed_hosts is not None and _hostname(host) not in allowed_hosts:
        return "this workspace does not answer to that host name"
    if request.scope.get("method", "GET") in SAFE_METHODS:
        return None
    if request.headers.get("sec-fetch-site") == "cross-site":
        return "requests from other web sites are refused"
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != host:
        return "requests from other web sites are refused"
    return None


def socket_refusal(conn: HTTPConnection, *, allowed_hosts: tuple[str, ...] | None) -> str | None:
    """Why a WebSocket handshake is refused, or ``None``: a host name the workspace does
    not answer to, or a page of another site (its ``Origin`` is not this host, or names a
    host the workspace does not answer to: a rebound name sends both alike)."""
    problem = refusal(conn, allowed_hosts=allowed_hosts)
    if problem is not None:
        return problem
    origin = conn.headers.get("origin")
    if origin is None:
        return None  # not a browser: the token (if any) still applies
    parts = urlsplit(origin)
    if parts.netloc != conn.headers.get("host", ""):
        return "a live stream is opened by the workspace's own page"
    if allowed_hosts is not None and (parts.hostname or "") not in allowed_hosts:
        return "this workspace does not answer to that host name"
    return None


class SocketGuard:
    """Refuse (close before accepting, a 403 to the browser) a WebSocket handshake that
    :func:`socket_refusal` refuses; HTTP requests pass through (the workspace's middleware
    checks them).

    Parameters
    ----------
    app
        The wrapped ASGI application.
    allowed_hosts
        Host names the workspace answers to (``None``: any).
    """

    def __init__(self, app: ASGIApp, *, allowed_hosts: tuple[str, ...] | None) -> None:
        self.app, self.allowed_hosts = app, allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the connection on, unless it is a refused WebSocket."""
        if scope["type"] == "websocket":
            problem = socket_refusal(HTTPConnection(scope), allowed_hosts=self.allowed_hosts)
            if problem is not None:
                message = await receive()
                if message["type"] == "websocket.connect":
                    await send({"type": "websocket.close", "code": 1008, "reason": problem})
                return
        await self.app(scope, receive, send)

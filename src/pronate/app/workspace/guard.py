"""Refusals that protect a workspace on localhost from other web sites: a request for a
host name the workspace does not answer to (DNS rebinding), and a state-changing request
sent by another site (cross-site request forgery)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

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

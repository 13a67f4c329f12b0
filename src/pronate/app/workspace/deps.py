"""FastAPI dependencies: the database session, the auth token, the workspace."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from pronate.app.workspace.state import Workspace

TOKEN_COOKIE = "pronate_token"


def workspace(request: Request) -> Workspace:
    """The running workspace."""
    ws: Workspace = request.app.state.workspace
    return ws


def get_db(ws: Annotated[Workspace, Depends(workspace)]) -> Iterator[Session]:
    """A database session for one request."""
    with ws.sessions() as db:
        yield db


def presented_token(request: HTTPConnection) -> str | None:
    """The token a request carries: bearer header, ``X-Pronate-Token`` or the cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-pronate-token") or request.cookies.get(TOKEN_COOKIE)


def require_token(request: HTTPConnection) -> None:
    """Refuse a request or WebSocket (401) unless it carries the workspace's token, if any."""
    expected = request.app.state.workspace.settings.token
    if not expected:
        return
    given = presented_token(request) or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status_code=401,
            detail="this workspace needs its token: open the address printed by "
            "'pronate serve', or send 'Authorization: Bearer TOKEN'",
            headers={"WWW-Authenticate": "Bearer"},
        )


DB = Annotated[Session, Depends(get_db)]
WS = Annotated[Workspace, Depends(workspace)]

"""The workspace put together (the composition root): the database and files, the job
workers, the web app's routers and live mode's, the assets, and the guards around them.

:mod:`pronate.app.web`, :mod:`pronate.app.live` and :mod:`pronate.app.jobs` never import
one another; this module is the one that knows them all.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from pronate import __version__
from pronate.app.executor import Executor
from pronate.app.jobs.worker import WorkerPool
from pronate.app.live import routes as live
from pronate.app.store.blobs import Blobs
from pronate.app.store.db import open_database
from pronate.app.web import api, pages, timeline, uploads, who
from pronate.app.workspace import pages as shell
from pronate.app.workspace.deps import TOKEN_COOKIE, require_token
from pronate.app.workspace.guard import SocketGuard, refusal
from pronate.app.workspace.limits import BodyLimit
from pronate.app.workspace.pages import error_response
from pronate.app.workspace.service import NotFoundError
from pronate.app.workspace.settings import WorkspaceSettings
from pronate.app.workspace.state import Workspace

log = logging.getLogger(__name__)
STATIC = (shell.STATIC, live.STATIC, who.STATIC)
"""Folders of the files served as ``/static/NAME``."""
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
MULTIPART_SLACK = 64 * 1024
"""Bytes of a request body beyond the upload limit (multipart headers, other fields)."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def swagger_static() -> Path:
    """The Swagger UI files shipped by the ``fastapi-offline`` package."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def open_workspace(settings: WorkspaceSettings, *, start_workers: bool) -> Workspace:
    """Open the database (schema upgraded), the data folder and, if asked, the workers."""
    blobs = Blobs(settings.data_dir)
    engine, sessions = open_database(settings.database_url)
    ws = Workspace(settings=settings, engine=engine, sessions=sessions, blobs=blobs)
    if start_workers and settings.workers != 0:
        executor = Executor(workers=settings.workers or 0, dask=settings.dask)
        ws.pool = WorkerPool(
            sessions,
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            workers=settings.workers,
            executor=executor,
        )
        requeued, failed = ws.pool.start()
        if requeued or failed:
            log.warning("interrupted jobs: %d queued again, %d failed", requeued, failed)
    return ws


def create_app(settings: WorkspaceSettings, *, start_workers: bool = True) -> FastAPI:
    """The workspace app: pages, ``/api``, ``/docs`` (offline) and its own assets.

    Parameters
    ----------
    settings
        Data folder, database, token, limits, jobs.
    start_workers
        Run the worker pool in this process (tests of the API alone turn it off).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ws: Workspace = app.state.workspace
        if ws.pool is not None:
            ws.pool.stop(timeout=5)
        ws.engine.dispose()

    app = FastAPI(
        title="pronate workspace",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(require_token)],
    )
    app.state.workspace = open_workspace(settings, start_workers=start_workers)
    limit = settings.max_upload_bytes + MULTIPART_SLACK
    app.add_middleware(BodyLimit, limit=lambda: limit)
    app.add_middleware(SocketGuard, allowed_hosts=settings.allowed_hosts)
    app.include_router(api.router)
    app.include_router(uploads.router)
    app.include_router(who.api)
    app.include_router(pages.router)
    app.include_router(timeline.router)
    app.include_router(who.pages)
    app.include_router(live.router)
    _add_assets(app)
    _add_handlers(app)
    return app


def _add_assets(app: FastAPI) -> None:
    files = {p.name: p for folder in STATIC for p in folder.iterdir() if p.is_file()}
    docs = {p.name: p for p in swagger_static().iterdir() if p.is_file()}

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in files:
            raise NotFoundError(f"no asset {name!r}")
        return FileResponse(files[name], headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/docs/{name}", include_in_schema=False)
    def docs_static(name: str) -> FileResponse:
        if name not in docs:
            raise NotFoundError(f"no asset {name!r}")
        return FileResponse(docs[name], headers={"Cache-Control": "max-age=3600"})

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return HTMLResponse((shell.STATIC / "docs.html").read_text(encoding="utf-8"))


async def _guarded(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Every request needs the token when the workspace has one. Opening a page with
    ``?token=TOKEN`` stores it in a cookie and redirects to the page without it. Requests
    for another host name, or changes sent by another web site, are refused (403). An
    error nobody handled is a 500 in plain words (logged), with the security headers."""
    settings = request.app.state.workspace.settings
    problem = refusal(request, allowed_hosts=settings.allowed_hosts)
    if problem is not None:
        return error_response(request, 403, problem)
    token = request.query_params.get("token")
    expected = settings.token
    page = request.method == "GET" and not request.url.path.startswith("/api")
    if page and token and expected and hmac.compare_digest(token.encode(), expected.encode()):
        response = RedirectResponse(request.url.path, status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response
    try:
        require_token(request)
    except HTTPException as exc:
        return error_response(request, 401, str(exc.detail), headers=exc.headers)
    try:
        return await call_next(request)
    except Exception:
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(request, 500, "the workspace failed on this request (it is logged)")


def _add_handlers(app: FastAPI) -> None:
    """Errors in plain words: a page for a browser, ``{"detail"}`` for the API."""

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()
        ]
        return error_response(request, 422, "; ".join(problems) or "invalid request")

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await _guarded(request, call_next)
        response.headers.setdefault("Content-Security-Policy", CSP)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

"""The pages' common layout (``base.html``) and assets (style, script, icon, the offline
API docs): the web app's pages and the live page extend the same layout; errors shown to
a browser are a page of that layout too (:func:`error_page`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def page_templates(directory: Path) -> Jinja2Templates:
    """The templates of ``directory``, which may extend the workspace's ``base.html``."""
    return Jinja2Templates(directory=[directory, TEMPLATES])


_errors = Jinja2Templates(directory=TEMPLATES)
TITLES = {
    400: "Bad request",
    401: "This workspace needs its token",
    403: "Refused",
    404: "Not found",
    405: "Not allowed",
    409: "Not done",
    413: "Too large",
    415: "Not a video",
    422: "Not understood",
    500: "Something went wrong",
}
"""The title of an error page, by status."""


def wants_page(request: Request) -> bool:
    """Whether a request is a browser opening a page (it accepts HTML and is not for the
    API, an asset or the live stream): its errors are then a page, not JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/static/", "/ws/")) or path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(
    request: Request, status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> Response:
    """An error in the words ``message``: a page of the workspace's layout for a browser
    (:func:`wants_page`), ``{"detail": message}`` for everyone else."""
    if not wants_page(request):
        return JSONResponse({"detail": message}, status, headers=dict(headers or {}))
    title = TITLES.get(status, "Error")
    context = {"status": status, "title": title, "message": message or title}
    page: HTMLResponse = _errors.TemplateResponse(
        request, "error.html", context, status_code=status, headers=dict(headers or {})
    )
    return page

"""The pages' common layout (``base.html``) and assets (style, script, icon, the offline
API docs): the web app's pages and the live page extend the same layout."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def page_templates(directory: Path) -> Jinja2Templates:
    """The templates of ``directory``, which may extend the workspace's ``base.html``."""
    return Jinja2Templates(directory=[directory, TEMPLATES])

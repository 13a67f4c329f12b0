"""Data flows one way: the pipeline never imports its outer layers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pronate

OUTER = (
    "pronate.app.web",
    "pronate.app.store",
    "pronate.app.jobs",
    "pronate.app.live",
    "pronate.app.batch",
)
PACKAGE = Path(pronate.__file__).parent


def _pipeline_modules() -> list[Path]:
    outer = {name.split(".")[1] for name in OUTER}
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0] not in outer and p.name != "cli.py"
    ]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_pipeline_module_imports_an_outer_layer() -> None:
    """Static: no import statement (top-level or inside a function) of the pipeline names
    the web app, the store, the jobs, live mode or batch runs (``cli.py`` is the door to
    all of them and may)."""
    modules = _pipeline_modules()
    assert len(modules) > 30
    for path in modules:
        bad = [m for m in _imports(path) if m.startswith(OUTER)]
        assert not bad, (path, bad)


def test_running_an_analysis_loads_no_outer_layer() -> None:
    code = (
        "import sys, pronate.pipeline, pronate.outputs.report, pronate.outputs.render\n"
        "import pronate.validation.command\n"
        f"print([m for m in sys.modules if m.startswith({OUTER!r})])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

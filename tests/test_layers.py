"""Data flows one way: every module imports only from the layers below its own (the
contracts of pyproject.toml's ``[tool.importlinter]``), and running an analysis loads
none of the outer layers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTER = (
    "pronate.app.web",
    "pronate.app.store",
    "pronate.app.jobs",
    "pronate.app.live",
    "pronate.app.batch",
    "pronate.app.workspace",
    "pronate.app.server",
    "pronate.app.executor",
)


def test_the_import_contracts_are_kept() -> None:
    """``lint-imports`` (as ``make lint`` runs it): the stages top to bottom, and inside
    the outer layer web, live, jobs and batch independent of one another. Imports inside
    functions count too."""
    code = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    run = subprocess.run(
        [sys.executable, "-c", code, "--no-cache", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_running_an_analysis_loads_no_outer_layer() -> None:
    code = (
        "import sys, pronate.pipeline, pronate.outputs.report, pronate.outputs.render\n"
        "import pronate.validation.command\n"
        f"print([m for m in sys.modules if m.startswith({OUTER!r})])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

"""``report.pdf``: the report printed by headless Chromium, when that is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from pronate.errors import OutputError
from pronate.io.atomic import atomic_path

CHROMIUM_NAMES: Final[tuple[str, ...]] = ("chromium", "chromium-browser", "google-chrome")


HEADLESS_FLAGS: Final[tuple[str, ...]] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
)


def find_chromium() -> str | None:
    """Path of a Chromium-like browser on ``PATH``, or ``None``."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(
    html_path: Path, pdf_path: Path, *, browser: str | None = None, timeout_s: float = 180.0
) -> Path:
    """Print the report to PDF with headless Chromium (offline, a throw-away profile).

    Parameters
    ----------
    html_path
        The report.
    pdf_path
        The PDF to write (atomically).
    browser
        The browser binary; default :func:`find_chromium`.
    timeout_s
        Give up after this many seconds.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    OutputError
        Without Chromium, or when it fails or produces nothing.
    """
    browser = browser or find_chromium()
    if browser is None:
        raise OutputError("report.pdf needs Chromium (chromium not found on PATH)")
    with (
        tempfile.TemporaryDirectory(prefix="pronate-chromium-") as profile,
        atomic_path(Path(pdf_path)) as tmp,
    ):
        cmd = [
            browser,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            Path(html_path).resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise OutputError(f"Chromium did not print {pdf_path} in {timeout_s:g} s") from None
        except OSError as exc:
            raise OutputError(f"cannot run {browser}: {exc.strerror or exc}") from exc
        if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise OutputError(f"Chromium could not print {pdf_path}: {tail[0]}")
    return Path(pdf_path)

"""``manifest.json``: the files a run wrote into its output folder, and nothing else.

The manifest is how pronate knows what is its own: a later run into the same folder
replaces or removes exactly the files the manifest lists (:func:`owned_files`), and
leaves everything else alone, the user's notes, the clip itself, a ``report.pdf`` the
user put there. A folder without a manifest was never written by pronate: it is only
added to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

from pronate import __version__
from pronate.io.atomic import write_text_atomic

MANIFEST_NAME: Final[str] = "manifest.json"
OUTPUT_NAMES: Final[tuple[str, ...]] = (
    "pose.nc",
    "keypoints.csv",
    "timeseries.csv",
    "summary.json",
    "subject.png",
    "overlay.mp4",
    "report.html",
    "report.pdf",
)
"""Files ``track`` and ``analyze`` write at the top of an output folder. ``validation.json``
is not among them: ``pronate validate --from OUT/pose.nc`` puts it beside the analysis it
checks, and no run lists it."""
KEYFRAME_DIR: Final[str] = "keyframes"
KEYFRAME = re.compile(r"^(\d{2,}_[a-z]+_[a-z0-9_]+_\d+\.\d\ds|left_vs_right)\.png$")
"""Names of the key frames (as :mod:`pronate.outputs.render.keyframes` names them)."""


def owned_files(outdir: Path) -> frozenset[str] | None:
    """The files (relative, posix) the manifest of ``outdir`` lists, those inside the
    folder only; ``None`` when there is no manifest, or it is not pronate's."""
    data = read_manifest(outdir)
    if data is None:
        return None
    names = set()
    for entry in data.get("files") or []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and (safe := _inside(name)) is not None:
            names.add(safe)
    return frozenset(names)


def read_manifest(outdir: Path) -> dict[str, Any] | None:
    """The content of ``outdir/manifest.json`` when pronate wrote it (it names pronate's
    version and lists files), else ``None``."""
    try:
        data = json.loads((Path(outdir) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "pronate" not in data or "files" not in data:
        return None
    return data


def write_manifest(
    folder: Path,
    *,
    command: str,
    details: Mapping[str, Any] | None = None,
    names: Iterable[str] | None = None,
) -> Path:
    """Write ``folder/manifest.json`` listing the files in ``folder`` (every file, below
    it too, but the manifest and hidden files), or ``names``.

    Parameters
    ----------
    folder
        Where the run's files are (its staging folder).
    command
        The command that ran (``analyze``, ``track``).
    details
        More to record (the input video or pose dataset, warnings), JSON-serialisable.
    names
        The files to list (relative, posix); default: what ``folder`` holds.

    Returns
    -------
    pathlib.Path
        The manifest.
    """
    folder = Path(folder)
    listed = sorted(names) if names is not None else run_files(folder)
    manifest = {
        "pronate": __version__,
        "command": command,
        "finished_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **dict(details or {}),
        "files": [{"name": name, "bytes": (folder / name).stat().st_size} for name in listed],
    }
    text = json.dumps(manifest, indent=2, allow_nan=False)
    return write_text_atomic(folder / MANIFEST_NAME, text + "\n")


def run_files(folder: Path) -> list[str]:
    """The files below ``folder`` (relative, posix, sorted), but the manifest and hidden
    files and folders."""
    folder = Path(folder)
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            found.append(relative.as_posix())
    return sorted(name for name in found if name != MANIFEST_NAME)


def may_write(name: str) -> bool:
    """Could a run of ``track`` or ``analyze`` write the file ``name`` (relative, posix)?"""
    path = PurePosixPath(name)
    if len(path.parts) == 1:
        return name in (*OUTPUT_NAMES, MANIFEST_NAME)
    return (
        len(path.parts) == 2 and path.parts[0] == KEYFRAME_DIR and bool(KEYFRAME.match(path.name))
    )


def _inside(name: str) -> str | None:
    """``name`` as a clean relative path inside the folder, or ``None`` (absolute, ``..``)."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("..", "") for p in path.parts):
        return None
    return path.as_posix()

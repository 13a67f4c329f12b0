"""One run per output folder: ``manifest.json`` lists what the run wrote, and the outputs
an earlier run left there that this one did not write are removed.

Only pronate's own outputs are ever removed: the files named in :data:`OUTPUT_NAMES` and
the key frames of ``keyframes/`` (named as :mod:`pronate.outputs.render.keyframes` names them).
Anything else in the folder (the user's notes, the clip itself) is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pronate import __version__
from pronate.errors import OutputError
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
is not among them and is never removed: ``pronate validate --from OUT/pose.nc`` puts it
beside the analysis it checks."""
KEYFRAME_DIR: Final[str] = "keyframes"
_KEYFRAME = re.compile(r"^(\d{2,}_[a-z]+_[a-z0-9_]+_\d+\.\d\ds|left_vs_right)\.png$")


def pronate_outputs(outdir: Path) -> list[Path]:
    """pronate's outputs present in ``outdir``: the known names and the key frames."""
    outdir = Path(outdir)
    found = [outdir / name for name in OUTPUT_NAMES if (outdir / name).is_file()]
    keyframes = outdir / KEYFRAME_DIR
    if keyframes.is_dir():
        found += sorted(p for p in keyframes.iterdir() if _KEYFRAME.match(p.name) and p.is_file())
    return found


def run_files(outdir: Path, written: Iterable[Path | None]) -> list[Path]:
    """The files of a run: ``written`` with folders expanded to pronate's files in them."""
    outdir = Path(outdir)
    files: set[Path] = set()
    for path in written:
        if path is None:
            continue
        path = Path(path)
        if path.is_dir():
            files.update(p for p in path.iterdir() if _KEYFRAME.match(p.name) and p.is_file())
        elif path.is_file():
            files.add(path)
    return sorted(files, key=lambda p: _relative(outdir, p))


def finish_run(
    outdir: Path,
    written: Iterable[Path | None],
    *,
    command: str,
    details: Mapping[str, Any] | None = None,
) -> Path:
    """Remove the outputs of earlier runs that this run did not write, then write
    ``manifest.json`` listing this run's files.

    Parameters
    ----------
    outdir
        The output folder.
    written
        What this run wrote (files, or folders of key frames); ``None`` entries are skipped.
    command
        The command that ran (``analyze``, ``track``).
    details
        More to record (the input video or pose dataset, warnings), JSON-serialisable.

    Returns
    -------
    pathlib.Path
        The manifest.

    Raises
    ------
    OutputError
        When a stale output cannot be removed or the manifest cannot be written.
    """
    outdir = Path(outdir)
    files = run_files(outdir, written)
    keep = {p.resolve() for p in files}
    for stale in pronate_outputs(outdir):
        if stale.resolve() not in keep:
            _remove(stale)
    keyframes = outdir / KEYFRAME_DIR
    if keyframes.is_dir() and not any(keyframes.iterdir()):
        keyframes.rmdir()
    manifest = {
        "pronate": __version__,
        "command": command,
        "finished_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **dict(details or {}),
        "files": [{"name": _relative(outdir, p), "bytes": p.stat().st_size} for p in files],
    }
    text = json.dumps(manifest, indent=2, allow_nan=False)
    return write_text_atomic(outdir / MANIFEST_NAME, text + "\n")


@contextmanager
def removed_if_interrupted(outdir: Path) -> Iterator[None]:
    """On Ctrl-C inside the block: if this run had begun writing (an output appeared or
    changed since the block began), remove pronate's outputs and ``manifest.json`` from
    the folder (an earlier run's set is broken by then, this run's is half done); if it
    had not, the folder stays as it was. Then the interrupt goes on."""
    before = _snapshot(outdir)
    try:
        yield
    except KeyboardInterrupt:
        if _snapshot(outdir) != before:
            for path in [*pronate_outputs(outdir), Path(outdir) / MANIFEST_NAME]:
                with suppress(OSError):
                    path.unlink()
        raise


def _snapshot(outdir: Path) -> dict[Path, int]:
    """pronate's outputs in ``outdir`` with their modification times (ns)."""
    out = {}
    for path in pronate_outputs(outdir):
        with suppress(OSError):
            out[path] = path.stat().st_mtime_ns
    return out


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot remove {path} of an earlier run: {exc.strerror or exc}") from exc


def _relative(outdir: Path, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(outdir.resolve()).as_posix()
    except ValueError:
        return str(path)

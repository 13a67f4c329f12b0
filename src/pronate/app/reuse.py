"""Reuse by content: an analysis of the same content (SHA-256 of the video) with the same
settings is not run again; the earlier analysis folder is hard-linked into place.

Batch runs remember what they did in ``OUTDIR/batch-index.json``
(:mod:`pronate.app.batch.index`), the workspace in its database (its jobs and analyses);
both look up the earlier folders there and hand them to :func:`reuse`. Folders are
written beside their final place as ``.NAME.partial`` and swapped in only when complete
(:func:`partial_of`, :func:`replace_folder`), so an earlier analysis stays intact until a
new one is ready.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

SUMMARY = "summary.json"
"""The file every complete analysis folder holds (written last by the analysis)."""


def sha256_of(path: Path, *, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file's content (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def partial_of(final: Path) -> Path:
    """Where the folder ``final`` is written before it is complete: ``.NAME.partial``."""
    return final.with_name(f".{final.name}.partial")


def replace_folder(new: Path, final: Path) -> None:
    """Put folder ``new`` in place of ``final`` (removing an earlier ``final``)."""
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def link_copy(source: Path, final: Path) -> None:
    """Copy the analysis folder ``source`` to ``final`` (hard links where possible).

    Raises
    ------
    OSError
        When neither linking nor copying works (``final`` is then left as it was).
    """
    partial = partial_of(final)
    shutil.rmtree(partial, ignore_errors=True)
    try:
        shutil.copytree(source, partial, copy_function=os.link)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.copytree(source, partial)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    replace_folder(partial, final)


def complete(folders: Iterable[Path]) -> list[Path]:
    """The folders that still hold a complete analysis (its ``summary.json``)."""
    return [Path(folder) for folder in folders if (Path(folder) / SUMMARY).is_file()]


def reuse(earlier: Iterable[Path], final: Path) -> Path | None:
    """Hard-link the first complete analysis of ``earlier`` (analyses of the same content
    with the same settings, best first) into ``final``; the folder used, or ``None``
    when there is none.

    Raises
    ------
    OSError
        When the folder can be neither linked nor copied.
    """
    found = complete(earlier)
    if not found:
        return None
    link_copy(found[0], final)
    return found[0]

"""Reuse by content: an analysis of the same content (SHA-256 of the video) with the same
settings is not run again; the earlier analysis folder is hard-linked into place.

Batch runs remember what they did in ``OUTDIR/batch-index.json``
(:mod:`pronate.app.batch.index`), the workspace in its database (its jobs and analyses);
both look up the earlier folders there and hand them to :func:`reuse`. A copy goes into
its folder as an analysis does (:func:`pronate.io.outdir.output_run`): aside, swapped in
whole, replacing only pronate's own files, so an earlier analysis stays intact until the
new one is ready.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from pronate.errors import OutputError
from pronate.io.manifest import MANIFEST_NAME, owned_files, run_files
from pronate.io.outdir import output_run

SUMMARY = "summary.json"
"""The file every complete analysis folder holds (written last by the analysis)."""


def sha256_of(path: Path, *, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file's content (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def link_copy(source: Path, final: Path) -> None:
    """Copy the analysis folder ``source`` (the files its manifest lists, and the
    manifest) to ``final``, hard links where possible.

    Raises
    ------
    OutputError
        When ``final`` is in use, holds files pronate did not write where the copy goes, or
        the files can be neither linked nor copied (``final`` is then left as it was).
    """
    source = Path(source)
    names = sorted(owned_files(source) or run_files(source))
    if (source / MANIFEST_NAME).is_file():
        names.append(MANIFEST_NAME)
    with output_run(final, writes=names) as run:
        for name in names:
            target = run.staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source / name, target)
            except OSError:
                try:
                    shutil.copy2(source / name, target)
                except OSError as exc:
                    why = exc.strerror or exc
                    raise OutputError(f"cannot copy {source / name} to {final}: {why}") from exc
        run.commit()


def complete(folders: Iterable[Path]) -> list[Path]:
    """The folders that still hold a complete analysis (its ``summary.json``)."""
    return [Path(folder) for folder in folders if (Path(folder) / SUMMARY).is_file()]


def reuse(earlier: Iterable[Path], final: Path) -> Path | None:
    """Hard-link the first complete analysis of ``earlier`` (analyses of the same content
    with the same settings, best first) into ``final``; the folder used, or ``None``
    when there is none.

    Raises
    ------
    OutputError
        When the folder can be neither linked nor copied.
    """
    found = complete(earlier)
    if not found:
        return None
    link_copy(found[0], final)
    return found[0]

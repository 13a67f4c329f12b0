"""A run's output folder: locked, written aside, swapped in whole, and only pronate's own
files ever replaced.

:func:`output_run` wraps a run of ``track`` or ``analyze``:

1. The folder is locked (:class:`~pronate.io.lock.FolderLock`): one run at a time.
2. Before any work, it refuses an input the run would overwrite (a clip saved as
   ``OUTDIR/overlay.mp4``) and a file of a name the run will write that pronate did not
   write (no ``manifest.json`` there lists it): a folder pronate never wrote to is only
   added to.
3. The run writes into ``OUTDIR/.pronate-staging-PID/``.
4. :meth:`OutputRun.commit` moves the earlier run's files (those its manifest lists)
   aside, this run's in, and last replaces the manifest (one atomic rename: the folder is
   this run's from then on); then it drops the earlier files. SIGINT, SIGTERM and SIGHUP
   are held for those few renames (:func:`~pronate.io.signals.deferred`); if a rename
   fails, the earlier run is put back. The folder holds one complete run: the earlier one
   or this one. (Were the process killed outright within those milliseconds, the next run
   into the folder still knows every file there as pronate's, from the dead run's staged
   manifest, and replaces them.)
5. However the run ends, its staging folder goes, the lock is released, and a folder the
   run created and left empty is removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from pronate.errors import OutputError
from pronate.io.atomic import ensure_output_dir
from pronate.io.lock import FolderLock
from pronate.io.manifest import (
    KEYFRAME,
    KEYFRAME_DIR,
    MANIFEST_NAME,
    OUTPUT_NAMES,
    owned_files,
    run_files,
)
from pronate.io.signals import deferred

STAGING_PREFIX: Final[str] = ".pronate-staging-"
ASIDE_PREFIX: Final[str] = ".pronate-old-"


class OutputRun:
    """One run's hold on its output folder (made by :func:`output_run`).

    Attributes
    ----------
    outdir
        The output folder.
    staging
        Where the run writes its files until :meth:`commit`.
    owned
        The files of the earlier run (its manifest), ``None`` when pronate never wrote
        to the folder.
    committed
        The run's files are in place.
    """

    def __init__(
        self,
        outdir: Path,
        *,
        replaceable: Iterable[Path | None] = (),
        recovered: Iterable[str] = (),
    ):
        self.outdir = Path(outdir)
        self.staging = self.outdir / f"{STAGING_PREFIX}{os.getpid()}"
        self.owned = owned_files(self.outdir)
        if recovered:  # a run killed while swapping had begun to put these in place
            self.owned = frozenset({*(self.owned or ()), *recovered})
        self._replaceable = [Path(p) for p in replaceable if p is not None]
        self.committed = False

    def final(self, path: Path | None) -> Path | None:
        """Where a file the run wrote into :attr:`staging` is once committed."""
        if path is None:
            return None
        try:
            return self.outdir / Path(path).relative_to(self.staging)
        except ValueError:
            return Path(path)

    def guard(self, *inputs: Path | str | None) -> None:
        """Refuse inputs this run would overwrite or remove (not the replaceable ones).

        Raises
        ------
        OutputError
            When an input is one of the files the run writes or replaces in the folder.
        """
        for given in inputs:
            if given is None or not Path(given).is_file():
                continue
            source = Path(given)
            if any(_same(source, kept) for kept in self._replaceable):
                continue
            for name in sorted(self._names()):
                target = self.outdir / name
                if target.is_file() and _same(source, target):
                    raise OutputError(
                        f"{source} is an input of this run, and pronate writes its own "
                        f"{name} in {self.outdir}: move the file out of the folder, or choose "
                        "another output folder"
                    )

    def check(self, names: Iterable[str]) -> None:
        """Refuse files of these names (relative) that pronate did not write.

        Raises
        ------
        OutputError
            When such a file exists and no manifest of the folder lists it.
        """
        for name in names:
            target = self.outdir / name
            if (target.exists() or target.is_symlink()) and not self._ours(name, target):
                raise OutputError(
                    f"{target} was not written by pronate (no {MANIFEST_NAME} there lists "
                    "it), and pronate never replaces a file it did not write: move it, or "
                    "choose another output folder"
                )

    def commit(self) -> None:
        """Swap the staged files in for the earlier run's (see the module's text).

        Raises
        ------
        OutputError
            When a staged file would replace a file pronate did not write, or the files
            cannot be moved (the earlier run is then put back).
        """
        new = run_files(self.staging)
        staged_manifest = self.staging / MANIFEST_NAME
        self.check([*new, MANIFEST_NAME] if staged_manifest.is_file() else new)
        old = [n for n in self._earlier() if n != MANIFEST_NAME and (self.outdir / n).is_file()]
        if not staged_manifest.is_file() and (self.outdir / MANIFEST_NAME).is_file():
            old.append(MANIFEST_NAME)
        aside = self.outdir / f"{ASIDE_PREFIX}{os.getpid()}"
        with deferred():
            moved_old: list[str] = []
            moved_new: list[str] = []
            try:
                for name in old:
                    _move(self.outdir / name, aside / name)
                    moved_old.append(name)
                for name in new:
                    _move(self.staging / name, self.outdir / name)
                    moved_new.append(name)
                if staged_manifest.is_file():  # the switch: the new run is the folder's
                    os.replace(staged_manifest, self.outdir / MANIFEST_NAME)
            except OSError as exc:
                for name in reversed(moved_new):
                    with contextlib.suppress(OSError):
                        _move(self.outdir / name, self.staging / name)
                for name in reversed(moved_old):
                    with contextlib.suppress(OSError):
                        _move(aside / name, self.outdir / name)
                _remove_empty(aside)
                raise OutputError(
                    f"cannot put the results into {self.outdir}: {exc.strerror or exc}"
                ) from exc
            self.committed = True
            shutil.rmtree(aside, ignore_errors=True)
            shutil.rmtree(self.staging, ignore_errors=True)
            if any(name.startswith(f"{KEYFRAME_DIR}/") for name in old):
                with contextlib.suppress(OSError):
                    (self.outdir / KEYFRAME_DIR).rmdir()  # only when empty

    def _earlier(self) -> list[str]:
        """The files of the earlier run: its manifest's, the manifest, the replaceable."""
        names = set(self.owned or ())
        if self.owned is not None:
            names.add(MANIFEST_NAME)
        for kept in self._replaceable:
            with contextlib.suppress(ValueError, OSError):
                names.add(kept.resolve().relative_to(self.outdir.resolve()).as_posix())
        return sorted(names)

    def _names(self) -> set[str]:
        """Every file name the run may write or replace in the folder."""
        names = {*OUTPUT_NAMES, MANIFEST_NAME, *(self.owned or ())}
        keyframes = self.outdir / KEYFRAME_DIR
        if keyframes.is_dir():
            names |= {
                f"{KEYFRAME_DIR}/{p.name}" for p in keyframes.iterdir() if KEYFRAME.match(p.name)
            }
        return names

    def _ours(self, name: str, target: Path) -> bool:
        if any(_same(target, kept) for kept in self._replaceable):
            return True
        if self.owned is None:
            return False
        return name == MANIFEST_NAME or name in self.owned


@contextlib.contextmanager
def output_run(
    outdir: Path,
    *,
    inputs: Iterable[Path | str | None] = (),
    replaceable: Iterable[Path | None] = (),
    writes: Iterable[str] = (),
) -> Iterator[OutputRun]:
    """Hold ``outdir`` for one run (see the module's text); the run writes into
    ``run.staging`` and calls ``run.commit()`` when complete.

    Parameters
    ----------
    outdir
        The output folder (created if needed).
    inputs
        The run's input files: refused when the run would overwrite them.
    replaceable
        Inputs the run may replace (``--from OUTDIR/pose.nc``: the pose it re-analyses).
    writes
        Names (relative) the run will write: refused at once where a file of that name
        is not pronate's.

    Raises
    ------
    OutputError
        When the folder cannot be made or locked, is in use by another run, or an input
        or a file of the user's is in the way.
    """
    outdir = Path(outdir)
    created = not outdir.exists()
    ensure_output_dir(outdir)
    lock = FolderLock(outdir)
    run: OutputRun | None = None
    try:
        lock.acquire()
        recovered = _clear_leftovers(outdir)
        run = OutputRun(outdir, replaceable=replaceable, recovered=recovered)
        run.guard(*inputs)
        run.check(writes)
        run.staging.mkdir()
        yield run
    finally:
        with deferred():
            if run is not None:
                shutil.rmtree(run.staging, ignore_errors=True)
            lock.release()
            if created and not (run is not None and run.committed):
                with contextlib.suppress(OSError):
                    outdir.rmdir()  # only when empty


def abandon(folder: Path) -> None:
    """Tidy ``folder`` after a run into it was stopped from outside (its process ended):
    its staging folder and lock go when no run holds the folder, and the folder too when
    that leaves it empty."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    try:
        with FolderLock(folder):
            _clear_leftovers(folder)
    except OutputError:
        return  # a run holds it
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty


def _clear_leftovers(outdir: Path) -> set[str]:
    """Remove the staging folders of runs that died (the lock is held: none is running);
    the files their manifests list (a run killed in the middle of its swap had begun to
    put them in place: they are pronate's)."""
    names: set[str] = set()
    for path in outdir.iterdir():
        if path.name.startswith((STAGING_PREFIX, ASIDE_PREFIX)) and path.is_dir():
            if path.name.startswith(STAGING_PREFIX):
                names |= owned_files(path) or set()
            shutil.rmtree(path, ignore_errors=True)
    return names


def _remove_empty(folder: Path) -> None:
    """Remove ``folder`` and the folders below it that hold no file."""
    for root, _, _ in sorted(os.walk(folder), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            os.rmdir(root)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _same(a: Path, b: Path) -> bool:
    """Are ``a`` and ``b`` the same file (links, hard links included)?"""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False

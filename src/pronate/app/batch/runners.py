"""Where the clips of a batch run: processes on this machine, or a Dask cluster."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from pronate.app.batch.work import ClipOutcome, ClipTask, analyse_clip
from pronate.errors import InputError

log = logging.getLogger(__name__)
ROUNDS = 2
"""Times a clip is started again after its process died (a crash in native code)."""


def run_local(tasks: list[ClipTask], *, workers: int) -> Iterator[ClipOutcome]:
    """Run the tasks on ``workers`` spawned processes; yield each outcome as it ends.

    A process that dies (a crash in native code) breaks the pool: the clips that were
    pending are run again in a fresh pool, at most :data:`ROUNDS` times, then reported.
    """
    pending = list(tasks)
    for attempt in range(ROUNDS + 1):
        if not pending:
            return
        broken: list[ClipTask] = []
        for task, result in _pool_round(pending, workers=workers):
            if isinstance(result, ClipOutcome):
                yield result
            elif attempt < ROUNDS:
                broken.append(task)
            else:
                error = "the analysis process stopped unexpectedly (a crash)"
                yield ClipOutcome(task.video, task.outdir, error, 0.0)
        pending = broken


def _pool_round(
    tasks: list[ClipTask], *, workers: int
) -> Iterator[tuple[ClipTask, ClipOutcome | None]]:
    context = multiprocessing.get_context("spawn")
    size = max(1, min(workers, len(tasks)))
    with ProcessPoolExecutor(max_workers=size, mp_context=context) as pool:
        futures: dict[Future[ClipOutcome], ClipTask] = {
            pool.submit(analyse_clip, task): task for task in tasks
        }
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except BrokenProcessPool:
                yield futures[future], None


def run_dask(tasks: list[ClipTask], *, address: str) -> Iterator[ClipOutcome]:
    """Run the tasks on the Dask distributed scheduler at ``address``; its workers must
    see the videos and OUTDIR at the same paths (a shared file system).

    Raises
    ------
    InputError
        When ``distributed`` is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise InputError(
            "--dask needs the 'distributed' package: pip install 'pronate[cluster]'"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        futures = client.map(analyse_clip, tasks, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in dask_completed(futures):
            task = by_key[future.key]
            try:
                yield future.result()
            except Exception as exc:  # the worker died or the task was lost
                log.exception("%s stopped on the cluster", task.video)
                error = f"the analysis stopped on the cluster ({type(exc).__name__}: {exc})"
                yield ClipOutcome(task.video, task.outdir, error, 0.0)
    finally:
        client.close()

"""Where analyses run: spawned processes on this machine, or a Dask distributed cluster.

Batch runs and the workspace's jobs both hand an :class:`~pronate.pipeline.AnalysisRequest`
to an :class:`Executor`; in the worker, :func:`analyse` writes the analysis into the
request's folder (aside, and swapped in whole when complete: a failed analysis leaves an
earlier one intact, see :mod:`pronate.io.outdir`), and never raises: what happened comes
back as an :class:`Outcome`.

- On this machine, ``workers`` spawned processes are reused from one analysis to the next.
  A process that dies (a crash in native code) breaks the pool: the analyses it took down
  are run again in a fresh pool, at most :data:`ROUNDS` times, then reported as a crash.
  Closing the executor (also on Ctrl-C, SIGTERM or SIGHUP) ends its processes and waits
  for them: each stops its analysis at the next frame and removes what it had begun
  (:func:`pronate.io.signals.worker_started`); a worker never outlives the process that
  started it.
- On a Dask cluster (``pip install 'pronate[cluster]'``), each analysis runs on a worker
  with glibc's roomy malloc thresholds (:mod:`pronate.app.malloc`); the workers must see
  the same paths (a shared file system).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from pronate.app.malloc import roomy_malloc
from pronate.errors import InputError, PronateError
from pronate.io.signals import busy, exit_status, interruption, worker_started
from pronate.pipeline.request import AnalysisRequest, run_request

log = logging.getLogger(__name__)
ROUNDS = 2
"""Times an analysis is started again after its process died (a crash in native code)."""
TRACK_SHARE = 0.8
"""Share of the progress given to tracking; drawing the pictures is the rest."""
CRASHED = "the analysis process stopped unexpectedly (a crash)"
STOP_S = 3.0
"""How long (s) closing waits for a worker process to stop after SIGTERM before it is
killed."""
Progress = Callable[[float], None]
"""Told the fraction done (0..1) of an analysis, in the worker; picklable."""


@dataclass(frozen=True)
class Outcome:
    """How one analysis went.

    Attributes
    ----------
    request
        The analysis.
    error
        ``""`` when it succeeded, else what went wrong, in one line.
    kind
        ``""`` (done), ``"input"`` (a :class:`~pronate.errors.PronateError`: ``error``
        is its message), ``"unexpected"`` (another exception) or ``"crash"`` (the process
        died, the cluster lost it, or the executor was closed).
    exception
        The type of the exception behind an unexpected failure or a lost cluster call.
    seconds
        How long it ran.
    """

    request: AnalysisRequest
    error: str = ""
    kind: str = ""
    exception: str = ""
    seconds: float = 0.0


class Throttled:
    """Progress callback of frame increments that tells ``report`` the fraction done: at
    the first call, then at most every ``every_s`` seconds."""

    def __init__(
        self, report: Progress, *, start: float, share: float, total: int, every_s: float = 0.5
    ):
        self._report, self._start, self._share = report, start, share
        self._total, self._every, self._done, self._last = max(total, 1), every_s, 0, -math.inf

    def __call__(self, n: int) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            fraction = min(self._done / self._total, 1.0)
            self._report(self._start + self._share * fraction)


def _callbacks(request: AnalysisRequest, progress: Progress | None) -> dict[str, Any]:
    """The frame callbacks of :func:`~pronate.pipeline.run_request` that tell ``progress``."""
    if progress is None:
        return {}
    from pronate.io.video import probe_video

    total = probe_video(request.video).n_frames if request.video is not None else 0
    report = progress

    def drawing(frames: int) -> Callable[[int], None]:
        return Throttled(report, start=TRACK_SHARE, share=1 - TRACK_SHARE, total=frames)

    tracking = Throttled(report, start=0.0, share=TRACK_SHARE, total=total)
    if request.recording:
        return {"passes": _recording_passes(report)}
    return {"progress": tracking, "render_progress": drawing}


SCAN_SHARE = 0.4
"""Share of a recording's progress given to its scan; its stretches are the rest."""


def _recording_passes(report: Progress) -> Callable[[str, int], Callable[[int], None]]:
    """The pass callback of a recording's analysis: the scan (pass 1) fills the first
    :data:`SCAN_SHARE` of the progress, the stretches (pass 2) the rest."""

    def on_pass(name: str, total: int) -> Callable[[int], None]:
        if name.startswith("pass 1"):
            return Throttled(report, start=0.0, share=SCAN_SHARE, total=total)
        return Throttled(report, start=SCAN_SHARE, share=1 - SCAN_SHARE, total=total)

    return on_pass


def analyse(request: AnalysisRequest, progress: Progress | None = None) -> Outcome:
    """Run ``request`` into its folder (the worker's side); never raises but for an
    interrupt (``KeyboardInterrupt``).

    The analysis is written aside and swapped into the folder only when complete
    (:func:`pronate.pipeline.run_analyze`): a failed analysis leaves nothing (and an
    earlier one intact).
    """
    start = time.perf_counter()
    kind = exception = error = ""
    try:
        with roomy_malloc():
            run_request(request, **_callbacks(request, progress))
    except PronateError as exc:
        kind, error = "input", str(exc) or type(exc).__name__
    except Exception as exc:
        if (stop := interruption(exc)) is not None:  # a stop signal, wrapped on its way
            raise stop from None
        log.exception("%s: the analysis failed unexpectedly", request.video)
        kind, exception = "unexpected", type(exc).__name__
        error = f"the analysis failed unexpectedly ({exception}: {exc})"
    seconds = time.perf_counter() - start
    return Outcome(request, error.replace("\n", " "), kind, exception, seconds)


def _in_worker(request: AnalysisRequest, progress: Progress | None = None) -> Outcome:
    """:func:`analyse` in a pool's process: a stop signal unwinds the analysis, then ends
    the process with the signal's status."""
    try:
        with busy():
            return analyse(request, progress)
    except KeyboardInterrupt as exc:
        os._exit(exit_status(exc))


Call = tuple[AnalysisRequest, Progress | None]


class Executor:
    """Runs analyses on ``workers`` local processes, or on the Dask cluster ``dask``.

    Parameters
    ----------
    workers
        Analyses at once on this machine (``0``: one per core); not used with ``dask``.
    dask
        Address of a Dask scheduler, ``tcp://HOST:8786``.
    timeout_s
        How long to try to reach the scheduler.

    Raises
    ------
    InputError
        When ``distributed`` is not installed or the scheduler cannot be reached.
    """

    def __init__(self, *, workers: int = 0, dask: str | None = None, timeout_s: float = 10.0):
        self.workers = max(1, workers or cores())
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._client = connect(dask, timeout_s=timeout_s) if dask else None

    def run(self, request: AnalysisRequest, progress: Progress | None = None) -> Outcome:
        """Run one analysis and wait for it (several threads may call this at once)."""
        return next(self._outcomes([(request, progress)]))

    def run_all(self, requests: Iterable[AnalysisRequest]) -> Iterator[Outcome]:
        """Run the analyses; yield each outcome as it ends."""
        return self._outcomes([(request, None) for request in requests])

    def _outcomes(self, calls: list[Call]) -> Iterator[Outcome]:
        if self._client is not None:
            return self._on_cluster(calls)
        return self._on_processes(calls)

    def close(self) -> None:
        """Stop: analyses still running are abandoned, the processes ended."""
        with self._lock:
            self._closed, pool, self._pool = True, self._pool, None
        if pool is not None:
            _end(pool)
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- processes on this machine ------------------------------------------------------

    def _submit(self, call: Call) -> tuple[Future[Outcome], ProcessPoolExecutor] | None:
        """Submit to the current pool (a fresh one if it broke); ``None`` once closed."""
        for _ in range(ROUNDS + 1):
            with self._lock:
                if self._closed:
                    return None
                if self._pool is None:
                    context = multiprocessing.get_context("spawn")
                    self._pool = ProcessPoolExecutor(
                        max_workers=self.workers, mp_context=context, initializer=worker_started
                    )
                pool = self._pool
            try:
                return pool.submit(_in_worker, *call), pool
            except (BrokenProcessPool, RuntimeError):  # broke, or shut down meanwhile
                self._renew(pool)
        return None

    def _renew(self, broken: ProcessPoolExecutor) -> None:
        """Drop a broken pool (the next submission starts a fresh one)."""
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _on_processes(self, calls: list[Call]) -> Iterator[Outcome]:
        running: dict[Future[Outcome], tuple[Call, int, ProcessPoolExecutor]] = {}

        def start(call: Call, attempt: int) -> Outcome | None:
            submitted = self._submit(call)
            if submitted is None:
                return Outcome(call[0], "the analysis was stopped", "crash")
            running[submitted[0]] = (call, attempt, submitted[1])
            return None

        yield from [o for o in (start(call, 0) for call in calls) if o is not None]
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    call, attempt, pool = running.pop(future)
                    try:
                        outcome: Outcome | None = future.result()
                    except (BrokenProcessPool, CancelledError):  # a crash, or closed
                        self._renew(pool)
                        crashed = Outcome(call[0], CRASHED, "crash")
                        outcome = start(call, attempt + 1) if attempt < ROUNDS else crashed
                    if outcome is not None:
                        yield outcome
        finally:
            for future in running:
                future.cancel()

    # -- a Dask cluster -----------------------------------------------------------------

    def _on_cluster(self, calls: list[Call]) -> Iterator[Outcome]:
        from distributed import as_completed

        assert self._client is not None
        futures = [self._client.submit(analyse, *call, pure=False) for call in calls]
        by_key = {future.key: call for future, call in zip(futures, calls, strict=True)}
        try:
            for future in as_completed(futures):
                request = by_key[future.key][0]
                try:
                    yield future.result()
                except Exception as exc:  # the worker died or the call was lost
                    log.exception("%s stopped on the cluster", request.video)
                    name = type(exc).__name__
                    error = f"the analysis stopped on the cluster ({name}: {exc})"
                    yield Outcome(request, error.replace("\n", " "), "crash", name)
        finally:
            for future in futures:
                future.cancel()


def _end(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down without waiting for the analyses it runs: its processes are sent
    SIGTERM (each removes what its analysis had begun), waited for, and killed when they
    take longer than :data:`STOP_S`; then reaped."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_S
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def connect(address: str, *, timeout_s: float = 10.0) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``.

    Raises
    ------
    InputError
        When ``distributed`` is not installed or the scheduler cannot be reached.
    """
    require_distributed()
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def require_distributed() -> None:
    """Raise :class:`~pronate.errors.InputError` unless ``distributed`` is installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(
            "--dask needs the 'distributed' package: pip install 'pronate[cluster]'"
        ) from None


def cores() -> int:
    """The cores this process may use (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1

"""The worker pool: threads that claim queued jobs and run each in its own process
(one clip per core), or on a Dask distributed cluster.

Run standalone (for instance on a second machine sharing the database and the data
folder) with ``python -m pronate.app.jobs.worker --data DIR``.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from pronate.app.jobs import queue
from pronate.app.jobs.execute import execute_job
from pronate.app.store.models import Job
from pronate.errors import InputError

log = logging.getLogger(__name__)


class Backend(Protocol):
    """Runs :func:`~pronate.app.jobs.execute.execute_job` somewhere and waits for it."""

    def run(self, database_url: str, data_dir: str, job_id: int) -> str | None:
        """Run the job; ``None`` when it ended normally, else why it stopped."""

    def close(self) -> None:
        """Release the backend's resources."""


class ProcessBackend:
    """Each job in a fresh child process (spawned: no state shared with the server)."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")

    def run(self, database_url: str, data_dir: str, job_id: int) -> str | None:
        """Run the job in a child process and wait for it."""
        process = self._context.Process(
            target=execute_job, args=(database_url, data_dir, job_id), daemon=True
        )
        process.start()
        process.join()
        if process.exitcode == 0:
            return None
        code = process.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        return f"the analysis process stopped unexpectedly ({how})"

    def close(self) -> None:
        """Nothing to release."""


class DaskBackend:
    """Jobs on a Dask distributed cluster; its workers must reach the same database and
    data folder (a shared file system).

    Parameters
    ----------
    address
        The scheduler, ``tcp://HOST:8786``.
    timeout_s
        How long to try to reach it.

    Raises
    ------
    InputError
        When the scheduler cannot be reached.
    """

    def __init__(self, address: str, *, timeout_s: float = 10.0):
        from distributed import Client

        try:
            self.client = Client(address, timeout=f"{timeout_s}s")
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"cannot reach the Dask scheduler at {address}: {reason}") from None

    def run(self, database_url: str, data_dir: str, job_id: int) -> str | None:
        """Submit the job to the cluster and wait for it."""
        future = self.client.submit(execute_job, database_url, data_dir, job_id, pure=False)
        try:
            future.result()
        except Exception as exc:
            log.exception("job %s stopped on the cluster", job_id)
            return f"the analysis stopped on the cluster ({type(exc).__name__})"
        return None

    def close(self) -> None:
        """Disconnect from the scheduler."""
        self.client.close()


class WorkerPool:
    """``workers`` threads, each claiming one job at a time and running it on ``backend``.

    Parameters
    ----------
    sessions
        Session factory of the workspace database.
    database_url, data_dir
        Passed to each job (it opens its own connection).
    workers
        Jobs run at once (default: the number of cores).
    backend
        Where jobs run (default: a child process each).
    poll_s
        Seconds between looks at the queue when it is empty.
    lease_s
        A running job whose worker gave no sign of life for this long is taken as
        interrupted and queued again (workers of several machines can share a database).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        database_url: str,
        data_dir: Path,
        workers: int | None = None,
        backend: Backend | None = None,
        poll_s: float = 0.5,
        lease_s: float = 60.0,
    ):
        self.sessions, self.database_url = sessions, database_url
        self.data_dir = str(Path(data_dir).resolve())
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.backend = backend or ProcessBackend()
        self.poll_s, self.lease_s = poll_s, lease_s
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> tuple[int, int]:
        """Recover interrupted jobs, then start the threads; returns what
        :func:`~pronate.app.jobs.queue.recover` did (jobs whose lease runs out later are
        recovered by the heartbeat thread)."""
        recovered = queue.recover(self.sessions, stale_after_s=self.lease_s)
        threads = [(self._loop, f"pronate-worker-{i}") for i in range(self.workers)]
        for target, name in [*threads, (self._beat, "pronate-heartbeat")]:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return recovered

    def _beat(self) -> None:
        """Keep the leases of this pool's jobs; recover the jobs of stopped workers."""
        while not self._stop.wait(self.lease_s / 4):
            with self._lock:
                held = sorted(self._held)
            try:
                queue.heartbeat(self.sessions, held)
                queue.recover(self.sessions, stale_after_s=self.lease_s)
            except Exception:
                log.exception("heartbeat failed")

    def wake(self) -> None:
        """Look at the queue now (a job was added)."""
        self._wake.set()

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop claiming jobs and wait for the running ones."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:  # the heartbeat thread stops within lease_s / 4
            thread.join(timeout)
        self.backend.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            job_id = queue.claim(self.sessions)
            if job_id is None:
                self._wake.wait(self.poll_s)
                self._wake.clear()
                continue
            with self._lock:
                self._held.add(job_id)
            try:
                self.run_one(job_id)
            finally:
                with self._lock:
                    self._held.discard(job_id)

    def run_one(self, job_id: int) -> None:
        """Run a claimed job; an abnormal stop queues it again (or fails it after
        :data:`~pronate.app.jobs.queue.MAX_ATTEMPTS` starts)."""
        try:
            problem = self.backend.run(self.database_url, self.data_dir, job_id)
        except Exception as exc:
            log.exception("job %s could not be started", job_id)
            problem = f"the analysis could not be started ({type(exc).__name__})"
        if problem is None:
            return
        with self.sessions() as db:
            job = db.get(Job, job_id)
            attempts = job.attempts if job is not None else queue.MAX_ATTEMPTS
        if attempts < queue.MAX_ATTEMPTS:
            queue.requeue(self.sessions, job_id, f"{problem}; it was queued again")
        else:
            queue.fail(self.sessions, job_id, f"{problem}; the clip is kept, retry it later")


def main(argv: Sequence[str] | None = None) -> int:
    """A standalone worker pool on the workspace database (until interrupted)."""
    from pronate.app.store.db import database_url, open_database

    parser = argparse.ArgumentParser(prog="python -m pronate.app.jobs.worker")
    parser.add_argument("--data", type=Path, required=True, help="the workspace data folder")
    parser.add_argument("--database-url", help="default: $PRONATE_DATABASE_URL or SQLite")
    parser.add_argument("--workers", type=int, help="jobs at once (default: cores)")
    args = parser.parse_args(argv)
    url = database_url(args.data, args.database_url)
    _, sessions = open_database(url)
    pool = WorkerPool(sessions, database_url=url, data_dir=args.data, workers=args.workers)
    pool.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pool.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The worker pool: threads that claim queued jobs and run each on the executor (spawned
processes on this machine, one clip per core, or a Dask distributed cluster).

Run standalone (for instance on a second machine sharing the database and the data
folder) with ``python -m pronate.app.jobs.worker --data DIR``.
"""

from __future__ import annotations

import argparse
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pronate.app.executor import Executor, cores
from pronate.app.jobs.execute import run_job
from pronate.app.store.blobs import Blobs
from pronate.app.store.models import Job
from pronate.app.workspace import queue
from pronate.io.signals import exit_status, stop_signals

log = logging.getLogger(__name__)


class WorkerPool:
    """``workers`` threads, each claiming one job at a time and running it on ``executor``.

    Parameters
    ----------
    sessions
        Session factory of the workspace database.
    database_url
        The database's URL, for the analyses' progress reports.
    data_dir
        The workspace's data folder (clips, analyses).
    workers
        Jobs run at once (default: the number of cores).
    executor
        Where the analyses run (default: ``workers`` local processes); closed by
        :meth:`stop`.
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
        executor: Executor | None = None,
        poll_s: float = 0.5,
        lease_s: float = 60.0,
    ):
        self.sessions, self.database_url = sessions, database_url
        self.blobs = Blobs(Path(data_dir))
        self.workers = max(1, workers or cores())
        self.executor = executor or Executor(workers=self.workers)
        self.poll_s, self.lease_s = poll_s, lease_s
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> tuple[int, int]:
        """Recover interrupted jobs, then start the threads; returns what
        :func:`~pronate.app.workspace.queue.recover` did (jobs whose lease runs out later are
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
        """Stop claiming jobs, end the analyses still running (their jobs are recovered
        later, by this workspace's next start or another worker), and wait for the
        threads."""
        self._stop.set()
        self._wake.set()
        self.executor.close()  # the analyses' processes stop and are reaped
        for thread in self._threads:
            thread.join(timeout)

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
        """Run a claimed job (:func:`~pronate.app.jobs.execute.run_job`); when it cannot
        be started, queue it again (or fail it after
        :data:`~pronate.app.workspace.queue.MAX_ATTEMPTS` starts)."""
        try:
            run_job(
                self.sessions,
                self.blobs,
                self.executor,
                database_url=self.database_url,
                job_id=job_id,
                stopping=self._stop.is_set,
            )
            return
        except Exception as exc:
            log.exception("job %s could not be started", job_id)
            problem = f"the analysis could not be started ({type(exc).__name__})"
        with self.sessions() as db:
            job = db.get(Job, job_id)
            attempts = job.attempts if job is not None else queue.MAX_ATTEMPTS
        if attempts < queue.MAX_ATTEMPTS:
            queue.requeue(self.sessions, job_id, f"{problem}; it was queued again")
        else:
            queue.fail(self.sessions, job_id, f"{problem}; the clip is kept, retry it later")


def main(argv: Sequence[str] | None = None) -> int:
    """A standalone worker pool on the workspace database, until Ctrl-C, SIGTERM or
    SIGHUP: then the running analyses are ended and reaped, and the exit status is
    ``128 + signal``."""
    from pronate.app.store.db import database_url, open_database

    parser = argparse.ArgumentParser(prog="python -m pronate.app.jobs.worker")
    parser.add_argument("--data", type=Path, required=True, help="the workspace data folder")
    parser.add_argument("--database-url", help="default: $PRONATE_DATABASE_URL or SQLite")
    parser.add_argument("--workers", type=int, help="jobs at once (default: cores)")
    args = parser.parse_args(argv)
    url = database_url(args.data, args.database_url)
    _, sessions = open_database(url)
    with stop_signals():
        pool = WorkerPool(sessions, database_url=url, data_dir=args.data, workers=args.workers)
        try:
            pool.start()
            print(f"pronate worker: waiting for jobs in {args.data} (Ctrl-C to stop)", flush=True)
            threading.Event().wait()
        except KeyboardInterrupt as exc:
            with stop_signals(lambda signum, frame: None):  # a second signal waits
                pool.stop(timeout=5)
            return exit_status(exc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Work split over threads that stop together: the calling thread only waits, so Ctrl-C
reaches it at once, and it then tells the workers to stop and waits for them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
U = TypeVar("U")

POLL_S = 0.1
"""How often (s) the waiting thread wakes to see a pending Ctrl-C."""


class TrackingCancelledError(Exception):
    """Raised in a tracking thread when the caller has asked the tracking to stop."""


def run_in_threads(
    work: Callable[[T, threading.Event], U], items: Sequence[T], *, name: str = "pronate-seg"
) -> list[U]:
    """``[work(item, cancel) for item in items]``, each call in its own thread.

    The calling thread only waits, so Ctrl-C (``KeyboardInterrupt``, delivered to the main
    thread) is seen at once. On any exception there, or in a worker, ``cancel`` is set and
    the workers are waited for, so that none outlives the call.

    Parameters
    ----------
    work
        Called as ``work(item, cancel)``; it must check the event ``cancel`` often and
        stop when it is set (:func:`pronate.pose.tracker.track_frames` does before every
        frame, raising :class:`TrackingCancelledError`).
    items
        One thread per item; results come back in the same order.
    name
        Prefix of the threads' names.

    Raises
    ------
    BaseException
        The first exception of a worker, or of the calling thread (``KeyboardInterrupt``),
        once every worker has ended.
    """
    cancel = threading.Event()
    results: list[U | None] = [None] * len(items)
    errors: list[BaseException] = []
    finished = threading.Semaphore(0)

    def run(i: int, item: T) -> None:
        try:
            results[i] = work(item, cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            errors.append(exc)
            cancel.set()
        finally:
            finished.release()

    threads = [
        threading.Thread(target=run, args=(i, item), name=f"{name}-{i}", daemon=True)
        for i, item in enumerate(items)
    ]
    try:
        for thread in threads:  # a thread in this list is joined below, started or not
            thread.start()
        for _ in threads:
            # A short timeout, not a plain wait: a Ctrl-C that lands just as this thread
            # goes to sleep would otherwise be seen only when a worker ends.
            while not finished.acquire(timeout=POLL_S):
                pass
            if errors:
                break
        if errors:
            raise errors[0]
        return cast(list[U], results)
    except BaseException:
        cancel.set()
        raise
    finally:
        for thread in threads:
            if thread.ident is not None:
                thread.join()

"""Work split over threads that stop together: the calling thread only waits, so Ctrl-C
reaches it at once, and it then tells the workers to stop and waits for them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


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
    pool = ThreadPoolExecutor(max_workers=max(1, len(items)), thread_name_prefix=name)
    try:
        futures = [pool.submit(work, item, cancel) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for failed in (f for f in done if f.exception() is not None):
            failed.result()  # raises, while the others still run: they are cancelled below
        return [f.result() for f in futures]
    except BaseException:
        cancel.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

"""The signals that stop a run, handled alike: Ctrl-C (``SIGINT``), ``SIGTERM`` (what
``docker stop``, systemd, a CI timeout or ``timeout`` send) and ``SIGHUP`` (a closed
terminal).

:func:`stop_signals` turns each into :class:`Interrupted`, a ``KeyboardInterrupt``: the
run unwinds as on Ctrl-C (tracking threads stop at their next frame, the staging folder of
the output is removed, worker processes are ended) and the command exits with
``128 + signal`` (130, 143, 129). :func:`deferred` holds these signals for the few
milliseconds of a step that must not be cut in half (swapping a run's results into its
folder) and delivers them when the step is done.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Final

STOP_SIGNALS: Final[tuple[signal.Signals, ...]] = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
)


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal (``KeyboardInterrupt``, so that it unwinds as Ctrl-C).

    Attributes
    ----------
    signum
        The signal's number.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = int(signum)

    @property
    def exit_status(self) -> int:
        """``128 + signal``: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        """The signal's name, e.g. ``SIGTERM``."""
        return signal.Signals(self.signum).name


def exit_status(exc: KeyboardInterrupt) -> int:
    """The exit status of a run stopped by ``exc`` (130 for a plain Ctrl-C)."""
    return exc.exit_status if isinstance(exc, Interrupted) else 128 + signal.SIGINT


def interruption(exc: BaseException) -> KeyboardInterrupt | None:
    """The stop inside ``exc``, if it is one: a signal that arrives while Python runs code
    on the program's behalf (an import's class body calling ``__set_name__``, say) comes
    out wrapped in another exception (a ``RuntimeError``); the interrupt is found along
    the chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


@contextmanager
def stop_signals(handler: Callable[[int, FrameType | None], Any] = _interrupt) -> Iterator[None]:
    """Inside the block, SIGINT, SIGTERM and SIGHUP call ``handler`` (by default: raise
    :class:`Interrupted`); the previous handlers are put back after it. Outside the main
    thread (where Python cannot handle signals) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Handler] = {}
    try:
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, handler)
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def install() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` for good (a worker
    process's start)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _interrupt)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP inside the block; the first one that arrived is
    delivered (to the handler before the block) when the block ends. Outside the main
    thread the block runs as it is (signals are handled in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    try:
        with stop_signals(hold):
            yield
    finally:
        if held:
            signal.raise_signal(held[0])


# -- worker processes ------------------------------------------------------------------

_busy = False
PARENT_POLL_S: Final[float] = 0.5
"""How often (s) a worker process looks whether its parent is still there."""


def worker_started() -> None:
    """Set up a worker process (a process pool's initializer): while it waits for work,
    SIGINT, SIGTERM and SIGHUP end it at once; inside :func:`busy` they raise
    :class:`Interrupted`, so the work unwinds (its staging folder goes) first. When the
    process that started it dies, however it dies, the worker stops as if sent SIGTERM:
    it never outlives its parent."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _in_worker)
    parent = os.getppid()
    watch = threading.Thread(target=_watch, args=(parent,), name="pronate-parent", daemon=True)
    watch.start()


@contextmanager
def busy() -> Iterator[None]:
    """Inside the block, a worker's stop signals raise :class:`Interrupted`."""
    global _busy
    _busy = True
    try:
        yield
    finally:
        _busy = False


def _in_worker(signum: int, frame: FrameType | None) -> None:
    if _busy:
        raise Interrupted(signum)
    os._exit(128 + signum)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGTERM)


def exit_quietly() -> None:
    """The command is done: output is flushed, and from now on SIGINT, SIGTERM and SIGHUP
    are ignored while the interpreter shuts down (which otherwise puts back the default
    handlers, and a late signal would be reported as a death by that signal)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)

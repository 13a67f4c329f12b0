"""MediaPipe's native logging silenced from several threads at once, stderr a file
(no model needed): threads' blocks overlap in every order, and what pronate writes
afterwards, or through :meth:`NativeStderr.passthrough`, reaches the file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from pronate.pose.threads import TrackingCancelledError, run_in_threads

# A leaves its block while B is still in its own: the order in which redirecting each
# thread on its own loses stderr for good (B "restores" A's sink).
OVERLAPPING_BLOCKS = """
import os, sys, threading
from pronate.pose.landmarker import NATIVE_STDERR

a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

def a():
    with NATIVE_STDERR.silenced():
        os.write(2, b"native chatter A\\n")
        a_in.set()
        b_in.wait()
    a_out.set()

def b():
    a_in.wait()
    with NATIVE_STDERR.silenced():
        b_in.set()
        a_out.wait()
        os.write(2, b"native chatter B\\n")

threads = [threading.Thread(target=f) for f in (a, b)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("pronate: error: heard after the blocks", file=sys.stderr)
"""

PASSTHROUGH_WAITS = """
import os, sys, threading, time
from pronate.pose.landmarker import NATIVE_STDERR

inside, release = threading.Event(), threading.Event()

def native():
    with NATIVE_STDERR.silenced():
        inside.set()
        release.wait()

def progress():
    inside.wait()
    with NATIVE_STDERR.passthrough():
        print("progress from a worker", file=sys.stderr, flush=True)

threads = [threading.Thread(target=f) for f in (native, progress)]
for t in threads:
    t.start()
threads[1].join(timeout=0.5)
print("waiting" if threads[1].is_alive() else "wrote while silenced", file=sys.stdout)
release.set()
for t in threads:
    t.join()
"""


def run_with_stderr_file(code: str, tmp_path: Path) -> tuple[str, str]:
    """Run ``code`` in a new Python whose stderr is a file; return (stdout, stderr)."""
    err = tmp_path / "stderr.txt"
    with err.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            stdout=subprocess.PIPE,
            stderr=sink,
            timeout=60,
            check=True,
        )
    return done.stdout.decode(), err.read_text()


def test_overlapping_silenced_blocks_restore_the_stderr_file(tmp_path):
    _, err = run_with_stderr_file(OVERLAPPING_BLOCKS, tmp_path)
    assert err.splitlines() == ["pronate: error: heard after the blocks"]


def test_passthrough_waits_for_silenced_blocks_and_is_heard(tmp_path):
    out, err = run_with_stderr_file(PASSTHROUGH_WAITS, tmp_path)
    assert out.split() == ["waiting"]
    assert err.splitlines() == ["progress from a worker"]


def test_nested_blocks_in_one_thread_restore_once(capfd):
    from pronate.pose.landmarker import NATIVE_STDERR

    with NATIVE_STDERR.silenced():
        with NATIVE_STDERR.silenced():
            os.write(2, b"lost\n")
        assert NATIVE_STDERR.is_silenced
        os.write(2, b"lost too\n")
    assert not NATIVE_STDERR.is_silenced
    os.write(2, b"heard\n")
    assert capfd.readouterr().err.splitlines() == ["heard"]


def slow_work(
    outcome: dict[str, str], *, fail: str = "", interrupt: str = "", ready: threading.Barrier
):
    """Work for :func:`run_in_threads` that runs 30 s unless cancelled; ``interrupt``
    sends Ctrl-C to the main thread and ``fail`` raises, once every worker has started."""
    import signal

    main = threading.get_ident()

    def work(name: str, cancel: threading.Event) -> str:
        ready.wait()
        if name == interrupt:
            signal.pthread_kill(main, signal.SIGINT)
        if name == fail:
            outcome[name] = "failed"
            raise ValueError("decoder broke")
        for _ in range(3000):
            if cancel.wait(0.01):
                outcome[name] = "cancelled"
                raise TrackingCancelledError(name)
        outcome[name] = "finished"
        return name

    return work


def test_an_interrupt_cancels_the_workers_and_waits_for_them():
    """Ctrl-C while the calling thread waits: the workers see ``cancel`` and have ended
    when ``KeyboardInterrupt`` propagates."""
    outcome: dict[str, str] = {}
    work = slow_work(outcome, interrupt="a", ready=threading.Barrier(2))
    with pytest.raises(KeyboardInterrupt):
        run_in_threads(work, ["a", "b"])
    assert outcome == {"a": "cancelled", "b": "cancelled"}


def test_a_failing_worker_cancels_the_others():
    outcome: dict[str, str] = {}
    work = slow_work(outcome, fail="bad", ready=threading.Barrier(3))
    with pytest.raises(ValueError, match="decoder broke"):
        run_in_threads(work, ["good", "bad", "other"])
    assert outcome == {"good": "cancelled", "bad": "failed", "other": "cancelled"}


def test_results_come_back_in_order():
    assert run_in_threads(lambda x, cancel: x * 2, [3, 1, 2]) == [6, 2, 4]

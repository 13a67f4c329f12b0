"""SIGTERM and SIGHUP as ``docker stop``, systemd, ``timeout`` or a closed terminal send
them to ``pronate batch``, ``pronate serve`` and the job worker (issue 24): each stops
within seconds with exit status ``128 + signal``, its worker processes stopped and
reaped (none left behind, parent now PID 1), and nothing half written."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from served import free_port


def children(pid: int) -> set[int]:
    """Every process descended from ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by PID 1, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop(process: subprocess.Popen[bytes], sig: int, *, within_s: float) -> int:
    """Send ``sig``; the exit status, or fail after ``within_s``."""
    process.send_signal(sig)
    try:
        return process.wait(timeout=within_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"still running {within_s} s after {signal.Signals(sig).name}")


def none_survive(pids: set[int], *, within_s: float = 5.0) -> list[int]:
    deadline = time.monotonic() + within_s
    while (left := sorted(p for p in pids if alive(p))) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def pronate(*args: str | Path, **kwargs: object) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "pronate.app.cli", *map(str, args)]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]


@pytest.mark.shared
@pytest.mark.model
def test_a_sigterm_batch_stops_its_workers_and_leaves_no_half_folder(shared_data, tmp_path):
    """Issue 24 defect 3: after exit 143 the workers (parent now PID 1) went on writing
    into OUTDIR for over a minute."""
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "squat.mp4").symlink_to(shared_data / "frontal_squat" / "frontal_squat.mp4")
    (clips / "walk.mp4").symlink_to(shared_data / "sports2d_demo" / "demo.mp4")
    out = tmp_path / "out"
    log = (tmp_path / "stderr.txt").open("wb")
    process = pronate(
        "batch", clips, "-o", out, "--model", "lite", "--no-video", "--workers", "2",
        stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while len(begun(out)) < 2:  # both analyses have begun
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the analyses never began: {(tmp_path / 'stderr.txt').read_text()}")
        time.sleep(0.1)
    time.sleep(1.0)  # both are tracking
    workers = children(process.pid)
    assert len(workers) >= 2
    code = stop(process, signal.SIGTERM, within_s=15)
    assert code == 143, (tmp_path / "stderr.txt").read_text()
    assert none_survive(workers) == []
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == []
    text = (tmp_path / "stderr.txt").read_text()
    lines = text.splitlines()
    assert lines[-1] == "pronate: interrupted by SIGTERM", text
    assert not [line for line in lines if "Traceback" in line], text


def begun(out: Path) -> list[Path]:
    """The analyses of a batch that have begun writing (their staging folders)."""
    return [*out.glob("*/.pronate-staging-*"), *out.glob(".*.partial")]


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_serve_stops_on_sighup_and_sigterm(tmp_path, sig):
    """Issue 24: SIGHUP (a closed terminal) killed the workspace on the spot, SIGTERM ended
    it as if killed."""
    port = free_port()
    process = pronate(
        "serve", "--port", port, "--data", tmp_path / "data", "--workers", "1",
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    assert line.startswith("pronate workspace: http://127.0.0.1:")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # listening
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    workers = children(process.pid)
    assert stop(process, sig, within_s=10) == 128 + sig
    assert none_survive(workers) == []


def test_the_job_worker_stops_on_sigterm(tmp_path):
    """Issue 24: the standalone job worker died on SIGTERM without stopping its pool."""
    data = tmp_path / "data"
    data.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "pronate.app.jobs.worker", "--data", str(data), "--workers", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    ready = process.stdout.readline().decode()  # the database is open, the threads wait
    assert ready.startswith("pronate worker: waiting for jobs"), ready
    assert process.poll() is None
    workers = children(process.pid)
    assert stop(process, signal.SIGTERM, within_s=10) == 143
    assert none_survive(workers) == []
    assert process.stderr is not None and b"Traceback" not in process.stderr.read()
    assert os.listdir(data)  # it did open the workspace

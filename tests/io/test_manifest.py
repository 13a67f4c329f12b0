"""An output folder holds one run: pronate replaces or removes only the files its own
manifest lists, writes aside and swaps in whole, one run at a time (issue 24)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from pronate.errors import OutputError
from pronate.io.lock import LOCK_NAME, FolderLock
from pronate.io.manifest import MANIFEST_NAME, owned_files, write_manifest
from pronate.io.outdir import output_run
from pronate.io.signals import Interrupted, deferred, stop_signals


def earlier_run(folder, names):
    """A folder as a finished run left it: ``names`` written, and its manifest."""
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"old {name}")
    write_manifest(folder, command="analyze", names=names)


def staged(run, names):
    for name in names:
        (run.staging / name).parent.mkdir(parents=True, exist_ok=True)
        (run.staging / name).write_text(f"new {name}")
    write_manifest(run.staging, command="analyze")


def test_only_the_files_the_manifest_lists_are_replaced_or_removed(tmp_path):
    """Issue 24 defect 1: the clean-up went by file name, a user's report.pdf and
    overlay.mp4 were deleted."""
    out = tmp_path / "out"
    earlier_run(out, ["overlay.mp4", "summary.json", "keyframes/03_left_squat_4.20s.png"])
    mine = ["report.pdf", "notes.txt", "keyframes/my_sketch.png", "keyframes/01_left_x_1.00s.png"]
    for name in mine:
        (out / name).write_text("mine")
    with output_run(out, writes=["summary.json", MANIFEST_NAME]) as run:
        staged(run, ["summary.json", "keyframes/02_both_squat_2.00s.png"])
        run.commit()
    assert not (out / "overlay.mp4").exists()
    assert not (out / "keyframes/03_left_squat_4.20s.png").exists()
    assert all((out / name).read_text() == "mine" for name in mine)
    assert (out / "summary.json").read_text() == "new summary.json"
    assert owned_files(out) == {"summary.json", "keyframes/02_both_squat_2.00s.png"}
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_folder_pronate_never_wrote_to_is_only_added_to(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "overlay.mp4").write_text("the user's")
    (out / "report.pdf").write_text("the user's")
    with (
        pytest.raises(OutputError, match=r"overlay\.mp4 was not written by pronate"),
        output_run(out, writes=["overlay.mp4"]),
    ):
        pass
    with output_run(out, writes=["summary.json", MANIFEST_NAME]) as run:
        staged(run, ["summary.json"])
        run.commit()
    assert (out / "overlay.mp4").read_text() == "the user's"
    assert (out / "report.pdf").read_text() == "the user's"
    assert owned_files(out) == {"summary.json"}


def test_a_manifest_of_someone_else_is_not_pronates(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text('{"name": "my web app"}')
    with (
        pytest.raises(OutputError, match=r"manifest\.json was not written by pronate"),
        output_run(out, writes=[MANIFEST_NAME]),
    ):
        pass
    assert json.loads((out / MANIFEST_NAME).read_text()) == {"name": "my web app"}


def test_an_input_the_run_would_overwrite_is_refused(tmp_path):
    """Issue 24 defect 1: a clip saved as OUTDIR/overlay.mp4 was overwritten by the
    overlay; the pose of ``--from OUTDIR/pose.nc`` may be replaced."""
    out = tmp_path / "out"
    earlier_run(out, ["pose.nc", "summary.json"])
    (out / "overlay.mp4").write_bytes(b"a clip")
    with (
        pytest.raises(OutputError, match=r"overlay\.mp4 is an input of this run"),
        output_run(out, inputs=[out / "overlay.mp4"]),
    ):
        pass
    link = tmp_path / "clip.mp4"
    link.symlink_to(out / "summary.json")  # an earlier run's file, by another name
    with (
        pytest.raises(OutputError, match="is an input of this run"),
        output_run(out, inputs=[link]),
    ):
        pass
    with output_run(out, inputs=[out / "pose.nc"], replaceable=[out / "pose.nc"]) as run:
        staged(run, ["pose.nc"])
        run.commit()
    assert (out / "pose.nc").read_text() == "new pose.nc"
    assert (out / "overlay.mp4").read_bytes() == b"a clip"


def test_one_run_at_a_time_and_a_dead_runs_lock_is_taken_over(tmp_path):
    """Issue 24 defect 4: two runs into one folder mixed their files."""
    out = tmp_path / "out"
    out.mkdir()
    with FolderLock(out):
        assert (out / LOCK_NAME).read_text().strip() == str(os.getpid())
        with (
            pytest.raises(
                OutputError, match=rf"in use by another pronate run \(pid {os.getpid()}\)"
            ),
            output_run(out),
        ):
            pass
    assert not (out / LOCK_NAME).exists()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (out / LOCK_NAME).write_text(dead.stdout)  # its process is gone
    with output_run(out) as run:
        staged(run, ["summary.json"])
        run.commit()
    assert (out / "summary.json").is_file() and not (out / LOCK_NAME).exists()


def test_a_run_that_fails_leaves_the_earlier_run_whole(tmp_path):
    out = tmp_path / "out"
    earlier_run(out, ["summary.json", "pose.nc"])
    before = {p.name: p.read_text() for p in out.iterdir()}
    with pytest.raises(KeyboardInterrupt), output_run(out) as run:
        staged(run, ["summary.json"])
        raise KeyboardInterrupt
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    fresh = tmp_path / "fresh"
    with pytest.raises(RuntimeError), output_run(fresh):
        raise RuntimeError("no person")
    assert not fresh.exists()  # a folder the failed run made is not left behind


def test_a_swap_that_fails_halfway_puts_the_earlier_run_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    earlier_run(out, ["summary.json", "pose.nc", "overlay.mp4"])
    before = {p.name: p.read_text() for p in out.iterdir()}
    real = os.replace
    calls = []

    def failing(a, b):
        calls.append(a)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real(a, b)

    with output_run(out) as run:
        staged(run, ["summary.json", "pose.nc"])
        monkeypatch.setattr(os, "replace", failing)
        with pytest.raises(OutputError, match="cannot put the results into"):
            run.commit()
        monkeypatch.setattr(os, "replace", real)
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_a_signal_during_the_swap_arrives_after_it(tmp_path):
    """Issue 24 defect 2: SIGTERM while writing left a mix of two runs."""
    out = tmp_path / "out"
    earlier_run(out, ["summary.json", "report.html"])
    with stop_signals(), pytest.raises(Interrupted) as stopped, output_run(out) as run:
        staged(run, ["summary.json", "pose.nc"])
        with deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            run.commit()
    assert stopped.value.exit_status == 143
    assert owned_files(out) == {"summary.json", "pose.nc"}
    assert not (out / "report.html").exists()
    assert (out / "summary.json").read_text() == "new summary.json"


def test_a_run_killed_in_the_middle_of_its_swap_is_mended_by_the_next(tmp_path):
    """A run killed outright (SIGKILL) within its swap: some of its files in place, the
    earlier run's manifest still there. The next run knows them as pronate's."""
    out = tmp_path / "out"
    earlier_run(out, ["summary.json", "report.html"])
    dead = out / ".pronate-staging-999999"  # the dead run's staging, its manifest staged
    dead.mkdir()
    (dead / "pose.nc").write_text("dead pose")
    (dead / "keyframes").mkdir()
    (dead / "keyframes/01_left_x_1.00s.png").write_text("dead key frame")
    write_manifest(dead, command="analyze")
    (out / "keyframes").mkdir()
    (dead / "keyframes/01_left_x_1.00s.png").rename(out / "keyframes/01_left_x_1.00s.png")
    (out / ".pronate-old-999999").mkdir()
    with output_run(out, writes=["summary.json", MANIFEST_NAME]) as run:
        staged(run, ["summary.json"])
        run.commit()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        MANIFEST_NAME,
        "summary.json",
    ]

"""``pronate analyze`` of a recording: when a video is one, its flags, its errors in one
line, and a recording with nobody in it (no stretch, no moment, a quick scan)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clips import write_clip
from pronate.app.cli import main
from pronate.pipeline.recording import CHECKPOINT_DIR, recording_min_s


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error(code: int, err: str, pattern: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("pronate: error: ") and pattern in lines[0], lines[0]


@pytest.fixture
def room(tmp_path: Path) -> Path:
    """3 s of an empty grey room with a lamp that moves (no person)."""
    frames = []
    for i in range(90):
        image = np.full((180, 320, 3), 120, np.uint8)
        image[40:80, 20 + i : 60 + i] = (220, 200, 90)
        frames.append(image)
    return write_clip(tmp_path / "room.mp4", frames, fps=30.0)


def test_a_recording_from_three_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRONATE_RECORDING_MIN_S", raising=False)
    assert recording_min_s() == 180.0
    monkeypatch.setenv("PRONATE_RECORDING_MIN_S", "2.5")
    assert recording_min_s() == 2.5
    monkeypatch.setenv("PRONATE_RECORDING_MIN_S", "soon")
    assert recording_min_s() == 180.0


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("--overlay", "moments"), "--overlay is for a recording: "),
        (("--recording", "--pick", "10,10"), "--pick is for a single clip"),
        (("--recording", "--pdf"), "--pdf is for a single clip"),
        (("--single-clip", "--overlay", "stretches"), "--overlay is for a recording"),
    ],
)
def test_flags_that_do_not_fit(
    capsys: pytest.CaptureFixture[str],
    room: Path,
    tmp_path: Path,
    args: tuple[str, ...],
    pattern: str,
) -> None:
    code, _, err = run(capsys, "analyze", str(room), "-o", str(tmp_path / "o"), *args)
    one_error(code, err, pattern)
    assert not (tmp_path / "o").exists()


def test_recording_needs_a_video(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pose = tmp_path / "pose.nc"
    pose.write_bytes(b"x")
    code, _, err = run(
        capsys, "analyze", "--from", str(pose), "-o", str(tmp_path / "o"), "--recording"
    )
    one_error(code, err, "--recording needs a video")


def test_both_modes_are_refused(
    capsys: pytest.CaptureFixture[str], room: Path, tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["analyze", str(room), "-o", str(tmp_path / "o"), "--recording", "--single-clip"])
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.model
def test_a_recording_of_nobody(
    capsys: pytest.CaptureFixture[str], room: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRONATE_RECORDING_MIN_S", "2")  # the 3-s clip is a recording
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "analyze", str(room), "-o", str(out), "-q")
    assert code == 0, err
    assert "0 stretch(es)" in stdout and "0 loading moment(s)" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["recording"] is True and summary["stretches"] == [] and summary["events"] == []
    assert summary["scan"]["samples"] == 12 and summary["scan"]["whole_body_samples"] == 0
    assert not (out / CHECKPOINT_DIR).exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(f["name"] for f in manifest["files"]) == [
        "moments.csv",
        "report.html",
        "summary.json",
    ]
    assert "no loading moment" in (out / "report.html").read_text()


@pytest.mark.model
def test_a_recording_cut_short_is_scanned_as_far_as_it_decodes(
    capsys: pytest.CaptureFixture[str], room: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.mp4"
    data = room.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])  # index at the front: what remains decodes
    out = tmp_path / "out"
    code, _, err = run(capsys, "analyze", str(cut), "-o", str(out), "--recording", "-q")
    assert code == 0 and "Traceback" not in err, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["warnings"] and "truncated" in summary["warnings"][0]
    assert f"pronate: warning: {summary['warnings'][0]}" in err
    assert 0 < summary["frames"] < 90

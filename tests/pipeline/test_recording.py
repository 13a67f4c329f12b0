"""A whole recording, composed from the real clips: the stretches are the exercises, no
moment in the talking head, slides or empty room, each stretch's moments are those of
the exercise cut out and analysed on its own, and an interrupted run resumes to the
same results. (The ``full`` model keeps it quick; the recording is 31 s.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pronate.pipeline import run_analyze
from pronate.pipeline.recording import CHECKPOINT_DIR, RecordingOutputs, run_recording
from pronate.pipeline.recording.cut import cut_clip
from pronate.pipeline.recording.scan import ScanFindings, ScanSettings, scan_recording
from pronate.pose.config import TrackConfig
from recordings import Part, Span, compose_recording

pytestmark = [pytest.mark.shared, pytest.mark.model]

FPS = 30.0
FRAME = 1.0 / FPS
TRACK = TrackConfig(model="full")
PARTS = [
    Part("talk", 6),
    Part("squat"),
    Part("slide", 4),
    Part("balance_front"),
    Part("empty", 5),
    Part("balance_back"),
    Part("talk", 4),
]


@pytest.fixture(scope="module")
def recording(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Span]]:
    folder = tmp_path_factory.mktemp("recording")
    path = folder / "session.mp4"
    return path, compose_recording(path, PARTS, fps=FPS, data=shared_data)


@pytest.fixture(scope="module")
def analysed(
    recording: tuple[Path, list[Span]], tmp_path_factory: pytest.TempPathFactory
) -> RecordingOutputs:
    path, _ = recording
    return run_recording(path, tmp_path_factory.mktemp("out") / "run", track=TRACK)


def _exercises(spans: list[Span]) -> list[Span]:
    return [s for s in spans if s.exercise]


def test_the_stretches_are_the_exercises(
    recording: tuple[Path, list[Span]], analysed: RecordingOutputs
) -> None:
    _, spans = recording
    found = [(s["start_s"], s["end_s"]) for s in analysed.summary["stretches"]]
    assert len(found) == len(_exercises(spans))
    for (a, b), span in zip(found, _exercises(spans), strict=True):
        assert abs(a - span.start_s) <= FRAME + 1e-6 and abs(b - span.end_s) <= FRAME + 1e-6
    assert not (analysed.summary_path.parent / CHECKPOINT_DIR).exists()


def test_no_moment_outside_the_exercises(
    recording: tuple[Path, list[Span]], analysed: RecordingOutputs
) -> None:
    _, spans = recording
    events = analysed.summary["events"]
    assert events, "the exercises give moments"
    for ev in events:
        inside = [
            s
            for s in _exercises(spans)
            if s.start_s - FRAME <= ev["start_s"] and ev["end_s"] <= s.end_s + FRAME
        ]
        assert inside, f"a moment at {ev['start_s']}-{ev['end_s']} s outside every exercise"
    idle = sum(s.end_s - s.start_s for s in spans if not s.exercise)
    assert analysed.summary["analysed_s"] < sum(s.end_s - s.start_s for s in spans) - idle + 0.5


def test_each_stretch_is_its_exercise_analysed_alone(
    recording: tuple[Path, list[Span]], analysed: RecordingOutputs, tmp_path: Path
) -> None:
    path, spans = recording
    events = analysed.summary["events"]
    for k, span in enumerate(_exercises(spans), start=1):
        clip = tmp_path / f"{span.kind}.mp4"
        start, stop = round(span.start_s * FPS), round(span.end_s * FPS)
        cut_clip(path, clip, start=start, stop=stop, fps=FPS)
        alone = run_analyze(
            tmp_path / span.kind, video=clip, track=TRACK, write_video=False, report=False
        ).summary
        mine = [ev for ev in events if ev["stretch"] == k]
        assert len(mine) == len(alone["events"]), span.kind
        for ev, ref in zip(mine, alone["events"], strict=True):
            assert (ev["side"], ev["kind"], ev["verdict"]) == (
                ref["side"],
                ref["kind"],
                ref["verdict"],
            )
            assert abs(ev["peak_s"] - (ref["peak_s"] + span.start_s)) <= FRAME + 1e-3
            _same_metrics(ev, ref)


def _same_metrics(ev: dict[str, Any], ref: dict[str, Any]) -> None:
    for name, value in (ref.get("metrics") or {}).items():
        if not isinstance(value, float):
            assert ev["metrics"].get(name) == value, name
            continue
        sigma = (ref.get("uncertainty") or {}).get(name) or 0.0
        got = ev["metrics"].get(name)
        assert got is not None and (
            np.isclose(got, value, atol=1e-6) or abs(got - value) <= sigma
        ), name


def test_outputs_of_a_recording(analysed: RecordingOutputs) -> None:
    out = analysed.summary_path.parent
    summary = analysed.summary
    for ev in summary["events"]:
        assert (out / ev["clip"]).stat().st_size > 0 and (out / ev["thumbnail"]).is_file()
    for s in summary["stretches"]:
        assert (out / s["folder"] / "summary.json").is_file()
        assert s["camera"]["view"] == s["view"]
    lines = analysed.moments_path.read_text().splitlines()
    assert len(lines) == 1 + sum(2 if e["side"] == "both" else 1 for e in summary["events"])
    report = analysed.report_path.read_text()
    assert report.count('class="mark') == len(summary["events"])
    manifest = json.loads((out / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    assert {"summary.json", "moments.csv", "report.html"} <= names
    assert all(ev["clip"] in names for ev in summary["events"])


def _stop_after(argv: list[str], done: Path, sig: signal.Signals) -> int:
    """Start ``argv``, send ``sig`` as soon as ``done`` exists; the exit status."""
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not done.is_file() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert done.is_file(), f"{done.parent.name} was finished"
        os.kill(child.pid, sig)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if sig == signal.SIGINT:
        assert "pronate: interrupted" in err and "Traceback" not in err, err
    return child.returncode


def test_a_run_stopped_half_way_resumes_to_the_same_results(
    recording: tuple[Path, list[Span]], analysed: RecordingOutputs, tmp_path: Path
) -> None:
    path, _ = recording
    out = tmp_path / "stopped"
    argv = [sys.executable, "-m", "pronate.app.cli", "analyze", str(path), "-o", str(out)]
    argv += ["--recording", "--model", "full", "-q"]
    done = out / CHECKPOINT_DIR
    # Ctrl-C after the first stretch, then kill -9 after the second
    assert _stop_after(argv, done / "stretch-001" / "done.json", signal.SIGINT) == 130
    assert not (out / "summary.json").exists() and (done / "scan.npz").is_file()
    assert _stop_after(argv, done / "stretch-002" / "done.json", signal.SIGKILL) == -9
    assert not (out / "summary.json").exists()
    assert not (done / "stretch-003" / "done.json").exists()
    finished = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert finished.returncode == 0, finished.stderr
    assert "went on from where an earlier run" in finished.stderr
    again = json.loads((out / "summary.json").read_text())
    assert again["stretches"] == analysed.summary["stretches"]
    assert again["events"] == analysed.summary["events"]
    assert (out / "moments.csv").read_text() == analysed.moments_path.read_text()
    assert not (out / CHECKPOINT_DIR).exists()


def test_the_scan_resumes_from_its_checkpoint(
    recording: tuple[Path, list[Span]], tmp_path: Path
) -> None:
    path, _ = recording
    settings = ScanSettings(checkpoint_frames=100)
    whole = scan_recording(path, settings=settings)
    saved = tmp_path / "scan.npz"
    seen = 0

    def stop_half_way(n: int) -> None:
        nonlocal seen
        seen += n
        if seen == 450:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan_recording(
            path, settings=settings, checkpoint=lambda f: f.save(saved), progress=stop_half_way
        )
    kept = ScanFindings.load(saved)
    assert kept is not None and not kept.done and 0 < kept.next_frame < whole.frames
    resumed = scan_recording(path, settings=settings, findings=kept)
    assert resumed.times == whole.times and resumed.seen == whole.seen
    assert resumed.cuts == whole.cuts and resumed.frames == whole.frames
    assert np.allclose(np.array(resumed.boxes), np.array(whole.boxes), equal_nan=True)

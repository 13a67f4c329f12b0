"""A recording's summary from its stretches (times on the recording's clock), its text
and report, and the checkpoint that belongs to one file and one set of settings."""

from __future__ import annotations

import json
from pathlib import Path

from pronate.pipeline.recording.checkpoint import Checkpoint, StretchResult
from pronate.pipeline.recording.outputs import (
    clock,
    format_recording,
    recording_events,
    report_html,
)
from pronate.pipeline.recording.stretches import Stretch


def stretch_folder(tmp_path: Path, events: list[dict]) -> Path:
    folder = tmp_path / "analysis"
    folder.mkdir()
    summary = {"view": "front", "camera": {"view": "front", "roll_deg": 1.5}, "events": events}
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def test_moments_are_moved_onto_the_recordings_clock(tmp_path: Path) -> None:
    event = {
        "side": "left",
        "kind": "single_leg_squat",
        "start_s": 1.0,
        "peak_s": 2.0,
        "end_s": 3.5,
    }
    event |= {"verdict": "partial", "criteria": []}
    ok = StretchResult(
        2,
        Stretch(100.0, 110.0),
        3000,
        3300,
        stretch_folder(tmp_path, [event]),
        [{"event": 0, "clip": "01.mp4", "thumbnail": "01.jpg"}],
    )
    failed = StretchResult(3, Stretch(200.0, 201.0), 6000, 6030, None, [], "nobody found")
    events, stretches = recording_events([ok, failed])
    assert [(e["start_s"], e["peak_s"], e["end_s"]) for e in events] == [(101.0, 102.0, 103.5)]
    assert events[0]["stretch_peak_s"] == 2.0 and events[0]["stretch"] == 2
    assert events[0]["clip"] == "moments/002_01.mp4"
    assert events[0]["thumbnail"] == "moments/002_01.jpg"
    assert stretches[0]["view"] == "front" and stretches[0]["moments"] == 1
    assert stretches[0]["folder"] == "stretches/002"
    assert stretches[1]["error"] == "nobody found" and stretches[1]["moments"] == 0
    summary = {
        "video": "/x/session.mp4",
        "duration_s": 400.0,
        "analysed_s": 11.0,
        "stretches": stretches,
        "events": events,
        "warnings": ["stretch 3: nobody found"],
    }
    text = format_recording(summary)
    assert "2 stretch(es)" in text and "0:01:42.0  left single-leg squat: Partial" in text
    assert "stretch 3: 0:03:20.0-0:03:21.0  nobody found" in text
    page = report_html(summary)
    assert page.count('class="mark') == 1 and 'href="moments/002_01.mp4"' in page
    assert "left:25.500%" in page  # 102 s of 400 s
    assert clock(3725.25) == "1:02:05.2"


def test_a_checkpoint_belongs_to_one_file_and_settings(tmp_path: Path) -> None:
    root = tmp_path / ".pronate-recording"
    first = Checkpoint(root, key="a")
    assert not first.resumed
    (root / "scan.npz").write_bytes(b"kept")
    result = StretchResult(1, Stretch(1.0, 2.0), 30, 60, root / "stretch-001" / "analysis", [])
    (root / "stretch-001").mkdir()
    first.finish(result)
    again = Checkpoint(root, key="a")
    assert again.resumed and again.done(1) and not again.done(2)
    back = again.result(1)
    assert back is not None and back.stretch == Stretch(1.0, 2.0) and back.folder == result.folder
    other = Checkpoint(root, key="b")  # another file, or other settings: afresh
    assert not other.resumed and not (root / "scan.npz").exists() and not other.done(1)
    other.remove()
    assert not root.exists()

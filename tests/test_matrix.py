"""One movement, one verdict: the same clip in the pictures a coach really gets (issue 20).

The front-view squat at full size, shrunk to a client 200 px tall, inside a video-call
window (pillar-boxed, a self-view tile, crf 32, 30 fps) and rotated by 10 deg: every copy
finds the same loading moments, and each gets the full-size verdict or ``uncertain`` with
the full-size verdict among its likely ones -- never another verdict. The lite model keeps
it quick; ``bench/matrix.py`` runs the whole matrix with the default model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import scenes
from pronate.pipeline import AnalysisOptions, run_analyze
from pronate.pose.config import TrackConfig

pytestmark = [pytest.mark.shared, pytest.mark.model]


def _moments(clip: Path, out: Path) -> list[dict[str, Any]]:
    result = run_analyze(
        out,
        video=clip,
        track=TrackConfig(model="lite"),
        options=AnalysisOptions(),
        write_video=False,
        report=False,
    )
    return list(result.summary["events"])


def test_the_squat_gets_one_verdict_in_every_picture(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "frontal_squat" / "frontal_squat.mp4"
    others = shared_data / "sports2d_demo" / "demo.mp4"
    full = _moments(src, tmp_path / "full")
    assert [m["kind"] for m in full] == ["squat", "squat", "squat"]
    copies = {
        "client 200 px": lambda d: scenes.scaled(src, d, factor=0.32, crf=23),
        "call window": lambda d: scenes.call_window(src, d, others=others, crf=32),
        "rotated 10 deg": lambda d: scenes.rotated(src, d, angle_deg=10.0, crf=23),
    }
    for name, make in copies.items():
        clip = tmp_path / f"{name}.mp4"
        make(clip)
        moments = _moments(clip, tmp_path / name)
        assert [(m["side"], m["kind"]) for m in moments] == [
            (m["side"], m["kind"]) for m in full
        ], name
        for a, b in zip(full, moments, strict=True):
            assert abs(a["peak_s"] - b["peak_s"]) < 0.3, name
            assert scenes.verdicts_agree(a, b), (name, a["verdict"], b["verdict"], b.get("likely"))

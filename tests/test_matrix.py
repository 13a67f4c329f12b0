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


def _agrees(full: dict[str, Any], copy: dict[str, Any]) -> bool:
    if copy["verdict"] == full["verdict"]:
        return True
    likely = {x["verdict"] for x in copy.get("likely", [])}
    if copy["verdict"] == "uncertain" and full["verdict"] in likely:
        return True
    # the full size may itself be uncertain: then the copy must not contradict its likely
    full_likely = {x["verdict"] for x in full.get("likely", [])} or {full["verdict"]}
    return full["verdict"] == "uncertain" and (copy["verdict"] in full_likely | {"uncertain"})


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
            assert _agrees(a, b), (name, a["verdict"], b["verdict"], b.get("likely"))


@pytest.mark.parametrize("copy", ["call window", "client 190 px"])
def test_one_loading_is_one_moment_in_a_small_picture(
    copy: str, shared_data: Path, tracked_clip: Any, tmp_path: Path
) -> None:
    """Issue 20, part 3: the balancing trial's left-leg loading (cam03, its back view) is
    one moment at full size, and one in a call window (client 180 px tall, crf 32, 30
    fps, the sports2d demo in the self-view) and in the clip shrunk to a client 190 px
    tall, with the default model: the same side and kind, peak within 0.1 s, bounds
    within 0.15 s. (Before, the shrunk copy added a right and a left walking stance.)"""
    from pronate.pipeline import analyze_pose

    options = AnalysisOptions(view="back")
    _, full = analyze_pose(tracked_clip("balancing_cam03"), options=options)
    src = shared_data / "pose2sim_balancing" / "cam03.mp4"
    clip = tmp_path / "copy.mp4"
    if copy == "call window":
        scenes.call_window(src, clip, others=shared_data / "sports2d_demo" / "demo.mp4", crf=32)
    else:
        scenes.scaled(src, clip, factor=0.1, crf=28)
    small = run_analyze(
        tmp_path / "copy",
        video=clip,
        track=TrackConfig(),
        options=options,
        write_video=False,
        report=False,
    ).summary
    assert [(m["side"], m["kind"]) for m in full["events"]] == [("left", "single_leg_stance")]
    assert [(m["side"], m["kind"]) for m in small["events"]] == [("left", "single_leg_stance")]
    a, b = full["events"][0], small["events"][0]
    assert abs(a["peak_s"] - b["peak_s"]) < 0.1
    assert abs(a["start_s"] - b["start_s"]) < 0.15 and abs(a["end_s"] - b["end_s"]) < 0.15

"""Live = offline (issue 20, part 4), in the real page: headless Chromium whose fake camera
plays the front-view squat (looping) saves loading moments by itself; ``pronate analyze``
of the same clip (the frames the camera plays, the live model) finds its moments; every
moment found by both has the same verdict, and the repetitions of the squat (one per loop
of the camera) get the same verdict or ``uncertain``. Screenshots go to
``$PRONATE_SCREENSHOTS`` (default: the test's temporary folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from test_live_browser import (  # the helpers (and the workspace fixture) of the live page tests
    SQUAT,
    live_browser,
    server,
    shots_dir,
    wait_for,
    y4m_of,
)

import scenes
from pronate.pipeline import AnalysisOptions, run_analyze
from pronate.pose.config import TrackConfig

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.shared]
__all__ = ["server"]  # the fixture, imported to be used here

SECONDS = 3.6
"""The clip: the first squat of ``frontal_squat.mp4`` (1.3-2.9 s) with the stance around it."""
HEIGHT = 540
MODEL = "full"


def y4m_frames(path: Path) -> list[np.ndarray]:
    """The frames of a Y4M file (what the fake camera plays), RGB."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def offline(clip: Path, out: Path) -> list[dict[str, Any]]:
    frames = y4m_frames(clip)
    video = scenes.write_clip(out.parent / "camera.mp4", frames, fps=30, crf=18)
    result = run_analyze(
        out,
        video=video,
        track=TrackConfig(model=MODEL),
        options=AnalysisOptions(),
        write_video=False,
        report=False,
    )
    return list(result.summary["events"])


def test_live_moments_get_the_offline_verdict(server: str, tmp_path: Path) -> None:
    if not (SQUAT / "frontal_squat.mp4").is_file():
        pytest.skip("../shared/data is not present")
    clip = y4m_of(
        SQUAT / "frontal_squat.mp4", tmp_path / "squat.y4m", seconds=SECONDS, height=HEIGHT
    )
    found = offline(clip, tmp_path / "offline")
    assert [(m["side"], m["kind"]) for m in found] == [("both", "squat")]
    shots = shots_dir(tmp_path)
    import httpx

    client_id = httpx.post(f"{server}/api/clients", json={"name": "Live Offline"}).json()["id"]
    auto = "window.pronateLive.moments.filter(m => m.source === 'auto')"
    with live_browser(server, clip) as b:
        b.page.goto(f"{server}/live?client={client_id}&source=camera")
        b.page.select_option("#live-model", MODEL)
        b.page.click("#live-start")
        wait_for(b.page, f"{auto}.length >= 2", timeout_s=150)
        wait_for(
            b.page, "document.querySelector('a.live-moment img')?.naturalWidth > 0", timeout_s=10
        )
        b.page.screenshot(path=str(shots / "live-vs-offline.png"), full_page=True)
        live = b.page.evaluate(auto)
        b.page.click("#live-stop")
    assert b.outside == [] and b.problems == []
    both = [m for m in live if (m["side"], m["kind"]) == ("both", "squat")]
    verdicts = [m["verdict"] for m in both]
    print(f"offline: {found[0]['verdict']}; live: {verdicts} ({len(live)} moments)")
    assert len(both) >= 2, live  # the squat, once per loop of the camera
    assert all(v == found[0]["verdict"] for v in verdicts), (found[0]["verdict"], verdicts)
    assert len(set(verdicts) - {"uncertain"}) <= 1

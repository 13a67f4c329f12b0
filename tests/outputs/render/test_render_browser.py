"""overlay.mp4 plays in headless Chromium: it has a duration, renders frames, true colours.

Nothing is served over the network: Chromium opens a local HTML file (file://) holding a
<video> of the overlay; a small script draws the first frame to a canvas, reads pixels and
writes the result into the DOM, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from render_testkit import BACKGROUND, pose_dataset

from browser import chromium, headless_command
from hand_made import analysis_with, assessment
from pronate.outputs.render import FrameDataBuilder, default_annotators, write_overlay

pytestmark = pytest.mark.browser

SIZE = (1280, 720)  # HD: untagged colours would be read as BT.709 here
N, FPS = 30, 30
RED = (235, 45, 45)
PATCH = (slice(20, 120), slice(1140, 1260))  # top-right corner, clear of every drawing

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>overlay</title></head><body>
<video id="v" src="overlay.mp4" muted playsinline preload="auto"></video>
<pre id="out">pending</pre>
<script>
const v = document.getElementById('v');
const out = document.getElementById('out');
v.addEventListener('error', () => {
  out.textContent = JSON.stringify({error: v.error ? v.error.code : -1});
});
v.addEventListener('loadeddata', () => {
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0);
  const px = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
  out.textContent = JSON.stringify({
    duration: v.duration, width: v.videoWidth, height: v.videoHeight,
    patch: px(1200, 70), centre: px(640, 360),
  });
});
</script></body></html>
"""


def make_clip(path: Path) -> Path:
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for _ in range(N):
            image = np.empty((SIZE[1], SIZE[0], 3), dtype=np.uint8)
            image[:] = BACKGROUND
            image[PATCH] = RED
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_overlay_plays_in_headless_chromium(tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("chromium is not installed")
    clip = make_clip(tmp_path / "in.mp4")
    builder = FrameDataBuilder(
        pose_dataset(n=N, fps=FPS, frame_size=SIZE),
        analysis_with([assessment("left", "single_leg_stance", 0.0, 0.5, 1.0, "pronation")]),
    )
    write_overlay(clip, tmp_path / "overlay.mp4", builder, default_annotators())
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    profile = tmp_path / "profile"
    cmd = headless_command(
        browser,
        profile,
        "--allow-file-access-from-files",  # the canvas may read a file:// video's pixels
        "--virtual-time-budget=15000",
        "--dump-dom",
        page.as_uri(),
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert match, f"no result in the DOM (exit {proc.returncode}): {proc.stderr[-2000:]}"
    text = html.unescape(match.group(1))
    assert text != "pending", "the video never loaded"
    result = json.loads(text)
    assert "error" not in result, f"Chromium could not play the video: {result}"
    assert result["duration"] > 0
    assert result["duration"] == pytest.approx(N / FPS, abs=1.5 / FPS)
    assert (result["width"], result["height"]) == SIZE
    # a frame was rendered: opaque pixels, not black, true colours (BT.709 tags)
    patch, centre = result["patch"], result["centre"]
    assert patch[3] == 255 and centre[3] == 255
    assert max(abs(a - b) for a, b in zip(patch[:3], RED, strict=True)) <= 8, patch
    assert sum(centre[:3]) > 60, centre

"""Clips for tests: the real data's paths, and synthetic clips written with PyAV."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

REAL_CLIPS = {
    "balancing_cam01": "pose2sim_balancing/cam01.mp4",
    "balancing_cam03": "pose2sim_balancing/cam03.mp4",
    "frontal_squat": "frontal_squat/frontal_squat.mp4",
    "sports2d_demo": "sports2d_demo/demo.mp4",
}


def write_clip(
    path: Path,
    frames: Sequence[np.ndarray],
    *,
    fps: float = 30.0,
    times_s: Sequence[float] | None = None,
    display_rotation: float = 0.0,
    faststart: bool = True,
) -> Path:
    """Encode RGB ``frames`` into an H.264 MP4, with optional real timestamps (for
    variable frame rate) and display-rotation metadata (as phones write it)."""
    options = {"movflags": "+faststart"} if faststart else {}
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        if times_s is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if display_rotation:
            stream.set_display_rotation(display_rotation)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            if times_s is not None:
                frame.pts = round(times_s[i] * 1000)
                frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path

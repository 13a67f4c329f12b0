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


def write_stamped_clip(
    path: Path, frames: Sequence[np.ndarray], *, times_ms: Sequence[int]
) -> Path:
    """A Matroska clip (H.264 without B-frames) whose frames carry exactly ``times_ms``,
    ties and steps back included, as a stream recorder with an odd clock writes them."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"bf": "0"}
        packets: list[av.Packet] = []
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            packets += stream.encode(frame)
        packets += stream.encode()
        for k, packet in enumerate(packets):
            packet.time_base = Fraction(1, 1000)
            packet.dts, packet.pts = k, int(times_ms[k])  # the muxer wants rising dts
            container.mux(packet)
    return path


def write_raw_h264(path: Path, frames: Sequence[np.ndarray], *, fps: float) -> Path:
    """A raw H.264 stream (``.h264``, no container, no timestamps) encoded at ``fps``."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_anamorphic(path: Path, frames: Sequence[np.ndarray], *, aspect: Fraction) -> Path:
    """The clip stored ``aspect`` times narrower than it is shown (pixels ``aspect`` wide
    to 1 high), flagged so in the file, as anamorphic recordings are."""
    import cv2

    h, w = frames[0].shape[:2]
    stored = 2 * round(w / float(aspect) / 2)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = stored, h, "yuv420p"
        stream.codec_context.sample_aspect_ratio = aspect
        for image in frames:
            squeezed = cv2.resize(image, (stored, h), interpolation=cv2.INTER_AREA)
            for packet in stream.encode(av.VideoFrame.from_ndarray(squeezed, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_with_thumbnail(path: Path, frames: Sequence[np.ndarray], *, fps: float = 30.0) -> Path:
    """An MP4 whose first video stream is a small preview (96x54, the default one) and
    whose second holds the clip."""
    import cv2

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mp4") as container:
        small = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        small.width, small.height, small.pix_fmt = 96, 54, "yuv420p"
        main = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        main.width, main.height, main.pix_fmt = w, h, "yuv420p"
        for image in frames:
            preview = cv2.resize(image, (96, 54), interpolation=cv2.INTER_AREA)
            for stream, picture in ((small, preview), (main, image)):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for stream in (small, main):
            for packet in stream.encode():
                container.mux(packet)
    return path

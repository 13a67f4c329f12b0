"""Opening a video and reading the facts of its picture stream: which stream is the clip
(:func:`main_stream`), its nominal frame rate (:func:`nominal_rate`) and the shape of its
pixels (:func:`pixel_aspect`).

A file may hold several video streams: a cover picture or a small preview beside the
recording. The clip is the largest stream that is not an attached picture (the default
one among equals), the same one everywhere a video is read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Final

import av
import numpy as np

from pronate.errors import InputError

VIDEO_ERRORS = (av.error.FFmpegError, OSError, ValueError, RuntimeError, EOFError)
MAX_PLAUSIBLE_FPS: Final[float] = 240.0
"""A declared frame rate above this (a phone's slow motion) is a time base, not a rate:
browsers' MediaRecorder WebM files declare 1000 (their millisecond clock)."""
NO_TIMESTAMPS: Final[int] = 0x0080
"""``AVFMT_NOTIMESTAMPS``: the format (a raw ``.h264`` or ``.hevc`` stream) carries no
frame times; its frames are timed by the stream's rate."""
_DEFAULT: Final[int] = 0x0001
_ATTACHED_PIC: Final[int] = 0x0400
_SQUARE: Final[float] = 0.01
"""Pixel aspects within this of 1 are taken as square."""


def open_video(path: Path) -> av.container.InputContainer:
    """Open ``path`` for reading, or say in one line why it is not a video.

    Raises
    ------
    InputError
        For a missing path, a folder, an empty file, a file FFmpeg cannot read, or one
        without a picture.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes): not a video")
    try:
        container = av.open(str(path), mode="r")
    except VIDEO_ERRORS as exc:
        raise InputError(f"{path} is not a readable video ({error_reason(exc)})") from exc
    if not container.streams.video:
        audio = bool(container.streams.audio)
        container.close()
        if audio:
            raise InputError(f"{path} has only sound, no picture (no video stream)")
        raise InputError(f"{path} has no video stream (not a video, or truncated)")
    return container


def error_reason(exc: BaseException) -> str:
    """The first line of an FFmpeg/OS error, at most 200 characters (its type if empty)."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def main_stream(container: av.container.InputContainer) -> av.VideoStream:
    """The clip's picture: the largest video stream that is not an attached picture (a
    cover or thumbnail); among streams of the same size the default one, then the first."""
    streams = list(container.streams.video)
    moving = [s for s in streams if not int(s.disposition) & _ATTACHED_PIC] or streams

    def rank(stream: av.VideoStream) -> tuple[int, bool, int]:
        ctx = stream.codec_context
        area = int(ctx.width or 0) * int(ctx.height or 0)
        return (area, bool(int(stream.disposition) & _DEFAULT), -stream.index)

    return max(moving, key=rank)


def has_timestamps(container: av.container.InputContainer) -> bool:
    """Does the format carry frame times (not a raw elementary stream)?"""
    return not int(container.format.flags or 0) & NO_TIMESTAMPS


def nominal_rate(
    container: av.container.InputContainer, stream: av.VideoStream, path: Path
) -> float:
    """The stream's frame rate (a float, 0 when nothing tells).

    A raw stream (no timestamps) is timed by the rate its codec declares, which FFmpeg
    guesses (``guessed_rate``); its ``average_rate`` is only the demuxer's default (25).
    Otherwise the average rate of the container, or the rate of the first timestamps
    when that is implausible (a millisecond clock).
    """
    if not has_timestamps(container):
        order = (stream.guessed_rate, stream.average_rate, stream.base_rate)
        return next((float(r) for r in order if r and 0 < r <= MAX_PLAUSIBLE_FPS), 0.0)
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    if not 0 < fps <= MAX_PLAUSIBLE_FPS:
        fps = _rate_from_timestamps(path) or float(stream.guessed_rate or 0)
    return fps if math.isfinite(fps) else 0.0


def _rate_from_timestamps(path: Path, *, packets: int = 120) -> float:
    """Frame rate from the first ``packets`` timestamps: frames over the time they span
    (the demuxer only, no decoding); 0 if they do not tell."""
    container = open_video(path)
    try:
        stream = main_stream(container)
        pts = []
        for packet in container.demux(stream):
            if packet.pts is not None:
                pts.append(packet.pts)
            if len(pts) >= packets:
                break
        times = np.unique(pts) * float(stream.time_base or 0)
        span = float(times[-1] - times[0]) if times.size > 1 else 0.0
        rate = (times.size - 1) / span if span > 0 else 0.0
        return rate if 0 < rate <= MAX_PLAUSIBLE_FPS else 0.0
    except VIDEO_ERRORS:
        return 0.0
    finally:
        container.close()


def pixel_aspect(stream: av.VideoStream) -> float:
    """Width of a stored pixel over its height (``sample_aspect_ratio``): 4/3 for an
    anamorphic clip whose picture is shown a third wider than it is stored; 1.0 for square
    pixels and when the file does not say."""
    for sar in (stream.sample_aspect_ratio, stream.codec_context.sample_aspect_ratio):
        if sar:
            value = float(sar)
            if math.isfinite(value) and 0.1 <= value <= 10:
                return 1.0 if abs(value - 1.0) < _SQUARE else value
    return 1.0


def display_width(width: int, aspect: float) -> int:
    """Width in square pixels of a picture ``width`` stored pixels wide."""
    return width if aspect == 1.0 else max(2, round(width * aspect))

"""The frames' clock of a video file, read once: one time per frame, in the order the
frames are shown, the same for every reader (the tracking, in any number of segments, the
overlay, the key frames).

- A file whose own times strictly increase keeps them (the usual case, also with
  B-frames and variable frame rate): its timeline is *regular*, and a reader may seek in
  it by time.
- Ties and backward steps are repaired here, once (:func:`clean_times`): a frame whose
  time ties with or falls behind the frame before is spread between its neighbours when
  the next frames leave room (a duplicated or jittered stamp), else read as a reset of the
  clock (it follows one frame step later and the frames after it keep their spacing).
  Such a timeline is not regular: its frames are found by counting, never by seeking.
- A raw stream without timestamps (``.h264``) is timed by the rate its codec declares.
- A *hole* (:func:`find_holes`), a jump of the clock far beyond the frame step (a paused
  recording), is kept and said: nothing was recorded there.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from pronate.io.streams import (
    VIDEO_ERRORS,
    has_timestamps,
    main_stream,
    nominal_rate,
    open_video,
)
from pronate.series import frame_step

MIN_SPACING: Final[float] = 0.4
"""Repaired frames spread between their neighbours keep at least this fraction of a frame
step between them; with less room the step back is a reset of the clock."""
LOOKAHEAD: Final[int] = 32
"""Frames looked ahead for the next frame that comes after a tie or a step back."""
HOLE_MIN_S: Final[float] = 1.0
HOLE_STEPS: Final[float] = 10.0
"""A step between two frames longer than both ``HOLE_MIN_S`` seconds and ``HOLE_STEPS``
frame steps is a hole in the recording."""


@dataclass(frozen=True)
class Hole:
    """A jump of the clock: nothing was recorded between frame ``index - 1`` (at
    ``before_s``) and frame ``index`` (at ``after_s``)."""

    index: int
    before_s: float
    after_s: float

    @property
    def gap_s(self) -> float:
        """Length of the hole (s)."""
        return self.after_s - self.before_s


@dataclass(frozen=True, eq=False)
class Timeline:
    """The time of every frame (s from the first), in the order frames are shown.

    Attributes
    ----------
    times
        One time per frame, strictly increasing.
    regular
        The file's own times, strictly increasing: readers may seek by time.
    stamped
        The file carries timestamps (``False``: a raw stream timed by its rate).
    repaired
        Frames whose time tied with or fell behind the frame before, repaired.
    holes
        Jumps of the clock (:func:`find_holes`).
    """

    times: np.ndarray
    regular: bool
    stamped: bool = True
    repaired: int = 0
    holes: tuple[Hole, ...] = ()

    @property
    def step_s(self) -> float:
        """The usual step between frames (median)."""
        return frame_step(self.times)

    def time_of(self, index: int) -> float:
        """Time of frame ``index``; past the last known frame, one step per frame more."""
        if 0 <= index < len(self.times):
            return float(self.times[index])
        last = float(self.times[-1]) if len(self.times) else -self.step_s
        return last + (index - len(self.times) + 1) * self.step_s

    def warnings(self, name: str) -> list[str]:
        """What the user should hear about this clock (``name``: the file's name)."""
        said = []
        if not self.stamped:
            said.append(
                f"{name} is a raw video stream without timestamps: its frames are timed by "
                f"the rate its codec declares, {1 / self.step_s:.4g} fps"
            )
        if self.repaired:
            said.append(
                f"{self.repaired} frame(s) of {name} have a timestamp that ties with or "
                "steps back from the frame before; their times were repaired (a tie is "
                "spread between its neighbours, a step back read as a reset of the clock) "
                "and the clip was tracked in one piece"
            )
        if self.holes:
            jumps = ", ".join(
                f"{h.gap_s:.1f} s after {h.before_s:.2f} s (frame {h.index})" for h in self.holes
            )
            said.append(
                f"the timestamps of {name} jump {jumps}: nothing was recorded there; the "
                "clean-up and the loading moments never span a jump, and the frame rate is "
                f"that of the frames, {1 / self.step_s:.4g} fps"
            )
        return said


def read_timeline(path: Path, *, decode: bool = False) -> Timeline:
    """The timeline of the video at ``path`` (cached per file and modification).

    The packets' times are read without decoding; only when they do not tell the order
    the frames are shown in (ties, steps back, missing stamps), or with ``decode``, the
    frames are decoded (not converted) for their times. A timeline found by decoding is
    remembered for the file: later readers get it too.

    Raises
    ------
    InputError
        When the file is not a readable video.
    """
    path = Path(path)
    if not path.is_file():
        open_video(path)  # says why
    key = file_key(path)
    if key in _DECODED:
        return _DECODED[key]
    timeline = None if decode else _from_packets(key)
    if timeline is None:
        timeline = _decoded(path)
        while len(_DECODED) >= _KEEP:
            _DECODED.pop(next(iter(_DECODED)))
        _DECODED[key] = timeline
    return timeline


def peek_timeline(path: Path) -> Timeline:
    """The timeline as far as the packets tell, never decoding (quick, for a probe): for a
    clock that ties or steps back, the packets' times in order, each once."""
    path = Path(path)
    if not path.is_file():
        open_video(path)  # says why
    key = file_key(path)
    if key in _DECODED:
        return _DECODED[key]
    return _from_packets(key) or _sorted_packets(key)


_KEEP: Final[int] = 32
"""Timelines found by decoding kept in memory (a worker process analyses many clips)."""
_DECODED: dict[tuple[str, int, int], Timeline] = {}


@functools.lru_cache(maxsize=16)
def _from_packets(key: tuple[str, int, int]) -> Timeline | None:
    """The timeline from the demuxer, or ``None`` when decoding must tell."""
    path = Path(key[0])
    container = open_video(path)
    try:
        stream = main_stream(container)
        fps = nominal_rate(container, stream, path) or 30.0
        base = float(stream.time_base or 0)
        pts: list[int | None] = []
        dts: list[int | None] = []
        for packet in container.demux(stream):
            if packet.size:
                pts.append(packet.pts)
                dts.append(packet.dts)
        stamped = has_timestamps(container) and base > 0
    finally:
        container.close()
    if not stamped or all(p is None for p in pts):
        return _finish(np.arange(len(pts)) / fps, regular=False, stamped=False)
    if any(p is None for p in pts):
        return None
    p = np.asarray(pts, dtype=np.int64)
    if p.size < 2 or bool(np.all(np.diff(p) > 0)):
        return _finish((p - p[0]) * base, regular=True)
    shown = np.sort(p)
    d = np.asarray([x for x in dts if x is not None], dtype=np.int64)
    reordered = (
        bool(np.all(np.diff(shown) > 0))
        and d.size >= p.size - 4
        and bool(np.all(np.diff(d) > 0))
        and all(x is None or a >= x for a, x in zip(p.tolist(), dts, strict=True))
    )
    if reordered:  # B-frames: shown in the order of their times
        return _finish((shown - shown[0]) * base, regular=True)
    return None


@functools.lru_cache(maxsize=16)
def _sorted_packets(key: tuple[str, int, int]) -> Timeline:
    """The packets' times in order, each once (a rough timeline of an odd clock)."""
    container = open_video(Path(key[0]))
    try:
        stream = main_stream(container)
        base = float(stream.time_base or 0)
        pts = sorted({p.pts for p in container.demux(stream) if p.size and p.pts is not None})
    finally:
        container.close()
    times = np.asarray(pts, dtype=np.float64) * base
    return _finish(times - times[0] if times.size else times, regular=False)


def _decoded(path: Path) -> Timeline:
    """The timeline from the decoded frames' times, cleaned (:func:`clean_times`)."""
    container = open_video(path)
    raw: list[float] = []
    try:
        stream = main_stream(container)
        stream.thread_type = "AUTO"
        fps = nominal_rate(container, stream, path) or 30.0
        base = float(stream.time_base or 0)
        try:
            for frame in container.decode(stream):
                raw.append(np.nan if frame.pts is None or not base else frame.pts * base)
        except VIDEO_ERRORS:
            pass  # a truncated file: its frames up to there
    finally:
        container.close()
    times = np.asarray(raw, dtype=np.float64)
    if not np.isfinite(times).any():
        return _finish(np.arange(times.size) / fps, regular=False, stamped=False)
    times = times - times[np.isfinite(times)][0]
    step = frame_step(times) if (np.diff(times) > 0).any() else 1.0 / fps
    clean, repaired = clean_times(times, step=step)
    return _finish(clean, regular=repaired == 0, repaired=repaired)


def _finish(
    times: np.ndarray, *, regular: bool, stamped: bool = True, repaired: int = 0
) -> Timeline:
    times = np.asarray(times, dtype=np.float64)
    holes = find_holes(times)
    return Timeline(times, regular, stamped=stamped, repaired=repaired, holes=holes)


def clean_times(raw: np.ndarray, *, step: float) -> tuple[np.ndarray, int]:
    """Strictly increasing times from raw frame times that tie, step back or are missing.

    A frame whose time is above the frame before keeps it. Otherwise (a tie, a step back,
    NaN) the next frame within :data:`LOOKAHEAD` whose time is above is looked for: when
    the frames in between then keep at least :data:`MIN_SPACING` of ``step`` apart, they
    are spread evenly up to it; else the frame is one ``step`` after the frame before and
    the clock is shifted with it (a reset: the frames after it keep their spacing).

    Parameters
    ----------
    raw
        Frame times (s) in the order the frames are shown; NaN where unknown.
    step
        The usual step between frames (s), > 0.

    Returns
    -------
    tuple
        The times, and how many frames were repaired.
    """
    raw = np.asarray(raw, dtype=np.float64)
    n = raw.size
    out = np.empty(n)
    if n == 0:
        return out, 0
    out[0] = raw[0] if np.isfinite(raw[0]) else 0.0
    offset, repaired, i = 0.0, 0, 1
    while i < n:
        value = raw[i] + offset
        if value > out[i - 1]:
            out[i] = value
            i += 1
            continue
        ahead = raw[i : min(n, i + LOOKAHEAD)] + offset
        later = np.flatnonzero(ahead > out[i - 1])
        if later.size:
            j = i + int(later[0])
            spacing = (ahead[j - i] - out[i - 1]) / (j - i + 1)
            if spacing >= MIN_SPACING * step:
                out[i:j] = out[i - 1] + spacing * np.arange(1, j - i + 1)
                repaired += j - i
                i = j
                continue
        out[i] = out[i - 1] + step
        if np.isfinite(raw[i]):
            offset = out[i] - raw[i]
        repaired += 1
        i += 1
    return out, repaired


def find_holes(times: np.ndarray) -> tuple[Hole, ...]:
    """The jumps of strictly increasing ``times`` longer than both :data:`HOLE_MIN_S` and
    :data:`HOLE_STEPS` frame steps."""
    t = np.asarray(times, dtype=np.float64)
    if t.size < 3:
        return ()
    limit = max(HOLE_MIN_S, HOLE_STEPS * frame_step(t))
    after = np.flatnonzero(np.diff(t) > limit) + 1
    return tuple(Hole(int(i), float(t[i - 1]), float(t[i])) for i in after)


def file_key(path: Path) -> tuple[str, int, int]:
    """``(path, size, modification time)``: what the caches know a file by."""
    stat = os.stat(path)
    return (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)

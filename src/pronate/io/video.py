"""Video in and out, as small pieces: :func:`probe_video`, :func:`iter_frames`,
:func:`prefetch` here; the writer :class:`pronate.io.sink.VideoSink`.

Frames are RGB ``uint8`` arrays of the *upright* picture: the display rotation of phone
clips is applied. Timestamps are the frames' real presentation times in seconds, counted
from the first frame (variable-frame-rate clips keep their true timing); ``fps`` is a
float.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from pronate.errors import InputError
from pronate.io.streams import (
    MAX_PLAUSIBLE_FPS,
    VIDEO_ERRORS,
    display_width,
    error_reason,
    main_stream,
    nominal_rate,
    open_video,
    pixel_aspect,
)
from pronate.io.timeline import Timeline, peek_timeline, read_timeline

__all__ = [
    "MAX_PLAUSIBLE_FPS",
    "VIDEO_ERRORS",
    "DecodeReport",
    "Frame",
    "Timeline",
    "VideoInfo",
    "error_reason",
    "frame_times",
    "iter_frames",
    "prefetch",
    "probe_video",
    "read_timeline",
    "truncation_warning",
]


@dataclass(frozen=True, kw_only=True)
class VideoInfo:
    """What is known about a video before decoding it.

    Attributes
    ----------
    path
        The file.
    width, height
        Size of the upright frame in square pixels (after rotation; an anamorphic clip's
        width is that of its picture as shown, see ``pixel_aspect``).
    fps
        Nominal frame rate, as a float: the average rate of the stream, the rate a raw
        stream's codec declares, or, when the clock has holes, that of the frames.
    n_frames
        Frame count from the container; 0 when the container does not say.
    rotation_deg
        Clockwise rotation applied to decoded frames to make them upright (0, 90, 180, 270).
    codec
        Name of the video codec.
    duration_s
        Duration of the video stream from the container's header (the file's if the
        stream does not say); 0 when neither says.
    pixel_aspect
        Width over height of a stored pixel (1 for square pixels); frames are delivered
        resampled to square pixels.
    """

    path: Path
    width: int
    height: int
    fps: float
    n_frames: int
    rotation_deg: int
    codec: str
    duration_s: float = 0.0
    pixel_aspect: float = 1.0


@dataclass(frozen=True, kw_only=True)
class Frame:
    """One decoded, upright frame."""

    index: int
    time_s: float
    image: np.ndarray


@dataclass
class DecodeReport:
    """What happened while decoding: frames read and warnings (e.g. a truncated file)."""

    frames: int = 0
    warnings: list[str] = field(default_factory=list)
    clock_changed: bool = False
    """The decoded frames' times did not follow the order the packets promised (a
    timeline read again by decoding, :func:`pronate.io.timeline.read_timeline`)."""


def clockwise_rotation(display_rotation: float) -> int:
    """Convert FFmpeg's display rotation (counter-clockwise degrees) to the clockwise
    rotation, in {0, 90, 180, 270}, that makes a decoded frame upright."""
    return round(-float(display_rotation) / 90.0) % 4 * 90


def upright(image: np.ndarray, *, rotation_deg: int) -> np.ndarray:
    """Rotate ``image`` clockwise by ``rotation_deg`` (a multiple of 90)."""
    k = (rotation_deg // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=-k)) if k else image


RATE_TOLERANCE = 0.1
"""A declared frame rate more than this fraction away from the pace of the frames' own
times (their median step) is not the clip's: the frames' pace is taken."""


def probe_video(path: Path) -> VideoInfo:
    """Read a video's properties, decoding only its first frame (for the rotation).

    The clip is the file's main picture stream (:func:`pronate.io.streams.main_stream`);
    its frame rate is :func:`pronate.io.streams.nominal_rate`, or the pace of the frames'
    own times when the clock has holes or that rate is not their pace
    (:data:`RATE_TOLERANCE`, :class:`pronate.io.timeline.Timeline`).

    Raises
    ------
    InputError
        For a missing path, a file that is not a video, or a video with no decodable frame.
    """
    path = Path(path)
    container = open_video(path)
    try:
        stream = main_stream(container)
        fps = nominal_rate(container, stream, path)
        try:
            first = next(container.decode(stream))
        except StopIteration:
            raise InputError(f"{path} contains no video frames") from None
        except VIDEO_ERRORS as exc:
            raise InputError(
                f"{path}: cannot decode the first frame ({error_reason(exc)})"
            ) from exc
        rotation = clockwise_rotation(first.rotation or 0)
        aspect = pixel_aspect(stream)
        width, height = display_width(first.width, aspect), first.height
        if rotation in (90, 270):
            width, height = height, width
        n_frames = int(stream.frames or 0)
        codec = str(stream.codec_context.name)
        duration = _declared_duration(container, stream)
    finally:
        container.close()
    timeline = peek_timeline(path)
    if len(timeline.times) > 1:
        rate = 1.0 / timeline.step_s
        if fps <= 0 or timeline.holes or abs(fps - rate) > RATE_TOLERANCE * rate:
            fps = rate  # the frames' own pace, where the header's rate is not it
    fps = fps or 30.0
    return VideoInfo(
        path=path,
        width=int(width),
        height=int(height),
        fps=fps,
        n_frames=n_frames,
        rotation_deg=rotation,
        codec=codec,
        duration_s=duration,
        pixel_aspect=aspect,
    )


def _declared_duration(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    """Duration (s) the header claims for the video stream, else the file; 0 if unknown."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return float(container.duration) / 1e6  # AV_TIME_BASE
    return 0.0


def truncation_warning(info: VideoInfo, *, frames: int, duration_s: float) -> str | None:
    """A warning when fewer frames or seconds were decoded than the container declares.

    A file cut short (an interrupted copy or upload) whose index sits at the front
    (``+faststart``) still declares its full length, and its remaining frames decode
    without an error; only the comparison with the header tells.

    Parameters
    ----------
    info
        The video's header (:func:`probe_video`).
    frames
        Frames decoded.
    duration_s
        Time covered by the decoded frames (s): last timestamp plus one frame.

    Returns
    -------
    str or None
        The warning, or ``None`` when the decoded video matches its header (within two
        frames and 2 %) or the header says nothing.
    """
    frame_s = 1.0 / info.fps if info.fps > 0 else 0.0
    short_frames = info.n_frames > 0 and info.n_frames - frames > max(2, 0.02 * info.n_frames)
    slack = max(2 * frame_s, 0.02 * info.duration_s)
    short_time = info.duration_s > 0 and info.duration_s - duration_s > slack
    if not (short_frames or short_time):
        return None
    declared = f"{info.n_frames} frames, " if info.n_frames > 0 else ""
    return (
        f"the video is truncated: its header declares {declared}{info.duration_s:.1f} s, but "
        f"only {frames} frames ({duration_s:.1f} s) could be decoded; the file was probably "
        "cut short (an interrupted copy or upload), and only what was decoded is analysed"
    )


def frame_times(path: Path) -> np.ndarray:
    """Time (s, from the first frame) of every frame, in the order they are shown: the
    file's :class:`~pronate.io.timeline.Timeline`, read once (packets only, unless its
    clock is odd)."""
    return read_timeline(Path(path)).times


def iter_frames(
    path: Path,
    *,
    start: int = 0,
    stop: int | None = None,
    report: DecodeReport | None = None,
) -> Iterator[Frame]:
    """Yield upright RGB frames (square pixels) with their times, one at a time (memory
    stays flat).

    ``start`` / ``stop`` select frames by index (``stop`` excluded). Frames are counted
    from the first; in a clip whose clock is regular, decoding begins at the key frame
    before ``start`` and frames are found by their time. Times are those of the file's
    :class:`~pronate.io.timeline.Timeline` (ties and steps back repaired once, the same
    for every reader). A decoding error after the first frame (truncated or corrupt file)
    ends the stream: frames decoded so far are kept and a warning is added to ``report``.
    """
    report = report if report is not None else DecodeReport()
    path = Path(path)
    timeline = read_timeline(path)
    seeking = start > 0 and timeline.regular
    container = open_video(path)
    yielded = 0
    try:
        stream = main_stream(container)
        stream.thread_type = "AUTO"
        tb = float(stream.time_base or 0)
        width = display_width(stream.codec_context.width, pixel_aspect(stream))
        t0: float | None = None
        if seeking:
            if start >= len(timeline.times):
                return
            t0 = _first_pts(container.demux(stream)) * tb
            target = timeline.times[start] + t0
            container.seek(round(target / tb), stream=stream, backward=True)
        last_t = -np.inf
        index = start - 1 if seeking else -1
        frames = container.decode(stream)
        while stop is None or index + 1 < stop:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except VIDEO_ERRORS as exc:
                report.warnings.append(
                    f"decoding stopped after {report.frames} frames ({error_reason(exc)}); "
                    "the file may be truncated or corrupt, keeping what was decoded"
                )
                break
            if seeking:
                t = float(frame.time) - (t0 or 0.0) if frame.time is not None else np.nan
                if not t >= timeline.times[start] - 1e-6:
                    continue  # before the requested start, after the seek
                index = int(np.searchsorted(timeline.times, t - 1e-6))
                if t <= last_t:
                    report.clock_changed = True  # not the order the packets promised
                    continue
            else:
                index += 1
                t = timeline.time_of(index)
                if timeline.regular and frame.time is not None:
                    t0 = float(frame.time) if t0 is None else t0
                    t = float(frame.time) - t0
                    if t <= last_t:  # the packets promised a regular clock: decode it
                        report.clock_changed = True
                        timeline = read_timeline(path, decode=True)
                        t = timeline.time_of(index)
                if index < start:
                    continue
            last_t = t
            yield Frame(index=index, time_s=t, image=_image(frame, width))
            report.frames += 1
            yielded += 1
        declared = int(stream.frames or 0)
        if start == 0 and stop is None and not report.warnings and 0 < yielded < declared:
            report.warnings.append(
                f"the video declares {declared} frames but only {yielded} could be "
                "decoded; the file may be truncated, keeping what was decoded"
            )
    finally:
        container.close()
    if yielded == 0 and start == 0:
        raise InputError(f"{path} contains no decodable video frames")


def _image(frame: av.VideoFrame, width: int) -> np.ndarray:
    """The frame as an upright RGB array, resampled to ``width`` (square pixels)."""
    rotation = clockwise_rotation(frame.rotation or 0)
    if width != frame.width:
        rgb = frame.to_ndarray(format="rgb24", width=width, height=frame.height)
    else:
        rgb = frame.to_ndarray(format="rgb24")
    return upright(rgb, rotation_deg=rotation)


def _first_pts(packets: Iterator[av.Packet]) -> int:
    """Smallest pts among the first packets (B-frames may come out of order)."""
    seen = []
    for packet in packets:
        if packet.pts is not None:
            seen.append(packet.pts)
        if len(seen) >= 16:
            break
    return min(seen) if seen else 0


_DONE = object()


def prefetch(frames: Iterator[Frame], *, depth: int = 8) -> Iterator[Frame]:
    """Decode ahead in a background thread, so decoding overlaps with inference.

    At most ``depth`` frames are held; exceptions of the decoder are re-raised here.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=work, name="pronate-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Frame)
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)

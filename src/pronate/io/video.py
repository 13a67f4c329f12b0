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

VIDEO_ERRORS = (av.error.FFmpegError, OSError, ValueError, RuntimeError, EOFError)


@dataclass(frozen=True, kw_only=True)
class VideoInfo:
    """What is known about a video before decoding it.

    Attributes
    ----------
    path
        The file.
    width, height
        Size of the upright frame in pixels (after rotation).
    fps
        Nominal frame rate (average rate of the stream), as a float.
    n_frames
        Frame count from the container; 0 when the container does not say.
    rotation_deg
        Clockwise rotation applied to decoded frames to make them upright (0, 90, 180, 270).
    codec
        Name of the video codec.
    duration_s
        Duration of the video stream from the container's header (the file's if the
        stream does not say); 0 when neither says.
    """

    path: Path
    width: int
    height: int
    fps: float
    n_frames: int
    rotation_deg: int
    codec: str
    duration_s: float = 0.0


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


def _open(path: Path) -> av.container.InputContainer:
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


def clockwise_rotation(display_rotation: float) -> int:
    """Convert FFmpeg's display rotation (counter-clockwise degrees) to the clockwise
    rotation, in {0, 90, 180, 270}, that makes a decoded frame upright."""
    return round(-float(display_rotation) / 90.0) % 4 * 90


def upright(image: np.ndarray, *, rotation_deg: int) -> np.ndarray:
    """Rotate ``image`` clockwise by ``rotation_deg`` (a multiple of 90)."""
    k = (rotation_deg // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=-k)) if k else image


def probe_video(path: Path) -> VideoInfo:
    """Read a video's properties, decoding only its first frame (for the rotation).

    Raises
    ------
    InputError
        For a missing path, a file that is not a video, or a video with no decodable frame.
    """
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        if not 0 < fps <= MAX_PLAUSIBLE_FPS:
            fps = _rate_from_timestamps(path) or float(stream.guessed_rate or 0)
        try:
            first = next(container.decode(stream))
        except StopIteration:
            raise InputError(f"{path} contains no video frames") from None
        except VIDEO_ERRORS as exc:
            raise InputError(
                f"{path}: cannot decode the first frame ({error_reason(exc)})"
            ) from exc
        rotation = clockwise_rotation(first.rotation or 0)
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        if fps <= 0:
            fps = 30.0
        return VideoInfo(
            path=path,
            width=int(width),
            height=int(height),
            fps=fps,
            n_frames=int(stream.frames or 0),
            rotation_deg=rotation,
            codec=str(stream.codec_context.name),
            duration_s=_declared_duration(container, stream),
        )
    finally:
        container.close()


MAX_PLAUSIBLE_FPS = 240.0
"""A declared frame rate above this (a phone's slow motion) is a time base, not a rate:
browsers' MediaRecorder WebM files declare 1000 (their millisecond clock)."""


def _rate_from_timestamps(path: Path, *, packets: int = 120) -> float:
    """Frame rate from the first ``packets`` timestamps: frames over the time they span
    (the demuxer only, no decoding); 0 if they do not tell."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
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
    """Presentation times (s, from the first frame) of every video packet, in order.

    Reads packets only (no decoding), so it is fast; used to give frames a stable index
    when decoding starts in the middle of a clip.
    """
    container = _open(Path(path))
    try:
        stream = container.streams.video[0]
        tb = float(stream.time_base or 0)
        pts = sorted({p.pts for p in container.demux(stream) if p.pts is not None})
    finally:
        container.close()
    times = np.asarray(pts, dtype=np.float64) * tb
    return times - times[0] if times.size else times


def iter_frames(
    path: Path,
    *,
    start: int = 0,
    stop: int | None = None,
    report: DecodeReport | None = None,
) -> Iterator[Frame]:
    """Yield upright RGB frames with real timestamps, one at a time (memory stays flat).

    ``start`` / ``stop`` select frames by index (``stop`` excluded); decoding then begins
    at the key frame before ``start``. A decoding error after the first frame (truncated or
    corrupt file) ends the stream: frames decoded so far are kept and a warning is added
    to ``report``.
    """
    report = report if report is not None else DecodeReport()
    path = Path(path)
    table = frame_times(path) if start > 0 else None
    container = _open(path)
    yielded = 0
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = float(stream.time_base or 0)
        t0: float | None = None
        if table is not None:
            if start >= len(table):
                return
            first = container.demux(stream)
            t0 = _first_pts(first) * tb
            container.seek(round((table[start] + t0) / tb), stream=stream, backward=True)
        last_t = -np.inf
        index = start - 1
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
            t = frame.time
            if t is None:
                t = (index + 1) / float(stream.average_rate or 30)
            t0 = t if t0 is None else t0
            t_rel = float(t - t0)
            if table is not None:
                if t_rel < table[start] - 1e-6:
                    continue  # before the requested start, after the seek
                index = int(np.searchsorted(table, t_rel - 1e-6))
            else:
                index += 1
            if t_rel <= last_t:
                report.warnings.append(f"frame {index}: non-increasing timestamp dropped")
                continue
            last_t = t_rel
            rotation = clockwise_rotation(frame.rotation or 0)
            image = upright(frame.to_ndarray(format="rgb24"), rotation_deg=rotation)
            yield Frame(index=index, time_s=t_rel, image=image)
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

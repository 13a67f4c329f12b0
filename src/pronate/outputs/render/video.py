"""The annotated video ``overlay.mp4``: every input frame, upright, annotated, in H.264/MP4.

Frames stream through (decode -> annotate -> encode) one at a time, so memory stays flat
whatever the clip's length. The output has the input's frame count and nominal frame rate,
and plays in browsers (see :class:`pronate.io.sink.VideoSink`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pronate.io.sink import VideoSink
from pronate.io.video import DecodeReport, Frame, iter_frames, prefetch, probe_video
from pronate.outputs.render.annotators import Annotator, compose
from pronate.outputs.render.frame_data import FrameData

FrameDataFn = Callable[[int], FrameData | None]
"""Returns the data of video frame ``index`` (``None``: leave the frame unannotated)."""


@dataclass(frozen=True, kw_only=True)
class OverlayOutputs:
    """What :func:`write_overlay` wrote.

    Attributes
    ----------
    path
        The video file.
    frames
        Frames written (= frames decoded from the input).
    fps
        Frame rate of the output (the input's nominal rate).
    width, height
        Size of the output (the upright input, cropped to even numbers for H.264).
    warnings
        Decoding warnings (e.g. a truncated input).
    """

    path: Path
    frames: int
    fps: float
    width: int
    height: int
    warnings: list[str] = field(default_factory=list)


def as_annotator(annotators: Annotator | Sequence[Annotator]) -> Annotator:
    """Return ``annotators`` as one annotator (a sequence is composed in order)."""
    if isinstance(annotators, Sequence):
        return compose(*annotators)
    return annotators


def write_overlay(
    video_path: Path,
    out_path: Path,
    frame_data_fn: FrameDataFn,
    annotators: Annotator | Sequence[Annotator],
    *,
    crf: int = 23,
    progress: Callable[[int], None] | None = None,
    on_frame: Callable[[Frame], None] | None = None,
) -> OverlayOutputs:
    """Write the annotated copy of ``video_path`` to ``out_path`` (atomically).

    Parameters
    ----------
    video_path
        The input clip.
    out_path
        The MP4 to write (e.g. ``OUTDIR/overlay.mp4``); replaced only on success.
    frame_data_fn
        Data of each frame by its index, e.g. a
        :class:`~pronate.outputs.render.frame_data.FrameDataBuilder`; ``None`` leaves a frame plain.
    annotators
        One annotator, or several applied in order.
    crf
        x264 quality (lower is better and larger; 23 is the usual default).
    progress
        Called with the number of frames written so far, after each frame.
    on_frame
        Called with each decoded (upright, unannotated) frame, e.g. to collect key frames
        in the same pass (see :class:`~pronate.outputs.render.keyframes.KeyframeWriter`).

    Returns
    -------
    OverlayOutputs
        Path, frame count, frame rate and size of the video.

    Raises
    ------
    pronate.errors.InputError
        If the input cannot be read.
    pronate.errors.OutputError
        If the output cannot be written.
    """
    annotator = as_annotator(annotators)
    info = probe_video(Path(video_path))
    report = DecodeReport()
    count = 0
    with VideoSink(
        Path(out_path), fps=info.fps, width=info.width, height=info.height, crf=crf
    ) as sink:
        for frame in prefetch(iter_frames(info.path, report=report)):
            if on_frame is not None:
                on_frame(frame)
            data = frame_data_fn(frame.index)
            image = frame.image if data is None else annotator.annotate(frame.image, data)
            sink.write(image)
            count += 1
            if progress is not None:
                progress(count)
    return OverlayOutputs(
        path=Path(out_path),
        frames=count,
        fps=info.fps,
        width=sink.width,
        height=sink.height,
        warnings=list(report.warnings),
    )

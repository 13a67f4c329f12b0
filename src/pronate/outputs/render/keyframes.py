"""Key frames ``OUTDIR/keyframes/``: the annotated picture at the peak of each loading moment.

One PNG per moment, named ``NN_SIDE_KIND_PEAKs.png`` (``01_left_single_leg_stance_2.35s.png``),
with a caption bar above the frame (moment, side, time, verdict) so nothing covers the body;
and ``left_vs_right.png``, the best left and the best right moment side by side (the
pictures: :mod:`pronate.outputs.render.keyframe_pictures`). Files are written atomically;
key frames of an earlier run that this run did not write are removed, so the folder always
matches the latest analysis.

The moments are the analysis's assessments, numbered as
:mod:`pronate.outputs.render.moments` numbers them. Frames stream: only the frames nearest
to a pending peak are held, so memory stays small.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pronate.errors import OutputError
from pronate.io.atomic import ensure_output_dir, write_bytes_atomic
from pronate.io.video import Frame, frame_times, iter_frames
from pronate.outputs.render.annotators import Annotator
from pronate.outputs.render.keyframe_pictures import caption, fit, png, side_by_side
from pronate.outputs.render.moments import in_order
from pronate.outputs.render.style import DEFAULT_STYLE, Style
from pronate.outputs.render.video import FrameDataFn, as_annotator
from pronate.verdict.assessment import Assessment

KEYFRAME_DIR = "keyframes"
LEFT_VS_RIGHT = "left_vs_right.png"
_OURS = re.compile(r"^\d{2,}_[a-z]+_[a-z0-9_]+_\d+\.\d\ds\.png$")


@dataclass(frozen=True, kw_only=True)
class KeyframeOutputs:
    """What the key-frame writer wrote.

    Attributes
    ----------
    directory
        ``OUTDIR/keyframes``.
    keyframes
        Moment number -> PNG of its peak.
    left_vs_right
        The side-by-side image, or ``None`` when the clip has no loading moment.
    left_moment, right_moment
        Numbers of the moments shown in ``left_vs_right.png`` (``None`` for a missing side).
    """

    directory: Path
    keyframes: dict[int, Path]
    left_vs_right: Path | None
    left_moment: int | None
    right_moment: int | None


def keyframe_name(moment: Assessment, number: int) -> str:
    """Return the file name of the key frame of moment ``number``, e.g.
    ``01_left_single_leg_stance_2.35s.png``."""
    m = moment.moment
    kind = re.sub(r"[^a-z0-9]+", "_", m.kind.lower()).strip("_") or "loading"
    return f"{number:02d}_{m.side}_{kind}_{m.peak_s:.2f}s.png"


def best_moment(moments: Sequence[Assessment], side: str) -> Assessment | None:
    """Return the moment that best shows ``side``: the clearest evidence for a coach.

    Moments of that leg alone are preferred over bilateral ones; then measurable verdicts
    over ``unmeasurable``; then the longest moment (the most sustained loading); then the
    earliest in ``moments``.

    Parameters
    ----------
    moments
        The clip's moments, in order (:func:`pronate.outputs.render.moments.in_order`).
    side
        ``left`` or ``right``.

    Returns
    -------
    Assessment or None
        The moment, or ``None`` when no moment loads that leg.
    """

    def rank(k: int) -> tuple[bool, bool, float, int]:
        a = moments[k]
        length = a.moment.end_s - a.moment.start_s
        return (a.moment.side != side, a.verdict == "unmeasurable", -length, k)

    loading = [k for k, a in enumerate(moments) if a.moment.side in (side, "both")]
    return moments[min(loading, key=rank)] if loading else None


class KeyframeWriter:
    """Collect the peak frame of each moment from a stream of frames and write key frames.

    Feed every decoded frame to :meth:`offer` (in order), then call :meth:`finish`. Each
    moment keeps the frame nearest its peak; it is rendered and written as soon as the stream
    has passed the peak.

    Parameters
    ----------
    outdir
        The analysis folder; files go to ``outdir/keyframes``.
    moments
        The loading moments (the analysis's assessments; numbered here in order).
    frame_data_fn
        Data of each frame by its index; its moment is set to the key frame's moment.
    annotators
        One annotator, or several applied in order.
    max_size
        Longest side of a key frame in pixels (larger frames are scaled down).
    style
        Colours and sizes of the caption and of the side-by-side image.
    """

    def __init__(
        self,
        outdir: Path,
        moments: Sequence[Assessment],
        frame_data_fn: FrameDataFn,
        annotators: Annotator | Sequence[Annotator],
        *,
        max_size: int = 1280,
        style: Style = DEFAULT_STYLE,
    ) -> None:
        self.directory = Path(outdir) / KEYFRAME_DIR
        self.moments = in_order(moments)
        self._data = frame_data_fn
        self._annotator = as_annotator(annotators)
        self._max_size = max_size
        self._style = style
        self._best: dict[int, tuple[float, Frame]] = {}
        self._pending = dict(enumerate(self.moments, 1))
        self._written: dict[int, Path] = {}
        left, right = best_moment(self.moments, "left"), best_moment(self.moments, "right")
        self._pair = (self._number(left), self._number(right))
        self._pair_images: dict[int, np.ndarray] = {}
        if self.moments:
            ensure_output_dir(self.directory)

    def _number(self, moment: Assessment | None) -> int | None:
        """The number of ``moment`` (one of :attr:`moments`), ``None`` for ``None``."""
        if moment is None:
            return None
        return next(k for k, a in enumerate(self.moments, 1) if a is moment)

    @property
    def done(self) -> bool:
        """Whether every moment's key frame has been written."""
        return not self._pending

    def offer(self, frame: Frame) -> None:
        """Consider ``frame`` for every moment whose peak is not yet passed."""
        for number, moment in list(self._pending.items()):
            peak_s = moment.moment.peak_s
            distance = abs(frame.time_s - peak_s)
            best = self._best.get(number)
            if best is None or distance < best[0]:
                self._best[number] = (distance, frame)
            elif frame.time_s > peak_s:
                self._render(number, best[1])

    def _render(self, number: int, frame: Frame) -> None:
        moment = self._pending.pop(number)
        self._best.pop(number, None)
        data = self._data(frame.index)
        image = frame.image
        if data is not None:
            data = dataclasses.replace(
                data, moment=moment, verdict=moment.verdict, loaded_side=moment.moment.side
            )
            image = self._annotator.annotate(image, data)
        image = caption(image, moment, number=number, style=self._style)
        image = fit(image, max_size=self._max_size)
        path = self.directory / keyframe_name(moment, number)
        write_bytes_atomic(path, png(image))
        self._written[number] = path
        if number in self._pair:
            self._pair_images[number] = image

    def finish(self) -> KeyframeOutputs:
        """Write what is still pending, ``left_vs_right.png``, and remove stale files."""
        for number in list(self._pending):
            best = self._best.get(number)
            if best is not None:
                self._render(number, best[1])
        left_no, right_no = self._pair
        pair_path: Path | None = None
        left = self._pair_images.get(left_no) if left_no is not None else None
        right = self._pair_images.get(right_no) if right_no is not None else None
        if left is not None or right is not None:
            if left_no is not None and left_no == right_no:
                combined = left if left is not None else right
            else:
                combined = side_by_side(left, right, style=self._style)
            assert combined is not None
            pair_path = self.directory / LEFT_VS_RIGHT
            write_bytes_atomic(pair_path, png(fit(combined, max_size=2 * self._max_size)))
        self._remove_stale(keep={*self._written.values(), *([pair_path] if pair_path else [])})
        return KeyframeOutputs(
            directory=self.directory,
            keyframes=dict(sorted(self._written.items())),
            left_vs_right=pair_path,
            left_moment=left_no if left is not None else None,
            right_moment=right_no if right is not None else None,
        )

    def _remove_stale(self, *, keep: set[Path]) -> None:
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            ours = _OURS.match(path.name) or path.name == LEFT_VS_RIGHT
            if ours and path not in keep and path.is_file():
                try:
                    path.unlink()
                except OSError as exc:
                    raise OutputError(f"cannot remove old key frame {path}: {exc}") from exc


def write_keyframes(
    video_path: Path,
    outdir: Path,
    moments: Sequence[Assessment],
    frame_data_fn: FrameDataFn,
    annotators: Annotator | Sequence[Annotator],
    *,
    max_size: int = 1280,
    style: Style = DEFAULT_STYLE,
) -> KeyframeOutputs:
    """Write the key frames of ``video_path`` into ``outdir/keyframes``.

    Only the frames nearest the peaks are decoded, each after a seek to the key frame
    before it (the overlay video, when written, offers its frames instead).

    Parameters
    ----------
    video_path
        The input clip.
    outdir
        The analysis folder.
    moments
        The loading moments (the analysis's assessments).
    frame_data_fn
        Data of each frame by its index (e.g. a ``FrameDataBuilder``).
    annotators
        One annotator, or several applied in order.
    max_size
        Longest side of a key frame in pixels.
    style
        Colours and sizes of the caption and side-by-side image.

    Returns
    -------
    KeyframeOutputs
        The files written.
    """
    writer = KeyframeWriter(
        outdir, moments, frame_data_fn, annotators, max_size=max_size, style=style
    )
    if writer.moments:
        times = frame_times(Path(video_path))
        if times.size:
            peaks = [a.moment.peak_s for a in writer.moments]
            for index in nearest_frames(times, peaks):
                for frame in iter_frames(Path(video_path), start=index, stop=index + 1):
                    writer.offer(frame)
    return writer.finish()


def nearest_frames(times: np.ndarray, targets: Sequence[float]) -> list[int]:
    """Indices of the frames nearest each target time (sorted, without repeats).

    Parameters
    ----------
    times
        Frame times in seconds, increasing.
    targets
        Times to find.

    Returns
    -------
    list of int
        The frame indices, in increasing order.
    """
    return sorted({int(np.argmin(np.abs(times - t))) for t in targets})

"""Key frames ``OUTDIR/keyframes/``: the annotated picture at the peak of each loading moment.

One PNG per moment, named ``NN_SIDE_KIND_PEAKs.png`` (``01_left_single_leg_stance_2.35s.png``),
with a caption bar above the frame (moment, side, time, verdict) so nothing covers the body;
and ``left_vs_right.png``, the best left and the best right moment side by side. Files are
written atomically; key frames of an earlier run that this run did not write are removed, so
the folder always matches the latest analysis.

Frames stream: only the frames nearest to a pending peak are held, so memory stays small.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pronate.errors import OutputError
from pronate.io.atomic import ensure_output_dir, write_bytes_atomic
from pronate.io.video import Frame, frame_times, iter_frames
from pronate.outputs.render import draw
from pronate.outputs.render.annotators import Annotator
from pronate.outputs.render.moments import LoadingMoment, moments_from_events
from pronate.outputs.render.style import DEFAULT_STYLE, VERDICT_WORDS, Style
from pronate.outputs.render.video import FrameDataFn, as_annotator

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


def keyframe_name(moment: LoadingMoment) -> str:
    """Return the file name of ``moment``'s key frame, e.g.
    ``01_left_single_leg_stance_2.35s.png``."""
    kind = re.sub(r"[^a-z0-9]+", "_", moment.kind.lower()).strip("_") or "loading"
    return f"{moment.number:02d}_{moment.side}_{kind}_{moment.peak_s:.2f}s.png"


def best_moment(moments: Sequence[LoadingMoment], side: str) -> LoadingMoment | None:
    """Return the moment that best shows ``side``: the clearest evidence for a coach.

    Moments of that leg alone are preferred over bilateral ones; then measurable verdicts
    over ``unmeasurable`` or none; then the longest moment (the most sustained loading);
    then the earliest.

    Parameters
    ----------
    moments
        The clip's moments.
    side
        ``left`` or ``right``.

    Returns
    -------
    LoadingMoment or None
        The moment, or ``None`` when no moment loads that leg.
    """
    candidates = [m for m in moments if m.side in (side, "both")]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda m: (
            m.side != side,
            m.verdict in (None, "unmeasurable"),
            -(m.end_s - m.start_s),
            m.number,
        ),
    )


def _moment_title(moment: LoadingMoment) -> str:
    side = "BOTH LEGS" if moment.side == "both" else f"{moment.side.upper()} LEG"
    return f"#{moment.number}  {side}  {moment.kind_words}  {moment.peak_s:.2f} s"


def caption(
    image: np.ndarray, moment: LoadingMoment, *, style: Style = DEFAULT_STYLE
) -> np.ndarray:
    """Return ``image`` with a caption bar added above it: moment, side, time and verdict.

    The bar is added to the canvas (the picture is not covered).

    Parameters
    ----------
    image
        RGB frame.
    moment
        The moment it shows.
    style
        Colours and sizes.

    Returns
    -------
    numpy.ndarray
        A new, taller image.
    """
    height, width = image.shape[:2]
    size = (width, height)
    cap = style.text_frac * style.unit(size)
    title = _moment_title(moment)
    verdict = VERDICT_WORDS.get(moment.verdict or "", "NOT ASSESSED")
    pad = round(0.6 * cap)
    while True:
        tw, _ = draw.text_size(title, cap_px=cap)
        vw, _ = draw.text_size(verdict, cap_px=cap)
        if tw + vw + 3 * pad <= width or cap < 8:
            break
        cap *= 0.9
    bar_h = round(2.2 * cap)
    bar = np.empty((bar_h, width, 3), dtype=np.uint8)
    bar[:] = style.panel_colour
    baseline = round(bar_h / 2 + cap / 2)
    draw.draw_text(bar, title, (pad, baseline), cap_px=cap, colour=style.side_colour(moment.side))
    draw.draw_text(
        bar,
        verdict,
        (width - pad - vw, baseline),
        cap_px=cap,
        colour=style.verdict_colour(moment.verdict),
    )
    stripe = max(2, round(0.15 * cap))
    bar[-stripe:] = style.verdict_colour(moment.verdict)
    return np.vstack([bar, image])


def _fit(image: np.ndarray, *, max_size: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = max_size / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )


def _png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OutputError("cannot encode a key frame as PNG")
    return bytes(buf.tobytes())


def side_by_side(
    left: np.ndarray | None, right: np.ndarray | None, *, style: Style = DEFAULT_STYLE
) -> np.ndarray:
    """Return two images next to each other at the same height (left first).

    A missing side gets a dark panel saying so.

    Parameters
    ----------
    left, right
        RGB images (at least one).
    style
        Colours and sizes.

    Returns
    -------
    numpy.ndarray
        The combined image.
    """
    present = [im for im in (left, right) if im is not None]
    if not present:
        raise ValueError("side_by_side needs at least one image")
    height = min(im.shape[0] for im in present)
    panels = []
    for side, im in (("left", left), ("right", right)):
        if im is None:
            ref = present[0]
            w = round(ref.shape[1] * height / ref.shape[0])
            panel = np.empty((height, w, 3), dtype=np.uint8)
            panel[:] = style.panel_colour
            cap = style.text_frac * min(w, height)
            text = f"no {side}-leg moment in this clip"
            tw, _ = draw.text_size(text, cap_px=cap)
            while tw > 0.9 * w and cap > 6:
                cap *= 0.9
                tw, _ = draw.text_size(text, cap_px=cap)
            draw.draw_text(
                panel,
                text,
                ((w - tw) / 2, height / 2),
                cap_px=cap,
                colour=style.muted_text_colour,
            )
        else:
            w = round(im.shape[1] * height / im.shape[0])
            panel = (
                im
                if im.shape[0] == height
                else cv2.resize(im, (w, height), interpolation=cv2.INTER_AREA)
            )
        panels.append(panel)
    gap = np.empty((height, max(4, round(0.02 * height)), 3), dtype=np.uint8)
    gap[:] = style.outline_colour
    return np.hstack([panels[0], gap, panels[1]])


def _as_moments(
    moments: Sequence[LoadingMoment] | Sequence[Mapping[str, Any]] | Mapping[str, Any],
) -> tuple[LoadingMoment, ...]:
    if isinstance(moments, Mapping):
        return moments_from_events(moments)
    items = list(moments)
    if all(isinstance(m, LoadingMoment) for m in items):
        return tuple(m for m in items if isinstance(m, LoadingMoment))
    return moments_from_events([m for m in items if isinstance(m, Mapping)])


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
        Loading moments (:class:`LoadingMoment`, event dicts, or a summary dict).
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
        moments: Sequence[LoadingMoment] | Sequence[Mapping[str, Any]] | Mapping[str, Any],
        frame_data_fn: FrameDataFn,
        annotators: Annotator | Sequence[Annotator],
        *,
        max_size: int = 1280,
        style: Style = DEFAULT_STYLE,
    ) -> None:
        self.directory = Path(outdir) / KEYFRAME_DIR
        self.moments = _as_moments(moments)
        self._data = frame_data_fn
        self._annotator = as_annotator(annotators)
        self._max_size = max_size
        self._style = style
        self._best: dict[int, tuple[float, Frame]] = {}
        self._pending = {m.number: m for m in self.moments}
        self._written: dict[int, Path] = {}
        left, right = best_moment(self.moments, "left"), best_moment(self.moments, "right")
        self._pair = (left.number if left else None, right.number if right else None)
        self._pair_images: dict[int, np.ndarray] = {}
        if self.moments:
            ensure_output_dir(self.directory)

    @property
    def done(self) -> bool:
        """Whether every moment's key frame has been written."""
        return not self._pending

    def offer(self, frame: Frame) -> None:
        """Consider ``frame`` for every moment whose peak is not yet passed."""
        for number, moment in list(self._pending.items()):
            distance = abs(frame.time_s - moment.peak_s)
            best = self._best.get(number)
            if best is None or distance < best[0]:
                self._best[number] = (distance, frame)
            elif frame.time_s > moment.peak_s:
                self._render(moment, best[1])

    def _render(self, moment: LoadingMoment, frame: Frame) -> None:
        self._pending.pop(moment.number, None)
        self._best.pop(moment.number, None)
        data = self._data(frame.index)
        image = frame.image
        if data is not None:
            data = dataclasses.replace(
                data, moment=moment, verdict=moment.verdict, loaded_side=moment.side
            )
            image = self._annotator.annotate(image, data)
        image = _fit(caption(image, moment, style=self._style), max_size=self._max_size)
        path = self.directory / keyframe_name(moment)
        write_bytes_atomic(path, _png(image))
        self._written[moment.number] = path
        if moment.number in self._pair:
            self._pair_images[moment.number] = image

    def finish(self) -> KeyframeOutputs:
        """Write what is still pending, ``left_vs_right.png``, and remove stale files."""
        for number, moment in list(self._pending.items()):
            best = self._best.get(number)
            if best is not None:
                self._render(moment, best[1])
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
            write_bytes_atomic(pair_path, _png(_fit(combined, max_size=2 * self._max_size)))
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
    moments: Sequence[LoadingMoment] | Sequence[Mapping[str, Any]] | Mapping[str, Any],
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
        Loading moments (:class:`LoadingMoment`, event dicts, or a summary dict).
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
            for index in nearest_frames(times, [m.peak_s for m in writer.moments]):
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

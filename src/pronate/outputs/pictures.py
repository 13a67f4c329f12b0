"""What the coach sees, drawn from an analysis: overlay, key frames, report (and PDF).

Also where the clip of a pose dataset is found again (:func:`source_video`) and the
scene's line segments for the camera roll are read from it (:func:`scene_segments_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pronate.errors import InputError, OutputError
from pronate.io.video import probe_video
from pronate.verdict.analysis import Analysis


@dataclass
class PictureOutputs:
    """What :func:`run_pictures` wrote (``None``: skipped), and what the user should hear."""

    overlay_path: Path | None = None
    keyframes_dir: Path | None = None
    report_path: Path | None = None
    pdf_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def paths(self) -> list[Path | None]:
        """The files and folders written (``None`` for those skipped)."""
        return [self.overlay_path, self.keyframes_dir, self.report_path, self.pdf_path]


def source_video(pose: xr.Dataset, *, pose_path: Path | None = None) -> Path | str | None:
    """The clip a pose dataset was tracked from, if it is still there.

    Parameters
    ----------
    pose
        The pose dataset (attribute ``source_video``).
    pose_path
        Where the dataset was read from: a relative ``source_video`` is also looked up
        beside it.

    Returns
    -------
    pathlib.Path or str or None
        The video file; the recorded name (``str``) when no such file exists; ``None``
        when the dataset names no video.
    """
    text = str(pose.attrs.get("source_video") or "")
    if not text:
        return None
    candidates = [Path(text)]
    if pose_path is not None and not Path(text).is_absolute():
        candidates.append(Path(pose_path).parent / text)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return text


def run_pictures(
    outdir: Path,
    *,
    pose: xr.Dataset,
    analysis: Analysis,
    summary: dict[str, Any],
    video: Path | str | None,
    write_video: bool = True,
    report: bool = True,
    pdf: bool = False,
    progress: Callable[[int], Callable[[int], None]] | None = None,
) -> PictureOutputs:
    """Draw what the coach sees: ``overlay.mp4``, ``keyframes/``, ``report.html``.

    Parameters
    ----------
    outdir
        The analysis folder.
    pose
        The pose dataset.
    analysis
        Its analysis (:class:`pronate.verdict.analysis.Analysis`): what is drawn.
    summary
        Its ``summary.json`` content: the clip's name, frames and warnings, and the side
        medians, for the report.
    video
        The clip (a :class:`~pathlib.Path` that exists); a ``str`` or ``None`` when it
        was not found: overlay and key frames are then skipped with a warning.
    write_video
        ``False`` skips ``overlay.mp4`` (key frames are still written).
    report
        Write ``report.html``.
    pdf
        Also print ``report.pdf`` with headless Chromium (a warning when that fails).
    progress
        Called with the number of frames to draw; returns the callback that is then
        called with the frames drawn since its last call.

    Returns
    -------
    PictureOutputs
        The files written and the warnings.
    """
    out = PictureOutputs()
    notes: list[str] = [f"Warning: {w}." for w in summary.get("warnings") or []]
    keyframes: dict[int, Path] = {}
    left_vs_right: Path | None = None
    usable = _usable_video(video, pose)
    if isinstance(usable, str):
        out.warnings.append(usable)
        notes.append(f"No pictures in this report: {usable}.")
    else:
        from pronate.outputs.render import render_outputs

        step: Callable[[int], None] | None = None
        if progress is not None and write_video:
            step = _counting(progress(probe_video(usable).n_frames))
        drawn = render_outputs(
            usable,
            outdir,
            pose=pose,
            analysis=analysis,
            write_video=write_video,
            progress=step,
        )
        if drawn.overlay is not None:
            out.overlay_path = drawn.overlay.path
        out.keyframes_dir = drawn.keyframes.directory if drawn.keyframes.keyframes else None
        keyframes = dict(drawn.keyframes.keyframes)
        left_vs_right = drawn.keyframes.left_vs_right
    if report:
        from pronate.outputs.report import PDF_NAME, REPORT_NAME, write_pdf, write_report

        out.report_path = write_report(
            outdir / REPORT_NAME,
            analysis,
            summary=summary,
            pose=pose,
            keyframes=keyframes,
            left_vs_right=left_vs_right,
            notes=notes,
        )
        if pdf:
            try:
                out.pdf_path = write_pdf(out.report_path, outdir / PDF_NAME)
            except OutputError as exc:
                out.warnings.append(f"report.pdf not written: {exc}")
    return out


def _usable_video(video: Path | str | None, pose: xr.Dataset) -> Path | str:
    """The video to draw on, or why there is none (a warning's text)."""
    if video is None:
        return "the pose dataset names no video; overlay and key frames skipped"
    if isinstance(video, str) or not Path(video).is_file():
        return f"video {video} not found; overlay and key frames skipped"

    try:
        info = probe_video(Path(video))
    except InputError as exc:
        return f"{exc}; overlay and key frames skipped"
    size = (pose.attrs.get("image_width"), pose.attrs.get("image_height"))
    if size != (info.width, info.height):
        return (
            f"video {video} is {info.width}x{info.height}, the pose was tracked on "
            f"{size[0]}x{size[1]}; overlay and key frames skipped"
        )
    return Path(video)


def scene_segments_of(
    video: Path | str | None, pose: xr.Dataset, *, images: list[np.ndarray] | None = None
) -> np.ndarray | None:
    """The scene's line segments for the camera roll, or ``None`` without a usable video;
    ``images``: its sample frames when kept while tracking (see
    :class:`pronate.camera.scene.FrameSampler`)."""
    usable = _usable_video(video, pose)
    if isinstance(usable, str) or pose.attrs.get("model") == "reference":
        return None
    from pronate.camera.scene import scene_segments

    try:
        return scene_segments(usable, pose["position"].values, images=images)
    except InputError:
        return None


def _counting(callback: Callable[[int], None]) -> Callable[[int], None]:
    """Turn a callback of increments into one of running totals."""
    done = 0

    def update(total: int) -> None:
        nonlocal done
        if total > done:
            callback(total - done)
            done = total

    return update

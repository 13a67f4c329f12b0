"""One call for the pictures of an analysis: ``overlay.mp4`` and ``keyframes/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from pronate.outputs.render.annotators import default_annotators
from pronate.outputs.render.frame_data import FrameDataBuilder
from pronate.outputs.render.keyframes import KeyframeOutputs, KeyframeWriter, write_keyframes
from pronate.outputs.render.style import DEFAULT_STYLE, Style
from pronate.outputs.render.video import OverlayOutputs, write_overlay
from pronate.verdict.analysis import Analysis

OVERLAY_NAME = "overlay.mp4"


@dataclass(frozen=True, kw_only=True)
class RenderOutputs:
    """What :func:`render_outputs` wrote.

    Attributes
    ----------
    overlay
        The annotated video, or ``None`` when it was skipped.
    keyframes
        The key frames.
    """

    overlay: OverlayOutputs | None
    keyframes: KeyframeOutputs


def render_outputs(
    video_path: Path,
    outdir: Path,
    *,
    pose: xr.Dataset,
    analysis: Analysis | None,
    write_video: bool = True,
    style: Style = DEFAULT_STYLE,
    progress: Callable[[int], None] | None = None,
) -> RenderOutputs:
    """Write ``outdir/overlay.mp4`` and ``outdir/keyframes/`` in one pass over the video.

    Parameters
    ----------
    video_path
        The analysed clip.
    outdir
        The analysis folder.
    pose
        Its pose dataset.
    analysis
        Its analysis (:class:`pronate.verdict.analysis.Analysis`): metrics, loading moments
        and camera; ``None`` draws the skeleton only, and no key frame.
    write_video
        ``False`` skips ``overlay.mp4`` (``--no-video``); key frames are still written.
    style
        Colours and sizes.
    progress
        Called with the number of video frames written so far.

    Returns
    -------
    RenderOutputs
        The files written.
    """
    builder = FrameDataBuilder(pose, analysis, min_confidence=style.min_confidence)
    annotators = default_annotators(style=style)
    outdir = Path(outdir)
    if not write_video:
        keyframes = write_keyframes(
            video_path, outdir, builder.moments, builder, annotators, style=style
        )
        return RenderOutputs(overlay=None, keyframes=keyframes)
    # key frames get their own annotators: the video's remember label places frame to frame
    writer = KeyframeWriter(
        outdir, builder.moments, builder, default_annotators(style=style), style=style
    )
    overlay = write_overlay(
        video_path,
        outdir / OVERLAY_NAME,
        builder,
        annotators,
        progress=progress,
        on_frame=writer.offer,
    )
    return RenderOutputs(overlay=overlay, keyframes=writer.finish())

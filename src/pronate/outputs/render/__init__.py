"""What the coach sees: annotators, the annotated video and the key frames.

Build the data of a frame (:class:`FrameData`, usually through :class:`FrameDataBuilder`,
from the pose and the clip's :class:`pronate.verdict.analysis.Analysis`), draw on the
frame with annotators (each ``annotate(frame, data) -> new frame``, composable with
:func:`compose`), and write ``overlay.mp4`` (:func:`write_overlay`) and ``keyframes/``
(:func:`write_keyframes`), or both in one pass (:func:`render_outputs`).
"""

from pronate.outputs.render.annotators import (
    AngleLabelAnnotator,
    Annotator,
    CentreOfMassAnnotator,
    Compose,
    LoadLineAnnotator,
    SkeletonAnnotator,
    TimelineAnnotator,
    compose,
    default_annotators,
)
from pronate.outputs.render.frame_data import FrameData, FrameDataBuilder, frame_data_at
from pronate.outputs.render.keyframes import KeyframeOutputs, KeyframeWriter, write_keyframes
from pronate.outputs.render.outputs import RenderOutputs, render_outputs
from pronate.outputs.render.style import DEFAULT_STYLE, Style
from pronate.outputs.render.video import OverlayOutputs, write_overlay

__all__ = [
    "DEFAULT_STYLE",
    "AngleLabelAnnotator",
    "Annotator",
    "CentreOfMassAnnotator",
    "Compose",
    "FrameData",
    "FrameDataBuilder",
    "KeyframeOutputs",
    "KeyframeWriter",
    "LoadLineAnnotator",
    "OverlayOutputs",
    "RenderOutputs",
    "SkeletonAnnotator",
    "Style",
    "TimelineAnnotator",
    "compose",
    "default_annotators",
    "frame_data_at",
    "render_outputs",
    "write_keyframes",
    "write_overlay",
]

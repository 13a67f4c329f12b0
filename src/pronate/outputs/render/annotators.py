"""Annotators: small objects that draw one thing on a frame, composable like ``supervision``.

Each has one method, ``annotate(frame, data) -> new frame``: ``frame`` is an RGB ``uint8``
array of shape (height, width, 3) whose size matches ``data.frame_size``; it is never
modified. Colours and sizes come from a :class:`~pronate.outputs.render.style.Style`.

>>> annotator = compose(SkeletonAnnotator(), LoadLineAnnotator(), TimelineAnnotator())
>>> out = annotator.annotate(frame, data)  # doctest: +SKIP
"""

from __future__ import annotations

from pronate.outputs.render.annotator import Annotator, Compose, InPlaceAnnotator, compose
from pronate.outputs.render.body_annotators import (
    CentreOfMassAnnotator,
    LoadLineAnnotator,
    SkeletonAnnotator,
)
from pronate.outputs.render.label_annotator import THIGH_TO_CAMERA, AngleLabelAnnotator
from pronate.outputs.render.style import DEFAULT_STYLE, Style
from pronate.outputs.render.timeline_annotator import TimelineAnnotator

__all__ = [
    "THIGH_TO_CAMERA",
    "AngleLabelAnnotator",
    "Annotator",
    "CentreOfMassAnnotator",
    "Compose",
    "InPlaceAnnotator",
    "LoadLineAnnotator",
    "SkeletonAnnotator",
    "TimelineAnnotator",
    "compose",
    "default_annotators",
]


def default_annotators(*, style: Style = DEFAULT_STYLE) -> Compose:
    """Return the annotators of ``overlay.mp4`` and the key frames, in drawing order.

    Parameters
    ----------
    style
        Colours and sizes.

    Returns
    -------
    Compose
        Skeleton, load line, centre of mass, angle labels, time strip.
    """
    return compose(
        SkeletonAnnotator(style=style),
        LoadLineAnnotator(style=style),
        CentreOfMassAnnotator(style=style),
        AngleLabelAnnotator(style=style),
        TimelineAnnotator(style=style),
    )

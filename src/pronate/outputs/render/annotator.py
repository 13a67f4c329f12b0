"""The annotator contract, the in-place base and :class:`Compose` (see
:mod:`pronate.outputs.render.annotators`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from pronate.outputs.render.frame_data import FrameData


@runtime_checkable
class Annotator(Protocol):
    """Anything that draws on a frame: ``annotate(frame, data) -> new frame``."""

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Return a new frame with the annotation drawn; ``frame`` is not modified."""
        ...


def start_canvas(frame: np.ndarray, data: FrameData) -> np.ndarray:
    """Check ``frame`` against ``data`` and return a copy to draw on."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"frame must be RGB uint8 (H, W, 3), got {frame.dtype} {frame.shape}")
    if (frame.shape[1], frame.shape[0]) != data.frame_size:
        raise ValueError(
            f"frame is {frame.shape[1]}x{frame.shape[0]} but its data is for "
            f"{data.frame_size[0]}x{data.frame_size[1]}"
        )
    return frame.copy()


class InPlaceAnnotator:
    """Base of the annotators here: :meth:`draw` draws on a canvas in place, and
    :meth:`annotate` draws on a copy. :class:`Compose` copies the frame once and lets each
    draw on that copy (a copy of a phone frame per annotator cost 15 % of the overlay)."""

    def draw(self, out: np.ndarray, data: FrameData) -> None:
        """Draw on ``out`` (in place)."""
        raise NotImplementedError

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Return a new frame with the annotation drawn; ``frame`` is not modified."""
        out = start_canvas(frame, data)
        self.draw(out, data)
        return out


@dataclass(frozen=True, init=False)
class Compose:
    """Apply annotators one after the other; itself an annotator.

    Parameters
    ----------
    *annotators
        The annotators, in drawing order (later ones draw on top).
    """

    annotators: tuple[Annotator, ...]

    def __init__(self, *annotators: Annotator) -> None:
        object.__setattr__(self, "annotators", tuple(annotators))

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Return a new frame with every annotator's drawing."""
        out = start_canvas(frame, data)
        self.draw(out, data)
        return out

    def draw(self, out: np.ndarray, data: FrameData) -> None:
        """Draw every annotator on ``out`` in place (an annotator without ``draw`` draws
        on a copy, which is then copied back)."""
        for annotator in self.annotators:
            if isinstance(annotator, InPlaceAnnotator | Compose):
                annotator.draw(out, data)
            else:
                out[...] = annotator.annotate(out, data)


def compose(*annotators: Annotator) -> Compose:
    """Return one annotator that applies ``annotators`` in order."""
    return Compose(*annotators)

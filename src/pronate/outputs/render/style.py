"""Colours and sizes of every drawing, in one place.

Frames are RGB, so every colour here is an ``(r, g, b)`` tuple. Sizes are fractions of the
frame's shorter side (its *unit*), so a drawing looks the same on a 480p test clip and a
4K phone clip; :meth:`Style.px` turns a fraction into pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

RGB = tuple[int, int, int]

VERDICTS: Final[tuple[str, ...]] = (
    "pronation",
    "partial",
    "missing",
    "collapse",
    "uncertain",
    "unmeasurable",
)
"""Verdicts of a loading moment, as written by :mod:`pronate.verdict.assessment`."""

GREEN: Final[RGB] = (40, 200, 90)
AMBER: Final[RGB] = (255, 176, 0)
RED: Final[RGB] = (235, 45, 45)
GREY: Final[RGB] = (160, 160, 160)
BLUE: Final[RGB] = (90, 150, 230)
WHITE: Final[RGB] = (245, 245, 245)
DARK: Final[RGB] = (20, 20, 20)

VERDICT_COLOURS: Final[Mapping[str, RGB]] = MappingProxyType(
    {
        "pronation": GREEN,
        "partial": AMBER,
        "missing": AMBER,
        "collapse": RED,
        "uncertain": BLUE,
        "unmeasurable": GREY,
    }
)
"""Green: the chain happened; amber: partly or not at all; red: it collapsed; blue: not
decided within the +/-; grey: unknown."""

VERDICT_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pronation": "PRONATION",
        "partial": "PARTIAL",
        "missing": "MISSING",
        "collapse": "COLLAPSE",
        "uncertain": "UNCERTAIN",
        "unmeasurable": "UNMEASURABLE",
    }
)
"""How a verdict is written on a frame: the words of ``summary.json`` and the README, in
capitals (one vocabulary everywhere)."""


@dataclass(frozen=True, kw_only=True)
class Style:
    """Colours (RGB) and sizes (fractions of the frame's shorter side) of the annotators.

    Attributes
    ----------
    verdict_colours
        Colour of each verdict.
    left_colour, right_colour, centre_colour
        Skeleton colours of the subject's left side, right side and midline. Chosen apart
        from the verdict colours, so a green leg always means a verdict.
    outline_colour
        Dark halo drawn under lines and text, for contrast on any background.
    text_colour, muted_text_colour
        Label text; secondary label text.
    panel_colour, panel_alpha
        Background of label boxes and of the time strip, and its opacity.
    com_inside_colour, com_outside_colour, com_unknown_colour
        Plumb line and base-of-support bracket when the centre of mass is inside, outside,
        or not known to be either.
    line_frac, load_line_frac, joint_frac
        Skeleton line width, load-line width, joint radius.
    text_frac, small_text_frac
        Cap height of label values and of label titles. ``text_frac = 0.036`` gives 39 px on a
        1080-px-wide phone clip: readable on the phone itself.
    margin_frac, gap_frac
        Distance kept from the frame edges; gap between the body and a label.
    timeline_frac
        Height of the time strip.
    min_confidence
        Keypoints below this confidence are not drawn.
    """

    verdict_colours: Mapping[str, RGB] = field(default_factory=lambda: VERDICT_COLOURS)
    left_colour: RGB = (90, 170, 255)
    right_colour: RGB = (255, 120, 215)
    centre_colour: RGB = WHITE
    outline_colour: RGB = DARK
    text_colour: RGB = WHITE
    muted_text_colour: RGB = (200, 200, 200)
    panel_colour: RGB = (15, 15, 15)
    panel_alpha: float = 0.72
    com_inside_colour: RGB = GREEN
    com_outside_colour: RGB = RED
    com_unknown_colour: RGB = GREY
    line_frac: float = 0.0045
    load_line_frac: float = 0.012
    joint_frac: float = 0.006
    text_frac: float = 0.036
    small_text_frac: float = 0.022
    margin_frac: float = 0.02
    gap_frac: float = 0.03
    timeline_frac: float = 0.07
    min_confidence: float = 0.3

    def unit(self, frame_size: tuple[int, int]) -> float:
        """Return the frame's shorter side in pixels: all sizes are fractions of it.

        Parameters
        ----------
        frame_size
            ``(width, height)`` in pixels.

        Returns
        -------
        float
            The unit length.
        """
        return float(max(1, min(frame_size)))

    def px(self, frame_size: tuple[int, int], *, frac: float, minimum: int = 1) -> int:
        """Return ``frac`` of the frame's unit in whole pixels, at least ``minimum``.

        Parameters
        ----------
        frame_size
            ``(width, height)`` in pixels.
        frac
            Size as a fraction of the shorter side.
        minimum
            Smallest value returned.

        Returns
        -------
        int
            Pixels.
        """
        return max(minimum, round(frac * self.unit(frame_size)))

    def verdict_colour(self, verdict: str | None) -> RGB:
        """Return the colour of ``verdict`` (grey for ``None`` or an unknown one)."""
        if verdict is None:
            return self.com_unknown_colour
        return self.verdict_colours.get(verdict, self.com_unknown_colour)

    def side_colour(self, side: str | None) -> RGB:
        """Return the skeleton colour of ``side`` (``left``, ``right``, else midline)."""
        if side == "left":
            return self.left_colour
        if side == "right":
            return self.right_colour
        return self.centre_colour


DEFAULT_STYLE: Final[Style] = Style()

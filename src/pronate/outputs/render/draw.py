"""Low-level drawing on RGB frames: anti-aliased lines with a halo, text, translucent boxes.

These functions draw *in place* on the array they are given; the annotators call them on
their own copy of the frame. Boxes are ``(x0, y0, x1, y1)`` in pixels, ``x1``/``y1``
exclusive. OpenCV's Hershey fonts have no degree sign, so ``"°"`` is drawn as a small ring.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import cv2
import numpy as np

from pronate.outputs.render.style import RGB

Box = tuple[int, int, int, int]
Point = tuple[float, float]

FONT = cv2.FONT_HERSHEY_DUPLEX
_CAP_AT_SCALE_1 = 21.0  # cap height in pixels of FONT at font scale 1
_DEGREE = "°"


def _ipt(p: Point) -> tuple[int, int]:
    return (round(p[0]), round(p[1]))


def font_scale(*, cap_px: float) -> float:
    """Return the OpenCV font scale that gives capitals ``cap_px`` pixels high."""
    return max(0.2, cap_px / _CAP_AT_SCALE_1)


def font_thickness(*, cap_px: float) -> int:
    """Return a stroke width that reads well at a cap height of ``cap_px`` pixels."""
    return max(1, round(cap_px / 14.0))


def _degree_geometry(cap_px: float) -> tuple[int, int, int]:
    """Radius, stroke and advance of the drawn degree ring."""
    radius = max(2, round(0.17 * cap_px))
    stroke = max(1, round(cap_px / 16.0))
    return radius, stroke, 2 * radius + 2 * stroke + max(1, round(0.08 * cap_px))


def text_size(text: str, *, cap_px: float) -> tuple[int, int]:
    """Return ``(width, descent)`` of ``text`` drawn with capitals ``cap_px`` high.

    The height above the baseline is ``cap_px``; ``descent`` is the room taken below it
    by letters such as ``g``. Remembered: the labels of a video repeat (a 540-frame
    overlay asks about 40 000 times).
    """
    return _text_size(text, float(cap_px))


@functools.lru_cache(maxsize=4096)
def _text_size(text: str, cap_px: float) -> tuple[int, int]:
    scale, thick = font_scale(cap_px=cap_px), font_thickness(cap_px=cap_px)
    width, descent = 0, 0
    for i, part in enumerate(text.split(_DEGREE)):
        if i > 0:
            width += _degree_geometry(cap_px)[2]
        if part:
            (w, _), base = cv2.getTextSize(part, FONT, scale, thick)
            width += w
            descent = max(descent, base)
    return width, descent


def draw_text(
    image: np.ndarray,
    text: str,
    origin: Point,
    *,
    cap_px: float,
    colour: RGB,
    outline: RGB | None = None,
) -> None:
    """Draw ``text`` with its baseline starting at ``origin``; ``outline`` adds a halo."""
    scale, thick = font_scale(cap_px=cap_px), font_thickness(cap_px=cap_px)
    radius, ring, advance = _degree_geometry(cap_px)
    layers: list[tuple[RGB, int]] = []
    if outline is not None:
        layers.append((outline, 2 + max(2, thick)))
    layers.append((colour, 0))
    for layer_colour, extra in layers:
        x, y = round(origin[0]), round(origin[1])
        for i, part in enumerate(text.split(_DEGREE)):
            if i > 0:
                centre = (x + ring + radius, y - round(cap_px) + radius)
                cv2.circle(image, centre, radius, layer_colour, ring + extra, cv2.LINE_AA)
                x += advance
            if part:
                cv2.putText(
                    image, part, (x, y), FONT, scale, layer_colour, thick + extra, cv2.LINE_AA
                )
                x += cv2.getTextSize(part, FONT, scale, thick)[0][0]


def blend_box(image: np.ndarray, box: Box, colour: RGB, *, alpha: float) -> None:
    """Fill ``box`` with ``colour`` at opacity ``alpha`` (clipped to the image)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    paint = np.empty_like(roi)
    paint[...] = np.asarray(colour, dtype=np.uint8)
    cv2.addWeighted(roi, 1.0 - alpha, paint, alpha, 0.0, dst=roi)


def line(
    image: np.ndarray,
    p: Point,
    q: Point,
    *,
    colour: RGB,
    thickness: int,
    outline: RGB | None = None,
) -> None:
    """Draw an anti-aliased segment; ``outline`` draws a darker, wider one under it."""
    if outline is not None:
        cv2.line(
            image, _ipt(p), _ipt(q), outline, thickness + 2 * halo(thickness=thickness), cv2.LINE_AA
        )
    cv2.line(image, _ipt(p), _ipt(q), colour, thickness, cv2.LINE_AA)


def halo(*, thickness: int) -> int:
    """Width of the dark halo on each side of a line ``thickness`` wide."""
    return max(1, round(0.35 * thickness))


def polyline(
    image: np.ndarray,
    points: Sequence[Point],
    *,
    colour: RGB,
    thickness: int,
    outline: RGB | None = None,
) -> None:
    """Draw an open anti-aliased polyline with round joins (and an optional halo)."""
    pts = np.array([_ipt(p) for p in points], dtype=np.int32).reshape(-1, 1, 2)
    if len(pts) < 2:
        return
    layers: list[tuple[RGB, int]] = []
    if outline is not None:
        layers.append((outline, thickness + 2 * halo(thickness=thickness)))
    layers.append((colour, thickness))
    for layer_colour, width in layers:
        cv2.polylines(image, [pts], False, layer_colour, width, cv2.LINE_AA)
        for p in pts[1:-1, 0]:
            cv2.circle(image, (int(p[0]), int(p[1])), width // 2, layer_colour, -1, cv2.LINE_AA)


def dashed_line(
    image: np.ndarray,
    p: Point,
    q: Point,
    *,
    colour: RGB,
    thickness: int,
    dash: float,
    outline: RGB | None = None,
) -> None:
    """Draw a dashed segment from ``p`` to ``q`` with dashes and gaps ``dash`` long."""
    length = math.hypot(q[0] - p[0], q[1] - p[1])
    if length < 1:
        return
    n = max(1, int(length // (2 * dash)))
    step = length / (2 * n - 1) if n > 1 else length
    ux, uy = (q[0] - p[0]) / length, (q[1] - p[1]) / length
    segments = []
    for k in range(n):
        a = 2 * k * step
        b = min(length, a + step)
        segments.append(((p[0] + ux * a, p[1] + uy * a), (p[0] + ux * b, p[1] + uy * b)))
    if outline is not None:
        for a_pt, b_pt in segments:
            line(
                image,
                a_pt,
                b_pt,
                colour=outline,
                thickness=thickness + 2 * halo(thickness=thickness),
            )
    for a_pt, b_pt in segments:
        line(image, a_pt, b_pt, colour=colour, thickness=thickness)


def dotted_line(
    image: np.ndarray,
    p: Point,
    q: Point,
    *,
    colour: RGB,
    radius: int,
    spacing: float,
    outline: RGB | None = None,
) -> None:
    """Draw round dots ``spacing`` apart from ``p`` to ``q``."""
    length = math.hypot(q[0] - p[0], q[1] - p[1])
    n = max(1, int(length // spacing))
    for k in range(n + 1):
        t = k / n
        centre = (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)
        disc(image, centre, radius=radius, colour=colour, outline=outline)


def disc(
    image: np.ndarray,
    centre: Point,
    *,
    radius: int,
    colour: RGB,
    outline: RGB | None = None,
) -> None:
    """Draw a filled anti-aliased disc, with a thin ring of ``outline`` around it."""
    c = _ipt(centre)
    if outline is not None:
        cv2.circle(image, c, radius + halo(thickness=radius), outline, -1, cv2.LINE_AA)
    cv2.circle(image, c, radius, colour, -1, cv2.LINE_AA)


def boxes_intersect(a: Sequence[float], b: Sequence[float]) -> bool:
    """Return whether two ``(x0, y0, x1, y1)`` boxes overlap (touching edges do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

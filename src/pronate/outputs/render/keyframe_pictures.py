"""The pictures of the key frames: the caption bar above a moment's frame, the left and
right moments side by side, and their PNG encoding (see
:mod:`pronate.outputs.render.keyframes`)."""

from __future__ import annotations

import cv2
import numpy as np

from pronate.errors import OutputError
from pronate.outputs.render import draw
from pronate.outputs.render.moments import kind_words
from pronate.outputs.render.style import DEFAULT_STYLE, VERDICT_WORDS, Style
from pronate.verdict.assessment import Assessment


def _moment_title(moment: Assessment, number: int) -> str:
    m = moment.moment
    side = "BOTH LEGS" if m.side == "both" else f"{m.side.upper()} LEG"
    return f"#{number}  {side}  {kind_words(m.kind)}  {m.peak_s:.2f} s"


def caption(
    image: np.ndarray, moment: Assessment, *, number: int, style: Style = DEFAULT_STYLE
) -> np.ndarray:
    """Return ``image`` with a caption bar added above it: moment, side, time and verdict.

    The bar is added to the canvas (the picture is not covered).

    Parameters
    ----------
    image
        RGB frame.
    moment
        The moment it shows.
    number
        The moment's number (:mod:`pronate.outputs.render.moments`).
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
    title = _moment_title(moment, number)
    verdict = VERDICT_WORDS.get(moment.verdict, moment.verdict.upper())
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
    side_colour = style.side_colour(moment.moment.side)
    draw.draw_text(bar, title, (pad, baseline), cap_px=cap, colour=side_colour)
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


def fit(image: np.ndarray, *, max_size: int) -> np.ndarray:
    """Return ``image`` scaled down so that its longest side is at most ``max_size``."""
    h, w = image.shape[:2]
    scale = max_size / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )


def png(image: np.ndarray) -> bytes:
    """The PNG file of an RGB image."""
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

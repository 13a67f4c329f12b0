"""Where things go on a frame: the time strip, and label boxes that never cover the body.

All functions are pure: the same :class:`~pronate.outputs.render.frame_data.FrameData` and style
give
the same layout, so independent annotators agree on it (the angle labels keep clear of the
time strip without knowing whether it is drawn).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pronate.outputs.render.draw import Box, Point
from pronate.outputs.render.frame_data import FrameData
from pronate.outputs.render.style import Style


@dataclass(frozen=True, kw_only=True)
class TimelineLayout:
    """Boxes of the time strip.

    Attributes
    ----------
    block
        Everything the time strip occupies (strip and caption row).
    strip
        The bar itself: time runs from its left edge to its right edge.
    caption
        The row of text next to the bar (current moment and verdict).
    at_top
        Whether the strip sits at the top of the frame (the body reaches the bottom).
    """

    block: Box
    strip: Box
    caption: Box
    at_top: bool


def timeline_layout(data: FrameData, style: Style) -> TimelineLayout:
    """Return where the time strip goes: at the bottom, unless the body (over most of the
    clip) reaches down there and there is room at the top.

    Parameters
    ----------
    data
        The frame's data (its ``clip_body_box`` decides, else its body box).
    style
        Sizes.

    Returns
    -------
    TimelineLayout
        The boxes.
    """
    size = data.frame_size
    width, height = size
    margin = style.px(size, frac=style.margin_frac)
    strip_h = style.px(size, frac=style.timeline_frac, minimum=6)
    cap = style.px(size, frac=style.text_frac, minimum=6)
    caption_h = round(cap * 1.6)
    block_h = strip_h + caption_h
    body = data.clip_body_box or data.body_extent()
    bottom_y0 = height - margin - block_h
    top_y1 = margin + block_h
    at_top = body is not None and body[3] > bottom_y0 and body[1] >= top_y1
    x0, x1 = margin, width - margin
    if at_top:
        strip = (x0, margin, x1, margin + strip_h)
        caption = (x0, margin + strip_h, x1, top_y1)
        block = (x0, margin, x1, top_y1)
    else:
        caption = (x0, bottom_y0, x1, bottom_y0 + caption_h)
        strip = (x0, bottom_y0 + caption_h, x1, height - margin)
        block = (x0, bottom_y0, x1, height - margin)
    return TimelineLayout(block=block, strip=strip, caption=caption, at_top=at_top)


@dataclass(frozen=True, kw_only=True)
class LabelRequest:
    """A label to place: its size and the point its leader line goes to.

    Attributes
    ----------
    size
        ``(width, height)`` of the label box in pixels.
    anchor
        Point of the body the label describes.
    side
        Side of the body the label prefers: -1 left, +1 right, 0 the anchor's side (none
        when the anchor is near the body's centre line).
    previous
        Offset ``(dx, dy)`` of the box's top-left corner from the (rounded) anchor on the
        previous video frame: kept while it stays clear (by half the gap) and not clearly
        worse; when it is blocked, the label moves to the nearest good place.
    """

    size: tuple[int, int]
    anchor: Point
    side: int = 0
    previous: tuple[int, int] | None = None


def _offsets(step: int, limit: int) -> np.ndarray:
    """Offsets 0, +-step, +-2 step, ... growing by about 20 % once past 6 steps."""
    out = [0]
    k = 1.0
    while k * step <= limit:
        out.append(round(k) * step)
        k = k + 1 if k < 6 else k * 1.2
    arr = np.array(out)
    return np.concatenate([arr, -arr[1:]])


def place_labels(
    requests: Sequence[LabelRequest],
    *,
    frame_size: tuple[int, int],
    obstacles: Sequence[Sequence[float]],
    body_centre_x: float,
    margin: int,
    gap: int,
) -> list[Box | None]:
    """Place label boxes near their anchors, inside the frame, clear of every obstacle.

    Candidate positions lie on a grid fixed to the anchor (so a label moves smoothly with
    its joint); a candidate must keep ``gap`` from every obstacle and every label placed
    before it. Of the valid ones, the nearest to the anchor wins, level with it preferred,
    on the anchor's side of the body preferred (so the leader line does not cross the
    body). Labels are placed in the given order (put the important ones first).

    Parameters
    ----------
    requests
        Labels to place.
    frame_size
        ``(width, height)``.
    obstacles
        Boxes ``(x0, y0, x1, y1)`` no label may cover: the body parts, the time strip.
    body_centre_x
        Horizontal centre of the body.
    margin
        Distance kept from the frame edges.
    gap
        Distance kept from obstacles and between labels.

    Returns
    -------
    list of box or None
        Per request, its box ``(x0, y0, x1, y1)``, or ``None`` where there was no room.
    """
    width, height = frame_size
    taken = np.asarray(obstacles, dtype=np.float64).reshape(-1, 4)
    taken = taken + np.array([-gap, -gap, gap, gap])
    step = max(2, gap // 2)
    dxs = _offsets(step, width)
    dys = _offsets(step, height)
    out: list[Box | None] = []
    for req in requests:
        w, h = req.size
        ax, ay = req.anchor
        x0 = (round(ax - w / 2) + dxs)[:, None]
        y0 = (round(ay - h / 2) + dys)[None, :]
        x0, y0 = np.broadcast_arrays(x0, y0)
        x0, y0 = x0.ravel(), y0.ravel()
        inside = (x0 >= margin) & (y0 >= margin)
        inside &= (x0 + w <= width - margin) & (y0 + h <= height - margin)
        x0, y0 = x0[inside], y0[inside]
        if len(taken) and len(x0):
            hit = (
                (x0[:, None] < taken[None, :, 2])
                & (taken[None, :, 0] < (x0 + w)[:, None])
                & (y0[:, None] < taken[None, :, 3])
                & (taken[None, :, 1] < (y0 + h)[:, None])
            ).any(axis=1)
            x0, y0 = x0[~hit], y0[~hit]
        if not len(x0):
            out.append(None)
            continue
        cost = _costs(x0, y0, req, body_centre_x, gap=gap, width=width)
        if req.previous is not None:  # slide out of the way rather than hop elsewhere
            px = round(ax) + req.previous[0]
            py = round(ay) + req.previous[1]
            cost = cost + CONTINUITY * np.hypot(x0 - px, y0 - py)
        best = int(np.argmin(cost))
        box = (int(x0[best]), int(y0[best]), int(x0[best]) + w, int(y0[best]) + h)
        if req.previous is not None:
            slack = gap // 2  # a kept place may use half the gap, never the obstacle
            kept = _kept_box(
                req,
                taken + np.array([slack, slack, -slack, -slack]),
                frame_size=frame_size,
                margin=margin,
            )
            if kept is not None:
                kept_cost = _cost(kept, req, body_centre_x, gap=gap, width=width)
                if kept_cost <= HYSTERESIS * float(cost[best]) + 2 * gap:
                    box = kept
        out.append(box)
        grown = np.array([[box[0] - gap, box[1] - gap, box[2] + gap, box[3] + gap]])
        taken = np.vstack([taken, grown])
    return out


CONTINUITY = 1.0
"""Cost per pixel of moving a label from its previous place (video frames in order)."""

HYSTERESIS = 1.3
"""A label keeps its previous place unless the best one costs less than 1/1.3 of it
(minus two gaps): enough to stop labels hopping between near-equal places in a video."""


def _costs(
    x0: np.ndarray,
    y0: np.ndarray,
    req: LabelRequest,
    body_centre_x: float,
    *,
    gap: int,
    width: int,
) -> np.ndarray:
    """Cost of boxes at ``x0, y0``: distance to the anchor, level preferred, own side."""
    w, h = req.size
    ax, ay = req.anchor
    dx = np.maximum(np.maximum(x0 - ax, ax - (x0 + w)), 0)
    dy = np.maximum(np.maximum(y0 - ay, ay - (y0 + h)), 0)
    cost = np.hypot(dx, dy) + 0.5 * np.abs(y0 + h / 2 - ay)
    if req.side:
        side = float(np.sign(req.side))
    else:
        side = float(np.sign(ax - body_centre_x)) if abs(ax - body_centre_x) > 2 * gap else 0.0
    return np.asarray(
        cost + np.where(np.sign(x0 + w / 2 - body_centre_x) == -side, 0.5 * width, 0.0),
        dtype=np.float64,
    )


def _cost(box: Box, req: LabelRequest, body_centre_x: float, *, gap: int, width: int) -> float:
    return float(
        _costs(np.array([box[0]]), np.array([box[1]]), req, body_centre_x, gap=gap, width=width)[0]
    )


def _kept_box(
    req: LabelRequest, taken: np.ndarray, *, frame_size: tuple[int, int], margin: int
) -> Box | None:
    """The previous place re-attached to the anchor, if it is still free and in the frame."""
    assert req.previous is not None
    w, h = req.size
    x = round(req.anchor[0]) + req.previous[0]
    y = round(req.anchor[1]) + req.previous[1]
    box = (x, y, x + w, y + h)
    width, height = frame_size
    if x < margin or y < margin or x + w > width - margin or y + h > height - margin:
        return None
    if (
        len(taken)
        and (
            (x < taken[:, 2]) & (taken[:, 0] < x + w) & (y < taken[:, 3]) & (taken[:, 1] < y + h)
        ).any()
    ):
        return None
    return box


def nearest_point_on_box(box: Box, point: Point) -> Point:
    """Return the point of ``box``'s outline nearest to ``point`` (outside the box)."""
    x = min(max(point[0], box[0]), box[2])
    y = min(max(point[1], box[1]), box[3])
    return (float(x), float(y))

"""Annotators: small objects that draw one thing on a frame, composable like ``supervision``.

Each has one method, ``annotate(frame, data) -> new frame``: ``frame`` is an RGB ``uint8``
array of shape (height, width, 3) whose size matches ``data.frame_size``; it is never
modified. Colours and sizes come from a :class:`~pronate.render.style.Style`.

>>> annotator = compose(SkeletonAnnotator(), LoadLineAnnotator(), TimelineAnnotator())
>>> out = annotator.annotate(frame, data)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from pronate.keypoints import SIDES, SKELETON
from pronate.render import draw
from pronate.render.frame_data import FrameData
from pronate.render.layout import (
    LabelRequest,
    nearest_point_on_box,
    place_labels,
    timeline_layout,
)
from pronate.render.style import DEFAULT_STYLE, RGB, VERDICT_WORDS, Style


@runtime_checkable
class Annotator(Protocol):
    """Anything that draws on a frame: ``annotate(frame, data) -> new frame``."""

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Return a new frame with the annotation drawn; ``frame`` is not modified."""
        ...


def _start(frame: np.ndarray, data: FrameData) -> np.ndarray:
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
        out = _start(frame, data)
        self.draw(out, data)
        return out


def _edge_side(a: str, b: str) -> str | None:
    for side in SIDES:
        if a.startswith(side + "_") and b.startswith(side + "_"):
            return side
    return None


_FACE = frozenset(
    ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_eye_inner", "right_eye_inner")
)
_JOINTS = tuple(
    f"{side}_{part}"
    for side in SIDES
    for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
)


@dataclass(frozen=True, kw_only=True)
class SkeletonAnnotator(InPlaceAnnotator):
    """Draw the skeleton: the subject's left side blue, right side pink, midline white.

    Parameters
    ----------
    style
        Colours and sizes.
    show_face
        Also draw the face lines (nose, eyes, ears); off by default, as they clutter the
        face and say nothing about the chain.
    """

    style: Style = DEFAULT_STYLE
    show_face: bool = False

    def draw(self, out: np.ndarray, data: FrameData) -> None:
        """Draw on ``out`` (in place): the skeleton."""
        st = self.style
        size = data.frame_size
        width = st.px(size, frac=st.line_frac)
        min_c = st.min_confidence
        edges = []
        for a, b in SKELETON:
            if not self.show_face and (a in _FACE or b in _FACE):
                continue
            pa, pb = data.point(a, min_confidence=min_c), data.point(b, min_confidence=min_c)
            if pa is not None and pb is not None:
                edges.append((pa, pb, st.side_colour(_edge_side(a, b))))
        for pa, pb, _ in edges:
            draw.line(
                out,
                pa,
                pb,
                colour=st.outline_colour,
                thickness=width + 2 * draw.halo(thickness=width),
            )
        for pa, pb, colour in edges:
            draw.line(out, pa, pb, colour=colour, thickness=width)
        radius = st.px(size, frac=st.joint_frac, minimum=2)
        for name in _JOINTS:
            p = data.point(name, min_confidence=min_c)
            if p is not None:
                side = "left" if name.startswith("left_") else "right"
                draw.disc(
                    out, p, radius=radius, colour=st.side_colour(side), outline=st.outline_colour
                )


@dataclass(frozen=True, kw_only=True)
class LoadLineAnnotator(InPlaceAnnotator):
    """Draw the load line of the loaded leg (hip, knee, ankle, foot) in its verdict colour.

    Drawn only during a loading moment (``data.verdict`` set): green pronation, amber
    partial or missing, red collapse, grey unmeasurable; both legs in a bilateral moment.

    Parameters
    ----------
    style
        Colours and sizes.
    show_reference
        Also draw the straight hip-to-ankle line (dotted, thin): the knee's distance from it
        is what the knee angle measures.
    """

    style: Style = DEFAULT_STYLE
    show_reference: bool = True

    def draw(self, out: np.ndarray, data: FrameData) -> None:
        """Draw on ``out`` (in place): the load line."""
        if data.verdict is None or data.loaded_side is None:
            return
        st = self.style
        size = data.frame_size
        colour = st.verdict_colour(data.verdict)
        width = st.px(size, frac=st.load_line_frac, minimum=2)
        thin = st.px(size, frac=st.line_frac)
        sides = SIDES if data.loaded_side == "both" else (data.loaded_side,)
        references: list[tuple[tuple[float, float], tuple[float, float]]] = []
        for side in sides:
            names = [f"{side}_{part}" for part in ("hip", "knee", "ankle", "foot_index")]
            pts = [data.point(n, min_confidence=st.min_confidence) for n in names]
            hip, ankle = pts[0], pts[2]
            if self.show_reference and hip is not None and ankle is not None:
                references.append((hip, ankle))
            run: list[tuple[float, float]] = []
            for p in [*pts, None]:
                if p is not None:
                    run.append(p)
                    continue
                if len(run) >= 2:
                    draw.polyline(
                        out, run, colour=colour, thickness=width, outline=st.outline_colour
                    )
                run = []
            for p in pts:
                if p is not None:
                    draw.disc(out, p, radius=max(2, width // 2), colour=st.text_colour)
                    draw.disc(out, p, radius=max(1, width // 4), colour=colour)
        dot = max(1, thin // 2)
        for hip, ankle in references:  # on top, so it shows where the knee leaves the line
            draw.dotted_line(
                out,
                hip,
                ankle,
                colour=st.text_colour,
                radius=dot,
                spacing=3.5 * thin + 2,
                outline=st.outline_colour,
            )


@dataclass(frozen=True, kw_only=True)
class CentreOfMassAnnotator(InPlaceAnnotator):
    """Draw the centre of mass, its plumb line to the floor and the base-of-support bracket.

    Green when the centre of mass is inside the base of support, red when outside, grey
    when unknown. The plumb line is perpendicular to the floor segment (the floor may be
    tilted by camera roll); without a base of support it drops straight down to the feet.

    Parameters
    ----------
    style
        Colours and sizes.
    """

    style: Style = DEFAULT_STYLE

    def _colour(self, data: FrameData) -> RGB:
        if data.com_inside is None:
            return self.style.com_unknown_colour
        return self.style.com_inside_colour if data.com_inside else self.style.com_outside_colour

    def draw(self, out: np.ndarray, data: FrameData) -> None:
        """Draw on ``out`` (in place): the centre of mass and base of support."""
        st = self.style
        size = data.frame_size
        colour = self._colour(data)
        width = st.px(size, frac=1.4 * st.line_frac, minimum=2)
        plumb = st.px(size, frac=0.7 * st.line_frac, minimum=1)
        down = (0.0, 1.0)
        floor_point: tuple[float, float] | None = None
        if data.base_of_support is not None:
            a, b = data.base_of_support
            length = math.hypot(b[0] - a[0], b[1] - a[1])
            if length > 0:
                ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
                down = (-uy, ux) if ux >= 0 else (uy, -ux)
            tick = st.px(size, frac=0.025, minimum=3)
            up = (-down[0] * tick, -down[1] * tick)
            bracket = [(a[0] + up[0], a[1] + up[1]), a, b, (b[0] + up[0], b[1] + up[1])]
            draw.polyline(out, bracket, colour=colour, thickness=width, outline=st.outline_colour)
        if data.com_px is None:
            return
        com = data.com_px
        if data.base_of_support is not None:
            a = data.base_of_support[0]
            depth = (a[0] - com[0]) * down[0] + (a[1] - com[1]) * down[1]
            floor_point = (com[0] + depth * down[0], com[1] + depth * down[1])
        else:
            feet = [
                data.point(f"{s}_{p}", min_confidence=st.min_confidence)
                for s in SIDES
                for p in ("heel", "foot_index", "ankle")
            ]
            ys = [p[1] for p in feet if p is not None]
            if ys:
                floor_point = (com[0], max(ys))
        if floor_point is not None and floor_point[1] > com[1]:
            draw.dashed_line(
                out,
                com,
                floor_point,
                colour=colour,
                thickness=plumb,
                dash=4.0 * width,
                outline=st.outline_colour,
            )
            draw.disc(out, floor_point, radius=width + 1, colour=colour, outline=st.outline_colour)
        self._com_symbol(out, com, colour=colour, radius=st.px(size, frac=0.018, minimum=4))

    def _com_symbol(
        self, image: np.ndarray, centre: tuple[float, float], *, colour: RGB, radius: int
    ) -> None:
        """The usual centre-of-mass symbol: a disc with two opposite quarters filled."""
        st = self.style
        c = (round(centre[0]), round(centre[1]))
        cv2.circle(
            image, c, radius + draw.halo(thickness=radius), st.outline_colour, -1, cv2.LINE_AA
        )
        cv2.circle(image, c, radius, st.text_colour, -1, cv2.LINE_AA)
        for start in (0, 180):
            cv2.ellipse(
                image,
                c,
                (radius, radius),
                0,
                start,
                start + 90,
                st.outline_colour,
                -1,
                cv2.LINE_AA,
            )
        cv2.circle(image, c, radius, colour, max(2, radius // 4), cv2.LINE_AA)


@dataclass(frozen=True)
class _Label:
    title: str
    value: str
    word: str
    anchor: tuple[float, float]
    title_colour: RGB
    border: RGB | None
    side: int = 0
    words: tuple[str, ...] = ()  # every word this label may show: its width stays put


def _with_sigma(angle: float, sigma: float) -> str:
    """``16°`` or, with a stated uncertainty, ``16°±10``."""
    return f"{abs(angle):.0f}°" + (f"±{sigma:.0f}" if math.isfinite(sigma) else "")


def _knee_words(angle: float, *, sigma: float = math.nan) -> tuple[str, str]:
    value = _with_sigma(angle, sigma)
    if round(abs(angle)) == 0:
        return value, ""
    return value, "valgus" if angle > 0 else "varus"


THIGH_TO_CAMERA = "thigh to camera"
"""Word of a knee label whose angle is not read: the thigh points at or away from the camera
(:data:`pronate.render.support.MIN_THIGH_IMAGE_RATIO`)."""

PELVIS_LEVEL_DEG = 1.5
"""Pelvic obliquity below this is written ``level`` (within the noise of 2-D keypoints)."""


def _pelvis_words(angle: float, *, sigma: float = math.nan) -> tuple[str, str]:
    value = _with_sigma(angle, sigma)
    if abs(angle) < PELVIS_LEVEL_DEG:
        return value, "level"
    return value, "L hip up" if angle > 0 else "R hip up"


def _previous(memory: LabelMemory, title: str, scale: float) -> tuple[int, int] | None:
    entry = memory.get(title)
    if entry is None or abs(entry[1] - scale) > 1e-9:
        return None
    return entry[2]


def _roomier_side(data: FrameData, style: Style) -> int:
    """-1 or +1: the side of the frame with more room beside the body over the clip."""
    body = data.clip_body_box or data.body_extent()
    if body is None:
        return 1
    return -1 if body[0] > data.frame_size[0] - body[2] else 1


LabelMemory = dict[str, tuple[float, float, tuple[int, int]]]
"""Per label title: time of the frame, text scale, offset of the box from its anchor."""

MEMORY_GAP_S = 0.2
"""Frames further apart than this (or out of order) do not inherit label places."""


@dataclass(kw_only=True)
class AngleLabelAnnotator(InPlaceAnnotator):
    """Label the knee angle (frontal plane projection angle) of each leg and the pelvis tilt.

    Labels never cover the body: they keep off every body part (limb segments, torso,
    hands, head, swept over a short time window) and off the time strip, each near its
    joint with a leader line, preferably level with it and on its side of the body. Text is
    scaled with the frame; when room is short it shrinks (down to ``min_scale``), and a
    label that still does not fit is left out rather than drawn over the body. The loaded
    leg's label is framed in its verdict colour. Values carry their stated uncertainty
    (``16°±10``, :mod:`pronate.uncertainty`) when the frame data has one.

    While a video plays (frames in order, at most :data:`MEMORY_GAP_S` apart), a label keeps
    its place beside its joint from the previous frame unless a clearly better place
    appears, so labels do not hop about; use one instance per video. Isolated frames (key
    frames) are laid out afresh.

    Parameters
    ----------
    style
        Colours and sizes.
    avoid_timeline
        Keep labels out of the time strip's place.
    min_scale
        Smallest text size tried, as a fraction of the style's.
    """

    style: Style = DEFAULT_STYLE
    avoid_timeline: bool = True
    min_scale: float = 0.6
    _memory: LabelMemory = field(default_factory=dict, init=False, repr=False, compare=False)

    def _labels(self, data: FrameData) -> list[_Label]:
        st = self.style
        loaded = SIDES if data.loaded_side == "both" else (data.loaded_side,)
        labels = []
        for side in SIDES:
            angle = data.knee_fppa_deg[side]
            knee = data.point(f"{side}_knee", min_confidence=st.min_confidence)
            if not math.isfinite(angle) or knee is None:
                continue
            if data.thigh_foreshortened[side]:
                value, word = "–", THIGH_TO_CAMERA
            else:
                value, word = _knee_words(angle, sigma=data.fppa_uncertainty_deg)
            border = st.verdict_colour(data.verdict) if data.verdict and side in loaded else None
            labels.append(
                _Label(
                    f"{side.upper()} KNEE",
                    value,
                    word,
                    knee,
                    st.side_colour(side),
                    border,
                    words=("valgus", "varus", word),
                )
            )
        labels.sort(key=lambda lab: lab.border is None)
        hips = [data.point(f"{s}_hip", min_confidence=st.min_confidence) for s in SIDES]
        if math.isfinite(data.pelvic_obliquity_deg) and hips[0] and hips[1]:
            mid = (0.5 * (hips[0][0] + hips[1][0]), 0.5 * (hips[0][1] + hips[1][1]))
            value, word = _pelvis_words(
                data.pelvic_obliquity_deg, sigma=data.obliquity_uncertainty_deg
            )
            labels.append(
                _Label(
                    "PELVIS",
                    value,
                    word,
                    mid,
                    st.centre_colour,
                    None,
                    _roomier_side(data, st),
                    words=("L hip up", "R hip up", "level"),
                )
            )
        return labels

    def label_boxes(self, data: FrameData) -> list[tuple[int, int, int, int]]:
        """Return the boxes the labels of ``data`` would be drawn in, laid out afresh."""
        return [box for _, box, _ in self._layout(data, {})[0] if box is not None]

    def _metrics(self, label: _Label, *, cap: float, small: float) -> tuple[int, int, int]:
        pad = round(0.45 * small)
        title_w, _ = draw.text_size(label.title, cap_px=small)
        template = "~88°" if label.value.startswith("~") else "88°"
        value_w = max(draw.text_size(v, cap_px=cap)[0] for v in (label.value, template))
        words = [w for w in (label.word, *label.words) if w]
        word_w = max((draw.text_size(w, cap_px=small)[0] for w in words), default=0)
        word_d = max((draw.text_size(w, cap_px=small)[1] for w in words), default=0)
        space = round(0.35 * small) if words else 0
        w = 2 * pad + max(title_w, value_w + space + word_w)
        h = pad + round(small) + round(0.55 * small) + round(cap) + max(word_d, pad)
        return w, h, pad

    def _recall(self, data: FrameData) -> LabelMemory:
        """The remembered places that apply to ``data`` (frames in order, close in time)."""
        return {
            title: entry
            for title, entry in self._memory.items()
            if 0 < data.time_s - entry[0] <= MEMORY_GAP_S
        }

    def _layout(
        self, data: FrameData, memory: LabelMemory
    ) -> tuple[list[tuple[_Label, tuple[int, int, int, int] | None, float]], float]:
        st = self.style
        size = data.frame_size
        labels = self._labels(data)
        body = data.body_extent()
        if not labels or body is None:
            return [], 1.0
        obstacles: list[Sequence[float]] = list(data.parts())
        if self.avoid_timeline:
            obstacles.append(timeline_layout(data, st).block)
        best: list[tuple[_Label, tuple[int, int, int, int] | None, float]] = []
        best_count = -1
        scale = 1.0
        while True:
            cap = st.text_frac * st.unit(size) * scale
            small = st.small_text_frac * st.unit(size) * scale
            sizes = [self._metrics(lab, cap=cap, small=small)[:2] for lab in labels]
            boxes = place_labels(
                [
                    LabelRequest(
                        size=s,
                        anchor=lab.anchor,
                        side=lab.side,
                        previous=_previous(memory, lab.title, scale),
                    )
                    for s, lab in zip(sizes, labels, strict=True)
                ],
                frame_size=size,
                obstacles=obstacles,
                body_centre_x=0.5 * (body[0] + body[2]),
                margin=st.px(size, frac=st.margin_frac),
                gap=st.px(size, frac=st.gap_frac, minimum=2),
            )
            count = sum(b is not None for b in boxes)
            if count > best_count:
                best = [(lab, box, scale) for lab, box in zip(labels, boxes, strict=True)]
                best_count = count
            if count == len(labels) or scale <= self.min_scale + 1e-9:
                return best, best[0][2] if best else 1.0
            scale = max(self.min_scale, scale * 0.85)

    def draw(self, out: np.ndarray, data: FrameData) -> None:
        """Draw on ``out`` (in place): the angle labels."""
        st = self.style
        placed, _ = self._layout(data, self._recall(data))
        self._memory.clear()
        if math.isfinite(data.time_s):
            for label, box, scale in placed:
                if box is not None:
                    offset = (box[0] - round(label.anchor[0]), box[1] - round(label.anchor[1]))
                    self._memory[label.title] = (data.time_s, scale, offset)
        unit = st.unit(data.frame_size)
        thin = max(1, round(0.6 * st.px(data.frame_size, frac=st.line_frac)))
        for label, box, scale in placed:
            if box is None:
                continue
            cap = st.text_frac * unit * scale
            small = st.small_text_frac * unit * scale
            end = nearest_point_on_box(box, label.anchor)
            draw.line(
                out,
                end,
                label.anchor,
                colour=st.text_colour,
                thickness=thin,
                outline=st.outline_colour,
            )
            draw.disc(
                out,
                label.anchor,
                radius=thin + 2,
                colour=st.text_colour,
                outline=st.outline_colour,
            )
            draw.blend_box(out, box, st.panel_colour, alpha=st.panel_alpha)
            if label.border is not None:
                border = max(2, round(0.12 * small))
                cv2.rectangle(
                    out,
                    (box[0], box[1]),
                    (box[2] - 1, box[3] - 1),
                    label.border,
                    border,
                    cv2.LINE_AA,
                )
            _, _, pad = self._metrics(label, cap=cap, small=small)
            x = box[0] + pad
            y_title = box[1] + pad + round(small)
            draw.draw_text(out, label.title, (x, y_title), cap_px=small, colour=label.title_colour)
            y_value = y_title + round(0.55 * small) + round(cap)
            draw.draw_text(out, label.value, (x, y_value), cap_px=cap, colour=st.text_colour)
            if label.word:
                vw, _ = draw.text_size(label.value, cap_px=cap)
                draw.draw_text(
                    out,
                    label.word,
                    (x + vw + round(0.35 * small), y_value),
                    cap_px=small,
                    colour=st.muted_text_colour,
                )


@dataclass(frozen=True, kw_only=True)
class TimelineAnnotator(InPlaceAnnotator):
    """Draw the time strip: loading moments coloured by verdict, a playhead, and a caption.

    The strip has a lane per leg (``L`` above, ``R`` below; bilateral moments span both).
    The caption names the current moment and its verdict in words. The strip sits at the
    bottom of the frame, or at the top when the body reaches the bottom over the clip.

    Parameters
    ----------
    style
        Colours and sizes.
    """

    style: Style = DEFAULT_STYLE

    def draw(self, out: np.ndarray, data: FrameData) -> None:
        """Draw on ``out`` (in place): the time strip."""
        duration = data.duration_s
        if not (math.isfinite(duration) and duration > 0):
            return
        st = self.style
        size = data.frame_size
        lay = timeline_layout(data, st)
        sx0, sy0, sx1, sy1 = lay.strip
        small = st.small_text_frac * st.unit(size)
        draw.blend_box(out, lay.strip, st.panel_colour, alpha=st.panel_alpha)
        pad = max(2, round(0.12 * (sy1 - sy0)))
        mid = (sy0 + sy1) // 2
        lanes = {"left": (sy0 + pad, mid - 1), "right": (mid + 1, sy1 - pad)}
        letter_cap = 0.85 * (mid - 1 - sy0 - pad)
        lane_label_w = round(2.2 * letter_cap)
        tx0, tx1 = sx0 + lane_label_w, sx1 - pad
        for side, (ly0, ly1) in lanes.items():
            letter = "L" if side == "left" else "R"
            lw, _ = draw.text_size(letter, cap_px=letter_cap)
            draw.draw_text(
                out,
                letter,
                (sx0 + (lane_label_w - lw) / 2, ly1 - (ly1 - ly0 - letter_cap) / 2),
                cap_px=letter_cap,
                colour=st.side_colour(side),
            )

        def x_of(t: float) -> int:
            return round(tx0 + (tx1 - tx0) * min(max(t / duration, 0.0), 1.0))

        for moment in data.moments:
            colour = st.verdict_colour(moment.verdict)
            y0 = lanes["left"][0] if moment.side in ("left", "both") else lanes["right"][0]
            y1 = lanes["right"][1] if moment.side in ("right", "both") else lanes["left"][1]
            x0, x1 = x_of(moment.start_s), max(x_of(moment.start_s) + 2, x_of(moment.end_s))
            cv2.rectangle(out, (x0, y0), (x1, y1), colour, -1)
            if data.moment is not None and moment.number == data.moment.number:
                cv2.rectangle(out, (x0, y0), (x1, y1), st.text_colour, max(1, pad // 2))
        tick = max(1, round(0.25 * (sy1 - sy0)))
        every = 1.0 if duration <= 20 else 5.0 if duration <= 120 else 30.0
        for k in range(1, int(duration / every) + 1):
            x = x_of(k * every)
            cv2.line(out, (x, sy1 - tick), (x, sy1 - 1), st.muted_text_colour, 1, cv2.LINE_AA)
        if math.isfinite(data.time_s):
            x = x_of(data.time_s)
            width = max(2, round(0.6 * st.px(size, frac=st.line_frac)))
            draw.line(
                out,
                (x, sy0 - pad),
                (x, sy1 + pad),
                colour=st.text_colour,
                thickness=width,
                outline=st.outline_colour,
            )
        self._caption(out, data, lay.caption, small=small)

    def _caption(
        self, image: np.ndarray, data: FrameData, row: tuple[int, int, int, int], *, small: float
    ) -> None:
        st = self.style
        cap = st.text_frac * st.unit(data.frame_size) * 0.8
        baseline = row[3] - round(0.3 * cap) if not self._top(data) else row[1] + round(1.3 * cap)
        parts: list[tuple[str, RGB, float]] = []
        if math.isfinite(data.time_s):
            clock = f"{data.time_s:.1f} s"
            parts.append((clock, st.muted_text_colour, 0.8 * cap))
        moment = data.moment
        if moment is not None:
            side = "BOTH LEGS" if moment.side == "both" else f"{moment.side.upper()} LEG"
            parts.append((f"{side}  {moment.kind_words}", st.side_colour(moment.side), cap))
            if moment.verdict is not None:
                word = VERDICT_WORDS.get(moment.verdict, moment.verdict.upper())
                parts.append((word, st.verdict_colour(moment.verdict), cap))
        gap = round(0.8 * cap)
        widths = [draw.text_size(text, cap_px=c)[0] for text, _, c in parts]
        total = sum(widths) + gap * (len(parts) - 1)
        x = row[0]
        if total > row[2] - row[0] and len(parts) > 1:
            parts, widths = parts[1:], widths[1:]  # drop the clock first
            total = sum(widths) + gap * (len(parts) - 1)
        pad = round(0.3 * cap)
        draw.blend_box(
            image,
            (x, baseline - round(cap) - pad, x + total + 2 * pad, baseline + 2 * pad),
            st.panel_colour,
            alpha=st.panel_alpha,
        )
        x += pad
        for (text, colour, c), w in zip(parts, widths, strict=True):
            draw.draw_text(image, text, (x, baseline), cap_px=c, colour=colour)
            x += w + gap

    def _top(self, data: FrameData) -> bool:
        return timeline_layout(data, self.style).at_top


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
        out = _start(frame, data)
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

"""The angle labels: knee FPPA and pelvic obliquity beside the body, with their
uncertainty, steady from frame to frame while a video plays."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from pronate.outputs.render import draw
from pronate.outputs.render.annotator import InPlaceAnnotator
from pronate.outputs.render.frame_data import FrameData
from pronate.outputs.render.layout import (
    LabelRequest,
    nearest_point_on_box,
    place_labels,
    timeline_layout,
)
from pronate.outputs.render.style import DEFAULT_STYLE, RGB, Style
from pronate.pose.keypoints import SIDES


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
(:data:`pronate.outputs.render.support.MIN_THIGH_IMAGE_RATIO`)."""

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
    (``16°±10``, :mod:`pronate.metrics.uncertainty`) when the frame data has one.

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

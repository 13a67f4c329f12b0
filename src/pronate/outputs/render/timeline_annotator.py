"""The time strip: the clip's loading moments, their verdicts and the play head."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pronate.outputs.render import draw
from pronate.outputs.render.annotator import InPlaceAnnotator
from pronate.outputs.render.frame_data import FrameData
from pronate.outputs.render.layout import timeline_layout
from pronate.outputs.render.moments import kind_words
from pronate.outputs.render.style import DEFAULT_STYLE, RGB, VERDICT_WORDS, Style


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

        for assessment in data.moments:
            colour = st.verdict_colour(assessment.verdict)
            moment = assessment.moment
            y0 = lanes["left"][0] if moment.side in ("left", "both") else lanes["right"][0]
            y1 = lanes["right"][1] if moment.side in ("right", "both") else lanes["left"][1]
            x0, x1 = x_of(moment.start_s), max(x_of(moment.start_s) + 2, x_of(moment.end_s))
            cv2.rectangle(out, (x0, y0), (x1, y1), colour, -1)
            if assessment is data.moment:
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
        if data.moment is not None:
            moment, verdict = data.moment.moment, data.moment.verdict
            side = "BOTH LEGS" if moment.side == "both" else f"{moment.side.upper()} LEG"
            parts.append((f"{side}  {kind_words(moment.kind)}", st.side_colour(moment.side), cap))
            word = VERDICT_WORDS.get(verdict, verdict.upper())
            parts.append((word, st.verdict_colour(verdict), cap))
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

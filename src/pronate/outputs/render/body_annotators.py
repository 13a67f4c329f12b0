"""Annotators of the body: skeleton, load line, centre of mass over the base of support."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pronate.outputs.render import draw
from pronate.outputs.render.annotator import InPlaceAnnotator
from pronate.outputs.render.frame_data import FrameData
from pronate.outputs.render.style import DEFAULT_STYLE, RGB, Style
from pronate.pose.keypoints import SIDES, SKELETON


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

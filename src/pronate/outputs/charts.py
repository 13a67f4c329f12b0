"""The SVG charts of pronate: one plot area, straight lines, bands, markers, text, a legend.

Both the report's plots (:mod:`pronate.outputs.report.plots`, shown as ``data:`` URIs)
and the workspace's trend plots (:mod:`pronate.app.web.plots`, inline in the page) are
drawn with :class:`Chart`. The plots are simple (a few lines, shaded moments, a band or
two), so they are written as SVG text directly: a few milliseconds a plot instead of the
tenths of a second matplotlib spends on layout, and no global state touched.
:class:`Chart` maps data to pixels of a plot area inside a picture of ``width`` x
``height`` pixels (the ``viewBox``; the page scales it); every mark is clipped to the
plot area except text. Every word put on a chart is escaped here, so the SVG text is
safe to insert into HTML as it is.

Colours are ``#rrggbb`` strings; dash styles are matplotlib's ``"-"``, ``"--"`` and
``":"``. The round ticks of the axes and their labels come from
:mod:`pronate.outputs.chart_ticks`.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Final

import numpy as np

from pronate.outputs.chart_ticks import nice_ticks, tick_text

FONT: Final[str] = "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"
INK: Final[str] = "#37424b"
GRID: Final[str] = "#e3e7ea"
AXIS: Final[str] = "#9aa5ae"
DASHES: Final[dict[str, str]] = {"-": "", "--": "5 3", ":": "1.2 2.4"}


def num(value: float) -> str:
    """A coordinate with at most one decimal (``12.0`` -> ``12``)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def runs(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The stretches of consecutive finite points of ``(x, y)``."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.view(np.int8), [0]])))
    return [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def svg_uri(text: str) -> str:
    """``data:image/svg+xml;base64,...`` of an SVG document."""
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def _stroke(colour: str, width: float, style: str, opacity: float) -> str:
    dash = DASHES.get(style, "")
    parts = [f'stroke="{colour}" stroke-width="{num(width)}"']
    if dash:
        parts.append(f'stroke-dasharray="{dash}"')
    if opacity < 1.0:
        parts.append(f'stroke-opacity="{opacity:g}"')
    return " ".join(parts)


def _end(tag: str, tip: str) -> str:
    """The end of element ``tag``: ``/>``, or its tooltip ``tip`` and its end tag."""
    return f"><title>{escape(tip, quote=False)}</title></{tag}>" if tip else "/>"


@dataclass(kw_only=True)
class Chart:
    """An SVG picture with one plot area.

    Attributes
    ----------
    width, height
        The picture in pixels (its ``viewBox``).
    margin
        Left, top, right and bottom margins of the plot area, in pixels.
    xlim, ylim
        The data limits of the plot area.
    font
        Font size of labels and titles in pixels (tick labels and legends a little
        smaller).
    ident
        The id of the plot area's clip path. A picture shown as an ``<img>`` (the
        report's) has ids of its own; SVG put inline into a page shares the page's ids,
        so each chart of the page needs its own.
    """

    width: float
    height: float
    margin: tuple[float, float, float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    font: float = 12.0
    ident: str = "area"
    _under: list[str] = field(default_factory=list, repr=False)
    _over: list[str] = field(default_factory=list, repr=False)
    _frame: list[str] = field(default_factory=list, repr=False)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom of the plot area in pixels."""
        left, top, right, bottom = self.margin
        return left, top, self.width - right, self.height - bottom

    @property
    def _clip(self) -> str:
        return f'clip-path="url(#{escape(self.ident)})"'

    def x(self, value: float | np.ndarray) -> float | np.ndarray:
        """Pixel column of data ``value``."""
        x0, _, x1, _ = self.box
        lo, hi = self.xlim
        return x0 + (value - lo) * (x1 - x0) / (hi - lo)

    def y(self, value: float | np.ndarray) -> float | np.ndarray:
        """Pixel row of data ``value`` (up is larger)."""
        _, y0, _, y1 = self.box
        lo, hi = self.ylim
        return y1 - (value - lo) * (y1 - y0) / (hi - lo)

    # ------------------------------------------------------------------ marks

    def line(
        self,
        x: Sequence[float] | np.ndarray,
        y: Sequence[float] | np.ndarray,
        *,
        colour: str,
        width: float = 1.5,
        style: str = "-",
        opacity: float = 1.0,
    ) -> None:
        """A line through the points; gaps where ``x`` or ``y`` is not finite."""
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        paths = []
        for xs, ys in runs(xa, ya):
            px, py = np.asarray(self.x(xs)), np.asarray(self.y(ys))
            points = " ".join(f"{num(a)},{num(b)}" for a, b in zip(px, py, strict=True))
            paths.append(f"M{points}" if len(xs) > 1 else "")
        d = "".join(p for p in paths if p)
        if d:
            self._over.append(
                f'<path d="{d}" fill="none" {_stroke(colour, width, style, opacity)} '
                f'stroke-linejoin="round" {self._clip}/>'
            )

    def hspan(self, lo: float, hi: float, *, colour: str, opacity: float, tip: str = "") -> None:
        """A horizontal band between data rows ``lo`` and ``hi``, under everything;
        ``tip`` is its tooltip."""
        x0, _, x1, _ = self.box
        top, bottom = sorted((float(self.y(hi)), float(self.y(lo))))
        self._under.append(
            f'<rect x="{num(x0)}" y="{num(top)}" width="{num(x1 - x0)}" '
            f'height="{num(bottom - top)}" fill="{colour}" fill-opacity="{opacity:g}" '
            f"{self._clip}{_end('rect', tip)}"
        )

    def vspan(self, lo: float, hi: float, *, colour: str, opacity: float) -> None:
        """A vertical band between data columns ``lo`` and ``hi``, under everything."""
        _, y0, _, y1 = self.box
        left, right = sorted((float(self.x(lo)), float(self.x(hi))))
        self._under.append(
            f'<rect x="{num(left)}" y="{num(y0)}" width="{num(right - left)}" '
            f'height="{num(y1 - y0)}" fill="{colour}" fill-opacity="{opacity:g}" {self._clip}/>'
        )

    def hline(self, value: float, *, colour: str, width: float = 0.8, style: str = "-") -> None:
        """A horizontal line across the plot area at data row ``value``."""
        self.line(list(self.xlim), [value, value], colour=colour, width=width, style=style)

    def vline(
        self,
        value: float,
        *,
        colour: str,
        width: float = 0.8,
        style: str = "-",
        opacity: float = 1.0,
    ) -> None:
        """A vertical line across the plot area at data column ``value``."""
        self.line(
            [value, value],
            [self.ylim[0], self.ylim[1]],
            colour=colour,
            width=width,
            style=style,
            opacity=opacity,
        )

    def marker(
        self,
        x: float,
        y: float,
        *,
        shape: str,
        colour: str,
        size: float,
        fill: str | None = None,
        tip: str = "",
    ) -> None:
        """A ``"circle"`` or a ``"star"`` of diameter ``size`` pixels at a data point;
        ``tip`` is its tooltip."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        cx, cy = float(self.x(x)), float(self.y(y))
        if shape == "circle":
            self._over.append(
                f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(size / 2)}" '
                f'fill="{fill or colour}" stroke="{colour}" stroke-width="1.5"{_end("circle", tip)}'
            )
            return
        points = []
        for k in range(10):
            r = size / 2 if k % 2 == 0 else size / 5
            a = math.pi / 2 + k * math.pi / 5
            points.append(f"{num(cx + r * math.cos(a))},{num(cy - r * math.sin(a))}")
        self._over.append(
            f'<polygon points="{" ".join(points)}" fill="{fill or colour}"{_end("polygon", tip)}'
        )

    def text(
        self,
        x: float,
        y: float,
        words: str,
        *,
        colour: str = INK,
        size: float | None = None,
        anchor: str = "start",
        below: bool = False,
        dx: float = 0.0,
        dy: float = 0.0,
        bold: bool = False,
        pixels: bool = False,
        css_class: str = "",
    ) -> None:
        """Text at a data point (or at pixels with ``pixels``), above it or ``below``.

        ``anchor`` is SVG's ``text-anchor`` (``start``, ``middle``, ``end``); ``dx`` and
        ``dy`` shift it by pixels (``dy`` up); ``css_class`` names the element for a page
        that shows the SVG inline.
        """
        px = x if pixels else float(self.x(x))
        py = y if pixels else float(self.y(y))
        size = size or self.font
        py = py + (size * 0.95 if below else -size * 0.3) - dy
        weight = ' font-weight="bold"' if bold else ""
        klass = f' class="{escape(css_class)}"' if css_class else ""
        self._over.append(
            f'<text x="{num(px + dx)}" y="{num(py)}" fill="{colour}" font-size="{num(size)}" '
            f'text-anchor="{anchor}"{weight}{klass}>{escape(words, quote=False)}</text>'
        )

    # ------------------------------------------------------------------ frame

    def axes(
        self,
        *,
        xlabel: str = "",
        ylabel: str = "",
        title: str = "",
        xticks: Sequence[tuple[float, str]] | None = None,
    ) -> None:
        """Grid, left and bottom axis lines, ticks, labels and a title at the top left.

        The ticks are round numbers; ``xticks`` gives the columns' ``(value, label)``
        instead (categories such as dates). Empty labels are left out.
        """
        x0, y0, x1, y1 = self.box
        f = self.font
        if xticks is None:
            values, xstep = nice_ticks(*self.xlim, target=max(3, round((x1 - x0) / 80)))
            xticks = [(v, tick_text(v, xstep)) for v in values]
        yticks, ystep = nice_ticks(*self.ylim, target=max(3, round((y1 - y0) / 34)))
        grid, labels = [], []
        for v, words in xticks:
            px = num(float(self.x(v)))
            grid.append(f"M{px},{num(y0)}V{num(y1)}")
            labels.append(
                f'<text x="{px}" y="{num(y1 + f + 3)}" text-anchor="middle">'
                f"{escape(words, quote=False)}</text>"
            )
        for v in yticks:
            py = num(float(self.y(v)))
            grid.append(f"M{num(x0)},{py}H{num(x1)}")
            labels.append(
                f'<text x="{num(x0 - 5)}" y="{num(float(py) + f * 0.35)}" text-anchor="end">'
                f"{tick_text(v, ystep)}</text>"
            )
        self._under.insert(
            0, f'<path d="{"".join(grid)}" stroke="{GRID}" stroke-width="0.8" fill="none"/>'
        )
        mid_y = (y0 + y1) / 2
        frame = [
            f'<path d="M{num(x0)},{num(y0)}V{num(y1)}H{num(x1)}" stroke="{AXIS}" '
            'stroke-width="1" fill="none"/>',
            f'<g fill="#5b6670" font-size="{num(f * 0.92)}">{"".join(labels)}</g>',
        ]
        if xlabel:
            frame.append(
                f'<text x="{num((x0 + x1) / 2)}" y="{num(self.height - 4)}" '
                f'text-anchor="middle" fill="{INK}">{escape(xlabel, quote=False)}</text>'
            )
        if ylabel:
            frame.append(
                f'<text transform="translate({num(f + 2)},{num(mid_y)}) rotate(-90)" '
                f'text-anchor="middle" fill="{INK}">{escape(ylabel, quote=False)}</text>'
            )
        if title:
            frame.append(
                f'<text x="{num(x0)}" y="{num(f + 4)}" fill="{INK}" font-weight="bold">'
                f"{escape(title, quote=False)}</text>"
            )
        self._frame.extend(frame)

    def legend(self, items: Iterable[tuple[str, str, str]], *, place: str = "above") -> None:
        """A legend of ``(label, colour, style)`` line samples: one row in the top margin
        (``"above"``, the margin must have room) or one column on a light backdrop in the
        lower right corner of the plot area (``"lower right"``)."""
        x0, _, x1, y1 = self.box
        entries = list(items)
        if not entries:
            return
        f = self.font * 0.9
        sample = 18.0
        out = []
        if place == "above":
            widths = [sample + 5 + 0.56 * f * len(label) + 16 for label, _, _ in entries]
            cells = [(x0 + sum(widths[:k]), f * 0.9 + 2) for k in range(len(entries))]
        else:
            width = sample + 5 + 0.56 * f * max(len(label) for label, _, _ in entries)
            step = f * 1.35
            cells = [
                (x1 - width - 6, y1 - 8 - step * (len(entries) - 1 - k))
                for k in range(len(entries))
            ]
            height = step * len(entries) + 4
            out.append(
                f'<rect x="{num(x1 - width - 10)}" y="{num(y1 - 8 - height + f * 0.6)}" '
                f'width="{num(width + 8)}" height="{num(height)}" fill="#fff" fill-opacity="0.75"/>'
            )
        for (label, colour, style), (cx, cy) in zip(entries, cells, strict=True):
            out.append(
                f'<path d="M{num(cx)},{num(cy)}h{num(sample)}" '
                f"{_stroke(colour, 1.8, style, 1.0)}/>"
                f'<text x="{num(cx + sample + 5)}" y="{num(cy + f * 0.35)}" '
                f'font-size="{num(f)}" fill="{INK}">{escape(label, quote=False)}</text>'
            )
        self._frame.append(f"<g>{''.join(out)}</g>")

    def render(self, *, css_class: str = "", label: str = "") -> str:
        """The SVG document; ``css_class`` and the accessible ``label`` (a picture's
        ``alt``) are for a page that shows it inline."""
        x0, y0, x1, y1 = self.box
        klass = f' class="{escape(css_class)}"' if css_class else ""
        if label:
            klass += f' role="img" aria-label="{escape(label)}"'
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg"{klass} viewBox="0 0 {num(self.width)} '
            f'{num(self.height)}" width="{num(self.width)}" height="{num(self.height)}" '
            f'font-family="{FONT}" font-size="{num(self.font)}">'
            f'<clipPath id="{escape(self.ident)}"><rect x="{num(x0)}" y="{num(y0)}" '
            f'width="{num(x1 - x0)}" '
            f'height="{num(y1 - y0)}"/></clipPath>'
            f'<rect width="100%" height="100%" fill="#fff"/>'
            + "".join(self._under)
            + "".join(self._over)
            + "".join(self._frame)
            + "</svg>"
        )

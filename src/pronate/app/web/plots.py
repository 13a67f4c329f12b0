"""Trend plots of the timeline as inline SVG drawn on the server (no script, no CDN)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

COLOURS = {"left": "#1f77b4", "right": "#d62728"}
Scale = Callable[[float], float]
WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 560, 200, 52, 16, 24, 40


@dataclass(frozen=True)
class Series:
    """Values of one side over the sessions (``None``: not measured)."""

    side: str
    values: list[float | None]
    errors: list[float | None]


def _range(series: list[Series], band: tuple[float | None, float | None]) -> tuple[float, float]:
    values = [
        v
        for s in series
        for v, e in zip(s.values, s.errors, strict=True)
        if v is not None
        for v in (v - (e or 0), v + (e or 0))
    ]
    values += [b for b in band if b is not None]
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    return lo - 0.1 * span, hi + 0.1 * span


def trend_svg(
    *,
    title: str,
    labels: list[str],
    series: list[Series],
    band: tuple[float | None, float | None],
    marks: dict[int, str],
) -> str:
    """An SVG line plot: one line per side, error bars, the normal band shaded and
    vertical marks at some sessions (index -> label)."""
    lo, hi = _range(series, band)
    n = max(len(labels), 1)

    def x(i: float) -> float:
        inner = WIDTH - PAD_L - PAD_R
        return PAD_L + (inner * (i + 0.5) / n)

    def y(v: float) -> float:
        return PAD_T + (HEIGHT - PAD_T - PAD_B) * (hi - v) / (hi - lo)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="trend" role="img" aria-label="{escape(title)}">',
        f'<text x="{PAD_L}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    b_lo = lo if band[0] is None else max(band[0], lo)
    b_hi = hi if band[1] is None else min(band[1], hi)
    if b_hi > b_lo:
        parts.append(
            f'<rect x="{PAD_L}" y="{y(b_hi):.1f}" width="{WIDTH - PAD_L - PAD_R}" '
            f'height="{y(b_lo) - y(b_hi):.1f}" fill="#2ca02c" fill-opacity="0.12">'
            "<title>normal band</title></rect>"
        )
    parts += _axes(lo, hi, labels, x, y)
    for i, text in marks.items():
        parts.append(
            f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{PAD_T}" y2="{HEIGHT - PAD_B}" '
            'stroke="#2ca02c" stroke-dasharray="4 3"/>'
            f'<text x="{x(i) + 3:.1f}" y="{PAD_T + 10}" font-size="10" fill="#2ca02c">'
            f"{escape(text)}</text>"
        )
    for s in series:
        parts += _line(s, x, y)
    if not any(v is not None for s in series for v in s.values):
        parts.append(
            f'<text x="{(PAD_L + WIDTH - PAD_R) / 2:.0f}" y="{HEIGHT / 2:.0f}" font-size="12" '
            'text-anchor="middle" fill="#5b6670" class="unmeasured">'
            "not measured in these sessions</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _axes(lo: float, hi: float, labels: list[str], x: Scale, y: Scale) -> list[str]:
    out = [
        f'<line x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{HEIGHT - PAD_B}" stroke="#555"/>',
        f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{HEIGHT - PAD_B}" '
        f'y2="{HEIGHT - PAD_B}" stroke="#555"/>',
    ]
    for v in _ticks(lo, hi):
        out.append(
            f'<text x="{PAD_L - 4}" y="{y(v) + 3:.1f}" font-size="10" text-anchor="end">'
            f"{v:g}</text>"
        )
    for i, label in enumerate(labels):
        out.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return out


def _ticks(lo: float, hi: float) -> list[float]:
    step = 10 ** math.floor(math.log10((hi - lo) / 2 or 1.0))
    while (hi - lo) / step > 6:
        step *= 2
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 10) for k in range(int((hi - first) / step) + 1)]


def _line(s: Series, x: Scale, y: Scale) -> list[str]:
    colour = COLOURS.get(s.side, "#333")
    points = [(i, v) for i, v in enumerate(s.values) if v is not None]
    out = []
    if len(points) > 1:
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for i, v in points:
        err = s.errors[i]
        if err:
            out.append(
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(v - err):.1f}" '
                f'y2="{y(v + err):.1f}" stroke="{colour}" stroke-opacity="0.6"/>'
            )
        out.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(s.side)}: {v:.2f}</title></circle>"
        )
    return out

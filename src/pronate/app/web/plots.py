"""Trend plots of the timeline as inline SVG drawn on the server (no script, no CDN), with
the charts of :mod:`pronate.outputs.charts`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pronate.outputs.charts import Chart

COLOURS: Final[dict[str, str]] = {"left": "#1f77b4", "right": "#d62728", "both": "#333333"}
"""Line colours of the sides (as the legend of the timeline page); ``both``: a number of
the whole body in a two-leg moment (pelvis, balance)."""
BAND: Final[str] = "#2ca02c"
"""The normal band and the marks of the sessions."""
MUTED: Final[str] = "#5b6670"
WIDTH, HEIGHT = 560.0, 200.0
MARGIN: Final[tuple[float, float, float, float]] = (52.0, 24.0, 16.0, 40.0)


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
    ident: str = "trend",
) -> str:
    """An SVG line plot of sessions: one line per side, error bars, the normal band
    shaded and vertical marks at some sessions.

    Parameters
    ----------
    title
        The plot's title (and its accessible label).
    labels
        The sessions, in order (the x axis).
    series
        The values of each side, one per session.
    band
        Low and high end of the normal band; ``None``: open on that side.
    marks
        Session index -> words marked there (e.g. *first pronation (left)*).
    ident
        Unique on the page: the SVG is inline, its ids are the page's.

    Returns
    -------
    str
        The ``<svg class="trend">`` element.
    """
    n = max(len(labels), 1)
    lo, hi = _range(series, band)
    chart = Chart(
        width=WIDTH,
        height=HEIGHT,
        margin=MARGIN,
        xlim=(-0.5, n - 0.5),
        ylim=(lo, hi),
        ident=ident,
    )
    b_lo = lo if band[0] is None else max(band[0], lo)
    b_hi = hi if band[1] is None else min(band[1], hi)
    if b_hi > b_lo:
        chart.hspan(b_lo, b_hi, colour=BAND, opacity=0.12, tip="normal band")
    for i, words in marks.items():
        chart.vline(i, colour=BAND, width=1.0, style="--")
        chart.text(i, hi, words, colour=BAND, size=10.0, below=True, dx=3.0)
    for s in series:
        _draw(chart, s)
    if not any(v is not None for s in series for v in s.values):
        x0, y0, x1, y1 = chart.box
        words = "not measured in these sessions"
        middle = ((x0 + x1) / 2, (y0 + y1) / 2)
        chart.text(
            *middle, words, colour=MUTED, anchor="middle", pixels=True, css_class="unmeasured"
        )
    chart.axes(title=title, xticks=list(enumerate(labels)))
    return chart.render(css_class="trend", label=title)


def _draw(chart: Chart, s: Series) -> None:
    """One side: its line through the measured sessions, error bars and points."""
    colour = COLOURS.get(s.side, "#333333")
    points = [(i, v) for i, v in enumerate(s.values) if v is not None]
    if len(points) > 1:
        chart.line([i for i, _ in points], [v for _, v in points], colour=colour, width=2.0)
    for i, v in points:
        err = s.errors[i]
        if err:
            chart.line([i, i], [v - err, v + err], colour=colour, width=1.0, opacity=0.6)
        chart.marker(
            i, v, shape="circle", colour=colour, size=6.5, fill=colour, tip=f"{s.side}: {v:.2f}"
        )

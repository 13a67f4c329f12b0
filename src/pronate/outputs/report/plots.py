"""The report's plots as SVG ``data:`` URIs: the time plots of the chain and the
femur–tibia angle–angle plot of each moment (drawn with :mod:`pronate.outputs.charts`).

Time plots show knee FPPA, femur and tibia tilt, pelvic obliquity and shift and the
centre-of-mass margin over the clip, with the moments shaded by verdict and the normative
bands of :mod:`pronate.verdict.thresholds` drawn. Each is drawn twice: wide for a laptop and
narrower and taller for a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr

from pronate.outputs.charts import INK, Chart, svg_uri
from pronate.outputs.report.values import SIDE_HEX, VERDICT_HEX
from pronate.verdict.assessment import Assessment
from pronate.verdict.thresholds import Thresholds

WIDE: Final[tuple[float, float]] = (720.0, 230.0)
"""Width and height of a time plot for a laptop, in pixels."""
NARROW: Final[tuple[float, float]] = (420.0, 280.0)
"""Width and height of a time plot for a phone, in pixels."""
MUTED: Final[str] = "#5b6670"
RED: Final[str] = "#b3261e"
GREEN: Final[str] = "#28c85a"


def _series(metrics: xr.Dataset, name: str) -> np.ndarray:
    if name not in metrics:
        return np.full(metrics.sizes["time"], np.nan)
    values = np.asarray(metrics[name].values)
    if values.dtype.kind not in "fiu":
        return np.full(metrics.sizes["time"], np.nan)
    return values.astype(np.float64)


def _standing(metrics: xr.Dataset, leg: str) -> np.ndarray | None:
    """Frames where ``leg`` is on the floor (``stance`` is the leg or ``both``); ``None``
    for a series that is not a leg's, or without a stance variable."""
    if leg not in ("left", "right") or "stance" not in metrics:
        return None
    stance = np.asarray(metrics["stance"].values).astype(str)
    return np.isin(stance, (leg, "both"))


@dataclass(frozen=True)
class Panel:
    """One time plot of the report.

    Attributes
    ----------
    key
        Identifier (HTML id ``plot-KEY``).
    title
        Title in words.
    explain
        What the value means, its sign, and the band drawn (plain text).
    unit
        Unit of the y axis.
    series
        ``(variable, label, colour, style)`` of each line.
    sign
        Factor applied to every series (``-1`` shows the tibia's medial tilt).
    """

    key: str
    title: str
    explain: str
    unit: str
    series: tuple[tuple[str, str, str, str], ...]
    sign: float = 1.0


def panels(th: Thresholds) -> tuple[Panel, ...]:
    """The time plots, with the normative bands of ``th`` in their explanations."""
    left, right = SIDE_HEX["left"], SIDE_HEX["right"]

    def legs(stem: str) -> tuple[tuple[str, str, str, str], ...]:
        return (
            (f"{stem}_left_deg", "left", left, "-"),
            (f"{stem}_right_deg", "right", right, "-"),
        )

    return (
        Panel(
            "fppa",
            "Knee angle in the frontal plane (FPPA)",
            "Positive: the knee is toward the midline of the hip–ankle line (valgus); negative: "
            f"outward (varus). Green band: the normal band at the peak, up to "
            f"{th.fppa_max_deg:g}° (the 95th percentile of healthy single-leg squats, Munro "
            f"2012); a moment needs at least {th.valgus_change_min_deg:g}° of movement into it.",
            "°",
            legs("knee_fppa"),
        ),
        Panel(
            "femur",
            "Thigh tilt (femur, frontal plane)",
            "Hip → knee against the vertical; positive when the knee is toward the midline "
            "of the hip. Rises together with the shin tilt when the chain works.",
            "°",
            legs("femur_frontal"),
        ),
        Panel(
            "tibia",
            "Shin tilt (tibia, frontal plane)",
            "Ankle → knee against the vertical; positive when the knee is toward the "
            "midline of the ankle (the inward tilt of the shin: minus tibia_frontal in "
            "timeseries.csv). Knee FPPA = thigh tilt + shin tilt.",
            "°",
            legs("tibia_frontal"),
            sign=-1.0,
        ),
        Panel(
            "obliquity",
            "Pelvic obliquity",
            "Hip line against the horizontal; positive when the LEFT hip is higher. On one "
            f"leg the standing side should hike at least {th.obliquity_up_min_deg:g}° "
            "(dashed lines).",
            "°",
            (("pelvic_obliquity_deg", "pelvis", "#37424b", "-"),),
        ),
        Panel(
            "shift",
            "Pelvis shift",
            "Sideways movement of the mid-hip from quiet stance, in hip widths; positive "
            f"toward the left. On one leg the pelvis should come at least "
            f"{th.pelvis_shift_min:g} hip widths over the standing foot (dashed lines).",
            "hip widths",
            (("pelvis_shift_norm", "pelvis", "#37424b", "-"),),
        ),
        Panel(
            "com",
            "Centre of mass inside the base of support",
            "Sideways distance from the centre of mass to the nearest edge of the feet on "
            "the ground, in foot lengths; positive (green) = inside. Dotted: Hof's moving "
            "centre of mass (XCoM), which also counts its speed.",
            "foot lengths",
            (
                ("com_margin_norm", "CoM", "#37424b", "-"),
                ("xcom_margin_norm", "XCoM", "#7b8791", ":"),
            ),
        ),
    )


def _shade_moments(chart: Chart, moments: Sequence[Assessment]) -> None:
    """Each moment as a band coloured by its verdict, its peak as a line numbered above
    the plot, and the knee frame of a deep squat as a dotted line."""
    _, top, _, _ = chart.box
    for number, a in enumerate(moments, 1):
        m = a.moment
        colour = VERDICT_HEX.get(a.verdict, "#a0a0a0")
        chart.vspan(float(m.start_s), float(m.end_s), colour=colour, opacity=0.22)
        chart.vline(float(m.peak_s), colour=colour, width=0.8, opacity=0.9)
        if abs(m.knee_s - m.peak_s) > 1e-6:
            chart.vline(float(m.knee_s), colour=INK, width=0.8, style=":")
        x = float(m.peak_s)
        if chart.xlim[0] <= x <= chart.xlim[1]:
            at = float(chart.x(x))
            chart.text(at, top - 2, f"#{number}", anchor="middle", bold=True, pixels=True)


def _band_label(chart: Chart, y: float, words: str, *, colour: str, below: bool) -> None:
    chart.text(chart.xlim[0], y, words, colour=colour, size=chart.font * 0.85, below=below, dx=4)


def _bands(chart: Chart, key: str, th: Thresholds, *, both: bool) -> None:
    """Draw the normative band of plot ``key``."""
    if key == "fppa":
        chart.hspan(0.0, th.fppa_max_deg, colour=GREEN, opacity=0.10)
        chart.hline(th.fppa_max_deg, colour=RED, width=0.9, style="--")
        chart.text(
            chart.xlim[1],
            th.fppa_max_deg,
            f"band limit {th.fppa_max_deg:g}°",
            colour=RED,
            size=chart.font * 0.85,
            anchor="end",
            dx=-4,
        )
    elif key in ("obliquity", "shift"):
        reach, level, words = (
            (th.obliquity_up_min_deg, th.pelvis_level_max_deg, ("left hip up", "right hip up"))
            if key == "obliquity"
            else (
                th.pelvis_shift_min,
                th.pelvis_centred_max,
                ("over the left foot", "over the right foot"),
            )
        )
        for sign, text in zip((1.0, -1.0), words, strict=True):
            chart.hline(sign * reach, colour=MUTED, width=0.8, style="--")
            _band_label(chart, sign * reach, text, colour=MUTED, below=sign < 0)
        if both:
            chart.hspan(-level, level, colour=GREEN, opacity=0.08)
    elif key == "com":
        chart.hspan(th.com_margin_min, chart.ylim[1], colour=GREEN, opacity=0.10)
        chart.hline(th.com_margin_min, colour=INK, width=0.8)
        _band_label(chart, th.com_margin_min, "inside", colour="#137a35", below=False)
        _band_label(chart, th.com_margin_min, "outside", colour=RED, below=True)


def _limits(panel: Panel, shown: list[np.ndarray], th: Thresholds) -> tuple[float, float]:
    """The y limits: the lines shown with a margin, the band limit and the lines of the
    criteria kept in view."""
    finite = np.concatenate([v[np.isfinite(v)] for v in shown])
    lo, hi = float(finite.min()), float(finite.max())
    pad = max(0.08 * (hi - lo), 0.5 if panel.unit == "°" else 0.05)
    lo, hi = lo - pad, hi + pad
    if panel.key == "fppa":
        hi = max(hi, th.fppa_max_deg + 2.0)
        lo = min(lo, -2.0)
    reach = {
        "obliquity": th.obliquity_up_min_deg,
        "shift": th.pelvis_shift_min,
        "com": abs(th.com_margin_min),
    }.get(panel.key)
    if reach is not None:
        hi, lo = max(hi, 1.5 * reach + pad), min(lo, -1.5 * reach - pad)
    return lo, hi


def _lines(
    panel: Panel, metrics: xr.Dataset
) -> list[tuple[str, str, str, np.ndarray, np.ndarray | None]]:
    """``(label, colour, style, values, on the floor)`` of each measured series; ``on
    the floor`` is the values while the leg stands, ``None`` for a series that is not a
    leg's (or without stance)."""
    out = []
    for name, label, colour, style in panel.series:
        values = panel.sign * _series(metrics, name)
        if not np.isfinite(values).any():
            continue
        standing = _standing(metrics, label)
        floor = None
        if standing is not None and standing.any():
            floor = np.where(standing, values, np.nan)
        out.append((label, colour, style, values, floor))
    return out


def time_plot(
    panel: Panel,
    metrics: xr.Dataset,
    moments: Sequence[Assessment],
    *,
    thresholds: Thresholds,
    size: tuple[float, float] = WIDE,
) -> str | None:
    """Draw one time plot as an SVG ``data:`` URI; ``None`` when nothing is measurable.

    Parameters
    ----------
    panel
        What to plot.
    metrics
        The per-frame metrics.
    moments
        The loading moments, numbered in this order.
    thresholds
        The thresholds, for the bands.
    size
        Width and height in pixels (:data:`WIDE`, or :data:`NARROW` for phones).

    Returns
    -------
    str or None
        The picture.
    """
    t = np.asarray(metrics["time"].values, dtype=np.float64)
    lines = _lines(panel, metrics)
    if t.size < 2 or not t[-1] > t[0] or not lines:
        return None
    shown = [floor if floor is not None else values for _, _, _, values, floor in lines]
    if not any(np.isfinite(v).any() for v in shown):
        shown = [values for _, _, _, values, _ in lines]
    chart = Chart(
        width=size[0],
        height=size[1],
        margin=(50.0, 36.0 if len(panel.series) > 1 else 18.0, 10.0, 36.0),
        xlim=(float(t[0]), float(t[-1])),
        ylim=_limits(panel, shown, thresholds),
    )
    _shade_moments(chart, moments)
    _bands(chart, panel.key, thresholds, both=any(a.moment.side == "both" for a in moments))
    legend = []
    for label, colour, style, values, floor in lines:
        if floor is None:
            chart.line(t, values, colour=colour, style=style, width=1.5)
            legend.append((label, colour, style))
            continue
        # a leg in the air has no chain: drawn faint, and the axis follows the standing leg
        chart.line(t, values, colour=colour, style=style, width=1.0, opacity=0.35)
        chart.line(t, floor, colour=colour, style=style, width=1.8)
        legend.append((f"{label} (on the floor)", colour, style))
    chart.axes(xlabel="time (s)", ylabel=panel.unit)
    if len(panel.series) > 1:
        chart.legend(legend, place="above")
    return svg_uri(chart.render())


def _moment_curves(
    metrics: xr.Dataset, moment: Assessment
) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], int]:
    """The thigh and shin tilt of each leg of a moment, and the index of its knee frame
    from the moment's start."""
    t = np.asarray(metrics["time"].values, dtype=np.float64)
    if not t.size:
        return [], 0
    m = moment.moment
    i0 = int(np.searchsorted(t, float(m.start_s) - 1e-9))
    i1 = int(np.searchsorted(t, float(m.end_s) + 1e-9))
    ik = int(np.searchsorted(t, float(m.knee_s) - 1e-9))
    ik = min(max(ik, i0), max(i1 - 1, i0))
    curves = []
    for leg in ("left", "right") if m.side == "both" else (m.side,):
        x = _series(metrics, f"femur_frontal_{leg}_deg")[i0:i1]
        y = -_series(metrics, f"tibia_frontal_{leg}_deg")[i0:i1]  # medial tilt of the tibia
        if np.isfinite(x).sum() >= 2 and np.isfinite(y).sum() >= 2:
            curves.append((leg, x, y))
    return curves, ik - i0


def angle_angle_plot(metrics: xr.Dataset, moment: Assessment, *, number: int) -> str | None:
    """The femur–tibia angle–angle plot of one moment, as an SVG ``data:`` URI.

    Thigh tilt (``femur_frontal``) on x, the shin's medial tilt (``-tibia_frontal``, as in
    :mod:`pronate.verdict.coordination`) on y, from the moment's start to its end: solid while
    loading (start to the knee frame), dashed while unloading; a dotted 45° line through
    the start marks *in phase* (thigh and shin tilting together).

    Parameters
    ----------
    metrics
        The per-frame metrics.
    moment
        The moment (its side, start, end and knee frame).
    number
        Its number in the report.

    Returns
    -------
    str or None
        The picture, or ``None`` when the segment angles were not measured.
    """
    curves, k = _moment_curves(metrics, moment)
    if not curves:
        return None
    xs = np.concatenate([x[np.isfinite(x)] for _, x, _ in curves])
    ys = np.concatenate([y[np.isfinite(y)] for _, _, y in curves])
    span = max(float(np.ptp(xs)), float(np.ptp(ys)), 4.0)
    cx, cy = (float(xs.min()) + float(xs.max())) / 2, (float(ys.min()) + float(ys.max())) / 2
    half = 0.6 * span
    chart = Chart(  # a square plot area: equal degrees on both axes
        width=340.0,
        height=340.0,
        margin=(54.0, 28.0, 14.0, 40.0),
        xlim=(cx - half, cx + half),
        ylim=(cy - half, cy + half),
    )
    for leg, x, y in curves:
        colour = SIDE_HEX.get(leg, INK)
        first = int(np.flatnonzero(np.isfinite(x) & np.isfinite(y))[0])
        x0, y0 = float(x[first]), float(y[first])
        chart.line([x0 - span, x0 + span], [y0 - span, y0 + span], colour="#9aa5ae", style=":")
        chart.line(x[: k + 1], y[: k + 1], colour=colour, width=1.8)
        chart.line(x[k:], y[k:], colour=colour, width=1.2, style="--", opacity=0.8)
        chart.marker(x0, y0, shape="circle", colour=colour, size=8.0, fill="#fff")
        if k < len(x):
            chart.marker(float(x[k]), float(y[k]), shape="star", colour=colour, size=14.0)
    chart.axes(
        xlabel="thigh tilt (°, + knee inward)",
        ylabel="shin tilt (°, + knee inward)",
        title=f"#{number}: thigh vs shin",
    )
    legend = [(leg, SIDE_HEX.get(leg, MUTED), "-") for leg, _, _ in curves]
    chart.legend([*legend, ("loading", MUTED, "-"), ("return", MUTED, "--")], place="lower right")
    return svg_uri(chart.render())

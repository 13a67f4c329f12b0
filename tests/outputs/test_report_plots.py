"""The report's plots: the SVG chart (:mod:`pronate.outputs.charts`) and the time and
angle-angle plots drawn with it (:mod:`pronate.outputs.report.plots`), on hand-made metrics."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from hand_made import assessment
from pronate.outputs.chart_ticks import nice_ticks, tick_text
from pronate.outputs.charts import Chart, runs
from pronate.outputs.report.plots import NARROW, WIDE, angle_angle_plot, panels, time_plot
from pronate.outputs.report.values import SIDE_HEX, VERDICT_HEX
from pronate.verdict.thresholds import Thresholds

SVG = "{http://www.w3.org/2000/svg}"
FPS = 10.0
N = 60  # 6 s


def decode(uri: str) -> ET.Element:
    """The SVG document of a ``data:image/svg+xml;base64`` URI, parsed."""
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return ET.fromstring(base64.b64decode(uri[len(prefix) :]).decode("utf-8"))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def paths(root: ET.Element, colour: str) -> list[ET.Element]:
    """The data lines (clipped to the plot area) of one colour."""
    return [p for p in root.iter(f"{SVG}path") if p.get("stroke") == colour and p.get("clip-path")]


def points(d: str) -> list[list[tuple[float, float]]]:
    """The runs of ``M x,y x,y ...`` of a path."""
    return [
        [(float(a), float(b)) for a, b in (xy.split(",") for xy in run.split())]
        for run in d.split("M")
        if run
    ]


@pytest.fixture(scope="module")
def metrics() -> xr.Dataset:
    """Left leg standing throughout with its knee going in and out twice; right leg in
    the air for the second half and not seen for a while; thigh and shin tilting."""
    t = np.arange(N) / FPS
    wave = 12.0 * np.sin(2 * np.pi * t / 3.0) ** 2
    right = -0.5 * wave
    right[20:25] = np.nan
    stance = np.where(t < 3.0, "both", "left")
    return xr.Dataset(
        {
            "knee_fppa_left_deg": ("time", wave),
            "knee_fppa_right_deg": ("time", right),
            "femur_frontal_left_deg": ("time", 0.5 * wave),
            "femur_frontal_right_deg": ("time", 0.2 * wave),
            "tibia_frontal_left_deg": ("time", -0.5 * wave),
            "tibia_frontal_right_deg": ("time", -0.1 * wave),
            "stance": ("time", stance),
        },
        coords={"time": t},
    )


MOMENTS = [
    assessment("both", "squat", 0.5, 1.5, 2.5, "pronation", fps=FPS),
    assessment("left", "single_leg_squat", 3.5, 4.5, 5.5, "collapse", knee_s=4.1, fps=FPS),
]


# --------------------------------------------------------------------------- svg


@pytest.mark.parametrize(
    ("lo", "hi", "ticks"),
    [
        (0.0, 9.0, [0, 2, 4, 6, 8]),
        (-63.4, 19.0, [-60, -40, -20, 0]),
        (-0.31, 0.29, [-0.2, 0.0, 0.2]),
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (2.0, 2.0, []),
        (0.0, float("nan"), []),
    ],
)
def test_nice_ticks_are_round_and_inside_the_limits(lo, hi, ticks):
    assert nice_ticks(lo, hi)[0] == pytest.approx(ticks)


def test_tick_labels_have_the_decimals_of_the_step_and_a_true_minus():
    assert tick_text(-20.0, 20.0) == "−20"
    assert tick_text(0.25, 0.25) == "0.25"
    assert tick_text(-1e-12, 0.5) == "0.0"
    assert tick_text(7.5, 2.5) == "7.5"


def test_a_line_maps_data_to_pixels_and_breaks_at_gaps():
    chart = Chart(width=110, height=110, margin=(10, 0, 0, 10), xlim=(0, 10), ylim=(0, 10))
    assert chart.box == (10, 0, 110, 100)
    x = np.array([0.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    y = np.array([0.0, 5.0, np.nan, 2.0, 4.0, np.nan, 10.0])  # the last point stands alone
    assert [len(r[0]) for r in runs(x, y)] == [2, 2, 1]
    chart.line(x, y, colour="#123456", width=2.0, style="--")
    (path,) = paths(ET.fromstring(chart.render()), "#123456")
    assert points(path.get("d", "")) == [[(10, 100), (60, 50)], [(80, 80), (90, 60)]]
    assert path.get("stroke-dasharray") and path.get("clip-path") == "url(#area)"


def test_the_picture_is_well_formed_svg_with_escaped_text():
    chart = Chart(width=300, height=200, margin=(40, 20, 10, 30), xlim=(0, 1), ylim=(-1, 1))
    chart.axes(xlabel="time <s>", ylabel="a & b", title="#1: x")
    chart.text(0.5, 0.0, "<script>")
    chart.legend([("left", "#111111", "-"), ("right", "#222222", ":")], place="lower right")
    root = ET.fromstring(chart.render())
    assert root.get("viewBox") == "0 0 300 200"
    words = texts(root)
    for expected in ("time <s>", "a & b", "#1: x", "<script>", "left", "right", "−1.0", "0.5"):
        assert expected in words, expected
    assert all(url.startswith("#") for url in re.findall(r"url\(([^)]*)\)", chart.render()))


# --------------------------------------------------------------------------- plots


def test_time_plot_draws_legs_moments_and_the_band(metrics):
    th = Thresholds()
    root = decode(time_plot(panels(th)[0], metrics, MOMENTS, thresholds=th) or "")
    assert root.get("viewBox") == f"0 0 {WIDE[0]:g} {WIDE[1]:g}"
    words = texts(root)
    assert {"#1", "#2", "band limit 16.8°", "time (s)", "°"} <= set(words)
    assert {"left (on the floor)", "right (on the floor)"} <= set(words)
    spans = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert {VERDICT_HEX["pronation"], VERDICT_HEX["collapse"]} <= spans
    # each leg: a faint line over the whole clip and a bold one while it is on the floor
    left = sorted(paths(root, SIDE_HEX["left"]), key=lambda p: float(p.get("stroke-width", 0)))
    right = sorted(paths(root, SIDE_HEX["right"]), key=lambda p: float(p.get("stroke-width", 0)))
    faint, bold = right[0], right[-1]
    assert faint.get("stroke-opacity") == "0.35" and bold.get("stroke-opacity") is None
    assert [len(r) for r in points(faint.get("d", ""))] == [20, N - 25]  # the gap
    assert [len(r) for r in points(bold.get("d", ""))] == [20, 5]  # in the air from 3 s
    assert sum(len(r) for r in points(left[-1].get("d", ""))) == N
    # the knee frame of the deep moment is a dotted line
    dotted = [p for p in root.iter(f"{SVG}path") if p.get("stroke-dasharray") == "1.2 2.4"]
    assert len(dotted) == 1


def test_time_plot_follows_its_thresholds_and_its_size(metrics):
    th = Thresholds(fppa_max_deg=18.6)
    root = decode(time_plot(panels(th)[0], metrics, MOMENTS, thresholds=th, size=NARROW) or "")
    assert root.get("viewBox") == f"0 0 {NARROW[0]:g} {NARROW[1]:g}"
    assert "band limit 18.6°" in texts(root)


def test_nothing_measured_draws_no_plot(metrics):
    th = Thresholds()
    empty = metrics.assign(
        knee_fppa_left_deg=("time", np.full(N, np.nan)),
        knee_fppa_right_deg=("time", np.full(N, np.nan)),
    )
    assert time_plot(panels(th)[0], empty, MOMENTS, thresholds=th) is None
    shift = next(p for p in panels(th) if p.key == "shift")
    assert time_plot(shift, metrics, MOMENTS, thresholds=th) is None  # no such variable


def test_angle_angle_plot_marks_start_and_peak_of_each_leg(metrics):
    root = decode(angle_angle_plot(metrics, MOMENTS[0], number=3) or "")
    assert "#3: thigh vs shin" in texts(root)
    circles = list(root.iter(f"{SVG}circle"))
    stars = list(root.iter(f"{SVG}polygon"))
    assert sorted(c.get("stroke") for c in circles) == sorted(SIDE_HEX.values())
    assert sorted(s.get("fill") for s in stars) == sorted(SIDE_HEX.values())
    # equal degrees on both axes: a square plot area over equal data spans
    assert root.get("viewBox") == "0 0 340 340"
    one_leg = decode(angle_angle_plot(metrics, MOMENTS[1], number=1) or "")
    assert len(list(one_leg.iter(f"{SVG}circle"))) == 1
    unmeasured = metrics.assign(femur_frontal_left_deg=("time", np.full(N, np.nan)))
    assert angle_angle_plot(unmeasured, MOMENTS[1], number=1) is None  # no thigh tilt


def test_plots_need_no_plotting_library():
    code = (
        "import sys, numpy as np, xarray as xr\n"
        "from hand_made import analysis_with, assessment\n"
        "from pronate.outputs.report import build_report\n"
        "t = np.arange(30) / 10.0\n"
        "m = xr.Dataset({'knee_fppa_left_deg': ('time', np.sin(t))}, coords={'time': t})\n"
        "a = assessment('left', 'single_leg_stance', 0.5, 1.0, 1.5, 'partial', fps=10.0)\n"
        "text = build_report(analysis_with([a], metrics=m), summary={})\n"
        "assert text.count('data:image/svg+xml') == 2, text.count('data:image/svg+xml')\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('matplotlib', 'pylab')))\n"
    )
    tests = str(Path(__file__).parents[1])  # hand_made and stages
    path = [tests, *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"

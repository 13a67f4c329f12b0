"""The timeline's trend plots (:mod:`pronate.app.web.plots`), drawn with the charts of
:mod:`pronate.outputs.charts` and put inline into the page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pronate.app.web.plots import COLOURS, Series, trend_svg

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["2026-10-01", "2026-11-05", "2026-12-01"]


def draw(series: list[Series], **kwargs: object) -> ET.Element:
    options: dict = {"title": "Peak <FPPA>", "labels": LABELS, "band": (-10.0, 16.8), "marks": {}}
    options.update(kwargs)
    return ET.fromstring(trend_svg(series=series, **options))


def test_a_trend_has_a_line_error_bars_tooltips_and_the_sessions() -> None:
    root = draw(
        [
            Series("left", [3.0, None, 7.5], [2.0, 2.0, 2.0]),
            Series("right", [None, None, None], [None, None, None]),
        ],
        marks={2: "first pronation (left)"},
        ident="trend-fppa",
    )
    assert root.get("class") == "trend" and root.get("aria-label") == "Peak <FPPA>"
    (clip,) = root.iter(f"{SVG}clipPath")
    assert clip.get("id") == "trend-fppa"
    assert all(p.get("clip-path") in (None, "url(#trend-fppa)") for p in root.iter(f"{SVG}path"))
    tips = ["".join(c.itertext()) for c in root.iter(f"{SVG}circle")]
    assert tips == ["left: 3.00", "left: 7.50"]
    lines = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == COLOURS["left"]]
    assert len(lines) == 3  # the line over the gap and two error bars
    words = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert {"Peak <FPPA>", "first pronation (left)", *LABELS} <= set(words)
    assert [r for r in root.iter(f"{SVG}rect") if "".join(r.itertext()) == "normal band"]


def test_a_trend_without_values_says_so() -> None:
    root = draw([Series("left", [None] * 3, [None] * 3)], band=(0.2, None))
    (note,) = [t for t in root.iter(f"{SVG}text") if t.get("class") == "unmeasured"]
    assert "".join(note.itertext()) == "not measured in these sessions"
    assert not list(root.iter(f"{SVG}circle"))

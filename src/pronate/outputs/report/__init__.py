"""The coach's report ``OUTDIR/report.html``: one self-contained page per analysis.

Everything is inside the one file: pictures as ``data:`` URIs (plots as SVG, key frames
as JPEG), the CSS inline, the summary as inline JSON (``<script type="application/json"
id="summary-data">``), and no script at all. The page opens offline in any browser, reads
on a phone and on a laptop, and prints. It is drawn from the clip's analysis
(:class:`pronate.verdict.analysis.Analysis`: camera, metrics, loading moments with their
verdicts and criteria, thresholds) and, for what only the file has (the clip's name and
frames, the side medians and their asymmetry), from its ``summary.json``.

What it holds, top to bottom:

1. the clip (file, view, model, frames, date of the analysis);
2. the verdict per leg, and a strip of the loading moments along the clip;
3. *what this means*, in a coach's words, generated from the verdicts;
4. each loading moment: its verdict, key frame, femur-tibia angle-angle plot and its
   evidence table (criterion, value, threshold, pass);
5. time plots of knee FPPA, femur and tibia tilt, pelvic obliquity and shift and the
   centre-of-mass margin, with the moments shaded by verdict and the normative bands
   of :mod:`pronate.verdict.thresholds` drawn;
6. left vs right: the side medians and ``keyframes/left_vs_right.png``;
7. the limits of the measurement, and the thresholds used.

Modules, by concern:

:mod:`~pronate.outputs.report.values`
    how a value, a threshold, a pass mark and a verdict read (the one place for that);
:mod:`~pronate.outputs.report.text`
    the coach's words: *what this means*, one sentence per moment, the limits;
:mod:`~pronate.outputs.report.plots`
    the plots, drawn as SVG text with :mod:`pronate.outputs.charts` (no matplotlib: a
    few milliseconds a plot);
:mod:`~pronate.outputs.report.camera` and :mod:`~pronate.outputs.report.sections`
    what each section shows, as plain data;
``templates/``
    the markup: Jinja2 templates (``*.html.j2``, autoescaped) and ``report.css``;
:mod:`~pronate.outputs.report.page`
    :func:`build_report` (renders the templates) and :func:`write_report` (atomic);
:mod:`~pronate.outputs.report.pdf`
    :func:`write_pdf`, printing the page with headless Chromium when that is installed.

Importing this package changes no global state and imports no plotting library.
"""

from __future__ import annotations

from typing import Final

from pronate.outputs.report.page import build_report, evidence_table, image_file_uri, write_report
from pronate.outputs.report.pdf import find_chromium, write_pdf
from pronate.outputs.report.plots import Panel, angle_angle_plot, panels, time_plot
from pronate.outputs.report.text import (
    asymmetry_paragraph,
    confidence_summary,
    limits_items,
    meaning_paragraphs,
    moment_gist,
    side_paragraph,
)
from pronate.outputs.report.values import (
    LINKS,
    SIDE_HEX,
    VERDICT_HEX,
    VERDICT_LABEL,
    Link,
    criterion_label,
    criterion_status,
    threshold_text,
    value_text,
)

REPORT_NAME: Final[str] = "report.html"
PDF_NAME: Final[str] = "report.pdf"

__all__ = [
    "LINKS",
    "PDF_NAME",
    "REPORT_NAME",
    "SIDE_HEX",
    "VERDICT_HEX",
    "VERDICT_LABEL",
    "Link",
    "Panel",
    "angle_angle_plot",
    "asymmetry_paragraph",
    "build_report",
    "confidence_summary",
    "criterion_label",
    "criterion_status",
    "evidence_table",
    "find_chromium",
    "image_file_uri",
    "limits_items",
    "meaning_paragraphs",
    "moment_gist",
    "panels",
    "side_paragraph",
    "threshold_text",
    "time_plot",
    "value_text",
    "write_pdf",
    "write_report",
]

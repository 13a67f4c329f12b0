"""The page: :func:`build_report` renders the sections of a clip's analysis
(:class:`pronate.verdict.analysis.Analysis`) into one self-contained HTML document with
the Jinja2 templates of ``templates/``, and :func:`write_report` writes it atomically.

Everything is inside the one file: pictures as ``data:`` URIs (plots as SVG, key frames
as JPEG), the CSS inline, the summary as inline JSON (``<script type="application/json"
id="summary-data">``), and no script at all. The templates escape every value (autoescape);
only :class:`markupsafe.Markup` (the words of :mod:`pronate.outputs.report.text`, the
macros' output) goes in as it is.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import xarray as xr
from markupsafe import Markup

from pronate import __version__
from pronate.io.atomic import write_text_atomic
from pronate.io.jsonsafe import json_safe
from pronate.outputs.render.moments import in_order
from pronate.outputs.report.camera import camera_panel
from pronate.outputs.report.sections import (
    clip_facts,
    evidence_rows,
    left_right_rows,
    moment_section,
    plot_figures,
    shows_left_vs_right,
    side_cards,
    strip_blocks,
)
from pronate.outputs.report.text import limits_items, meaning_paragraphs
from pronate.outputs.report.values import SIDE_HEX, badge_class, badge_text, fmt, seconds
from pronate.outputs.subject import SUBJECT_PNG, subject_caption
from pronate.verdict.analysis import Analysis
from pronate.verdict.assessment import Assessment


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates (autoescape on)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(fmt=fmt, seconds=seconds, badge_class=badge_class, badge_text=badge_text)
    # the summary as inline JSON: ``tojson`` escapes <, >, & and ' as \u00XX
    env.policies["json.dumps_kwargs"] = {
        "allow_nan": False,
        "ensure_ascii": False,
        "indent": 1,
        "default": str,
    }
    return env


def evidence_table(moment: Assessment) -> Markup:
    """The evidence table of one moment: criterion, value, threshold, pass (HTML).

    Criteria given per leg (bilateral moments: ``..._left``, ``..._right``) share a row,
    with one value and one mark per leg.

    Parameters
    ----------
    moment
        A loading moment with its verdict and criteria.

    Returns
    -------
    markupsafe.Markup
        A ``<table class="evidence">`` in its scrolling ``<div>``.
    """
    macros = environment().get_template("macros.html.j2").module
    return Markup(macros.evidence_table(evidence_rows(moment)))  # type: ignore[attr-defined]


def data_uri(data: bytes, mime: str) -> str:
    """``data:MIME;base64,...`` of ``data``."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_file_uri(path: Path, *, max_size: int = 1100, quality: int = 85) -> str | None:
    """A picture file as a JPEG ``data:`` URI, scaled down to ``max_size`` (longest side).

    Parameters
    ----------
    path
        A PNG or JPEG file.
    max_size
        Longest side in pixels.
    quality
        JPEG quality.

    Returns
    -------
    str or None
        The URI, or ``None`` when the file cannot be read.
    """
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return None
    h, w = image.shape[:2]
    scale = max_size / max(h, w)
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        return None
    return data_uri(bytes(buf.tobytes()), "image/jpeg")


def _duration(summary: Mapping[str, Any], metrics: xr.Dataset) -> float | None:
    if metrics.sizes.get("time", 0) > 1:
        t = np.asarray(metrics["time"].values, dtype=np.float64)
        step = float(np.median(np.diff(t)))
        return float(t[-1] - t[0]) + step
    frames, fps = summary.get("frames"), summary.get("fps")
    if frames and fps:
        return float(frames) / float(fps)
    return None


def build_report(
    analysis: Analysis,
    *,
    summary: Mapping[str, Any],
    pose: xr.Dataset | None = None,
    keyframes: Mapping[int, Path] | None = None,
    left_vs_right: Path | None = None,
    notes: Sequence[str] = (),
    created: datetime | None = None,
    subject_picture: Path | None = None,
) -> str:
    """Build the HTML of the report.

    Parameters
    ----------
    analysis
        The clip's analysis (:func:`pronate.verdict.analysis.analyse_body`): the camera,
        the metrics, the loading moments with their verdicts and criteria, the quality and
        the thresholds.
    summary
        The content of ``summary.json`` (:func:`pronate.outputs.summary.summarize`): the
        clip's file, fps, frames and the side medians and their asymmetry; inlined as
        the page's data.
    pose
        The pose dataset, for the keypoint confidence in the limits.
    keyframes
        Moment number (1-based, by start time) -> its key frame PNG.
    left_vs_right
        ``keyframes/left_vs_right.png``.
    notes
        Lines shown at the top (e.g. why the report has no pictures).
    created
        Date of the analysis; default now.
    subject_picture
        ``subject.png``: who was analysed among whom (shown with the clip).

    Returns
    -------
    str
        A complete, self-contained HTML document.
    """
    created = created or datetime.now().astimezone()
    th = analysis.thresholds
    moments = in_order(analysis.assessments)
    view = analysis.camera.view.view
    duration = _duration(summary, analysis.metrics)
    keyframes = keyframes or {}
    video = str(summary.get("video") or "")
    context = {
        "version": __version__,
        "name": Path(video).name or "clip",
        "created": created.strftime("%Y-%m-%d %H:%M"),
        "data": json_safe(summary),
        "clip": clip_facts(analysis, summary, created=created, duration_s=duration),
        "subject": _subject(summary, subject_picture),
        "video": video,
        "notes": list(notes),
        "sides": side_cards(moments, summary),
        "strip": strip_blocks(moments, duration),
        "duration": duration,
        "moments": [
            moment_section(
                n,
                a,
                view=view,
                metrics=analysis.metrics,
                keyframe_uri=image_file_uri(keyframes[n]) if n in keyframes else None,
            )
            for n, a in enumerate(moments, 1)
        ],
        "camera": camera_panel(analysis),
        "meaning": meaning_paragraphs(analysis, summary),
        "plots": plot_figures(analysis.metrics, moments, thresholds=th),
        "side_view": view in ("left", "right"),
        "side_hex": SIDE_HEX,
        "lr_rows": left_right_rows(summary),
        "asymmetry_threshold": (summary.get("asymmetry") or {}).get("knee_fppa_threshold_deg"),
        "left_vs_right": (
            image_file_uri(left_vs_right, max_size=1600)
            if left_vs_right is not None and shows_left_vs_right(moments)
            else None
        ),
        "limits": limits_items(analysis, pose=pose),
        "thresholds": th.as_dict(),
    }
    return environment().get_template("report.html.j2").render(context)


def _subject(summary: Mapping[str, Any], picture: Path | None) -> dict[str, str] | None:
    """The picture of who was analysed, and its caption."""
    record = summary.get("subject")
    if not record or picture is None or not Path(picture).is_file():
        return None
    uri = image_file_uri(Path(picture), max_size=960)
    return {"uri": uri, "caption": subject_caption(record)} if uri else None


def write_report(path: Path, analysis: Analysis, **inputs: Any) -> Path:
    """Write the report of ``analysis`` to ``path`` atomically.

    Parameters
    ----------
    path
        ``OUTDIR/report.html``.
    analysis
        The clip's analysis.
    **inputs
        The keyword arguments of :func:`build_report` (``summary`` at least).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    picture = Path(path).parent / SUBJECT_PNG
    if "subject_picture" not in inputs and picture.is_file():
        inputs["subject_picture"] = picture
    return write_text_atomic(Path(path), build_report(analysis, **inputs))

"""The page: :func:`build_report` renders the sections into one self-contained HTML
document with the Jinja2 templates of ``templates/``, and :func:`write_report` writes it
atomically.

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
from pronate.errors import ConfigError
from pronate.io.atomic import write_text_atomic
from pronate.io.jsonsafe import json_safe
from pronate.outputs.report.camera import camera_panel
from pronate.outputs.report.sections import (
    clip_facts,
    evidence_rows,
    left_right_rows,
    moment,
    plot_figures,
    shows_left_vs_right,
    side_cards,
    strip_blocks,
)
from pronate.outputs.report.text import limits_items, meaning_paragraphs
from pronate.outputs.report.values import (
    SIDE_HEX,
    badge_class,
    badge_text,
    fmt,
    ordered_events,
    seconds,
)
from pronate.outputs.subject import SUBJECT_PNG, subject_caption
from pronate.verdict.thresholds import Thresholds, override


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


def evidence_table(event: Mapping[str, Any]) -> Markup:
    """The evidence table of one moment: criterion, value, threshold, pass (HTML).

    Criteria given per leg (bilateral moments: ``..._left``, ``..._right``) share a row,
    with one value and one mark per leg.

    Parameters
    ----------
    event
        A moment of ``summary["events"]``.

    Returns
    -------
    markupsafe.Markup
        A ``<table class="evidence">`` in its scrolling ``<div>``.
    """
    macros = environment().get_template("macros.html.j2").module
    return Markup(macros.evidence_table(evidence_rows(event)))  # type: ignore[attr-defined]


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


def _thresholds_of(summary: Mapping[str, Any], thresholds: Thresholds | None) -> Thresholds:
    if thresholds is not None:
        return thresholds
    values = summary.get("thresholds")
    if isinstance(values, Mapping):
        try:
            return override(Thresholds(), {k: v for k, v in values.items() if v is not None})
        except ConfigError:
            return Thresholds()
    return Thresholds()


def _duration(summary: Mapping[str, Any], metrics: xr.Dataset | None) -> float | None:
    if metrics is not None and metrics.sizes.get("time", 0) > 1:
        t = np.asarray(metrics["time"].values, dtype=np.float64)
        step = float(np.median(np.diff(t)))
        return float(t[-1] - t[0]) + step
    frames, fps = summary.get("frames"), summary.get("fps")
    if frames and fps:
        return float(frames) / float(fps)
    return None


def build_report(
    summary: Mapping[str, Any],
    *,
    metrics: xr.Dataset | None = None,
    pose: xr.Dataset | None = None,
    thresholds: Thresholds | None = None,
    keyframes: Mapping[int, Path] | None = None,
    left_vs_right: Path | None = None,
    notes: Sequence[str] = (),
    created: datetime | None = None,
    subject_picture: Path | None = None,
) -> str:
    """Build the HTML of the report.

    Parameters
    ----------
    summary
        The content of ``summary.json`` (:func:`pronate.verdict.assessment.summarize`).
    metrics
        The per-frame metrics (:func:`pronate.metrics.kinematics.compute_metrics`); without them
        the report has no time or angle-angle plots.
    pose
        The pose dataset, for the keypoint confidence in the limits.
    thresholds
        The thresholds of the analysis; default: ``summary["thresholds"]``.
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
    th = _thresholds_of(summary, thresholds)
    events = ordered_events(summary)
    view = str(summary.get("view") or "")
    duration = _duration(summary, metrics)
    keyframes = keyframes or {}
    video = str(summary.get("video") or "")
    context = {
        "version": __version__,
        "name": Path(video).name or "clip",
        "created": created.strftime("%Y-%m-%d %H:%M"),
        "data": json_safe(summary),
        "clip": clip_facts(summary, created=created, duration_s=duration),
        "subject": _subject(summary, subject_picture),
        "video": video,
        "notes": list(notes),
        "sides": side_cards(summary, events),
        "strip": strip_blocks(events, duration),
        "duration": duration,
        "moments": [
            moment(
                n,
                event,
                view=view,
                metrics=metrics,
                keyframe_uri=image_file_uri(keyframes[n]) if n in keyframes else None,
            )
            for n, event in enumerate(events, 1)
        ],
        "camera": camera_panel(summary),
        "meaning": meaning_paragraphs(summary),
        "plots": plot_figures(metrics, events, thresholds=th) if metrics is not None else None,
        "side_view": view in ("left", "right"),
        "side_hex": SIDE_HEX,
        "sides_summary": summary.get("sides") or {},
        "lr_rows": left_right_rows(summary),
        "asymmetry_threshold": (summary.get("asymmetry") or {}).get("knee_fppa_threshold_deg"),
        "left_vs_right": (
            image_file_uri(left_vs_right, max_size=1600)
            if left_vs_right is not None and shows_left_vs_right(events)
            else None
        ),
        "limits": limits_items(summary, pose=pose, metrics=metrics),
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


def write_report(path: Path, summary: Mapping[str, Any], **inputs: Any) -> Path:
    """Write the report of ``summary`` to ``path`` atomically.

    Parameters
    ----------
    path
        ``OUTDIR/report.html``.
    summary
        The content of ``summary.json``.
    **inputs
        The keyword arguments of :func:`build_report`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    picture = Path(path).parent / SUBJECT_PNG
    if "subject_picture" not in inputs and picture.is_file():
        inputs["subject_picture"] = picture
    return write_text_atomic(Path(path), build_report(summary, **inputs))

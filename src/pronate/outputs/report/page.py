"""The page: :func:`build_report` puts the sections together into one self-contained HTML
document, and :func:`write_report` writes it atomically.

Everything is inside the one file: pictures as ``data:`` URIs (plots as SVG, key frames
as JPEG), the CSS inline, the summary as inline JSON (``<script type="application/json"
id="summary-data">``), and no script at all.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate import __version__
from pronate.errors import ConfigError
from pronate.io.atomic import write_text_atomic
from pronate.io.jsonsafe import json_safe
from pronate.outputs.report.camera import camera_section
from pronate.outputs.report.plots import angle_angle_plot
from pronate.outputs.report.sections import (
    header,
    left_right,
    moment_section,
    plots_section,
    thresholds_table,
    verdicts_section,
)
from pronate.outputs.report.text import limits_items, meaning_paragraphs
from pronate.outputs.report.values import esc, ordered_events, side_events
from pronate.verdict.thresholds import Thresholds, override

CSS: Final[str] = """
:root{--ink:#1d2329;--muted:#5b6670;--line:#dde3e8;--bg:#f4f6f8;--card:#fff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",
Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1000px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}
h2{font-size:1.25em;margin:0 0 .5em}
h3{font-size:1.05em;margin:0 0 .4em;display:flex;flex-wrap:wrap;gap:.4em;align-items:center}
p{margin:.5em 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;
margin:14px 0}
.meta{display:flex;flex-wrap:wrap;gap:4px 18px;color:var(--muted);font-size:.92em;margin:0;
padding:0;list-style:none}
.meta b{color:var(--ink);font-weight:600}
.note{background:#fff6df;border-left:4px solid #ffb000;padding:8px 12px;border-radius:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}
.side{border:1px solid var(--line);border-radius:8px;padding:12px}
.side .big{font-size:1.15em;margin:.3em 0}
.badge{display:inline-block;padding:1px 10px;border-radius:999px;font-weight:700;
font-size:.82em;letter-spacing:.04em;white-space:nowrap;-webkit-print-color-adjust:exact;
print-color-adjust:exact}
.v-pronation{background:#28c85a;color:#062a12}
.v-partial,.v-missing{background:#ffb000;color:#2b1d00}
.v-collapse{background:#eb2d2d;color:#fff}
.v-unmeasurable,.v-none{background:#a0a0a0;color:#111}
.strip{position:relative;height:30px;background:#e9edf0;border-radius:5px;margin:8px 0 2px;
overflow:hidden;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.strip a{position:absolute;top:0;bottom:0;min-width:3px;color:#111;text-decoration:none;
font-size:.75em;font-weight:700;display:flex;align-items:center;justify-content:center;
overflow:hidden}
.axis{display:flex;justify-content:space-between;font-size:.75em;color:var(--muted)}
img{max-width:100%;height:auto;display:block}
figure{margin:0}
figcaption{font-size:.86em;color:var(--muted);margin-top:4px}
figcaption b{color:var(--ink)}
.pics{display:grid;grid-template-columns:3fr 2fr;gap:12px;align-items:start;margin:10px 0}
.pics.one{grid-template-columns:minmax(0,420px)}
.pics img.kf{max-height:680px;width:auto}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.92em}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.pass{white-space:nowrap}
.ok{color:#137a35;font-weight:700}
.no{color:#b3261e;font-weight:700}
.na{color:var(--muted)}
.unsure{color:#8a5a00;font-weight:700}
.leg{color:var(--muted);font-size:.85em;display:inline-block;min-width:2.8em;text-align:left}
td.crit code{display:block}
tr.info td{color:var(--muted)}
tr.info td.crit::after{content:"not in the verdict";display:block;font-size:.8em;
font-style:italic}
.moments small{display:block;color:var(--muted)}
.moments td a{color:inherit}
ul.limits li{margin:.3em 0}
details summary{cursor:pointer;color:var(--muted)}
code{font-size:.8em;color:var(--muted);word-break:break-all}
.plot{margin:12px 0 20px}
.plot img{width:100%;max-width:860px}
footer{color:var(--muted);font-size:.8em;text-align:center;padding:8px 0 24px}
@media screen and (max-width:700px){
 body{font-size:15px} main{padding:8px} .card{padding:12px;margin:10px 0}
 .pics{grid-template-columns:1fr} h1{font-size:1.35em}
 th,td{padding:5px 4px}
 td.crit code{display:none}
 table.evidence thead{display:none}
 table.evidence tr{display:grid;grid-template-columns:1fr auto;gap:0 10px;padding:7px 0;
 border-bottom:1px solid var(--line)}
 table.evidence td{border:none;padding:0}
 table.evidence td.crit{grid-column:1;grid-row:1}
 table.evidence td.pass{grid-column:2;grid-row:1;text-align:right}
 table.evidence td.val{grid-column:1;grid-row:2;text-align:left;white-space:normal}
 table.evidence td.thr{grid-column:2;grid-row:2;text-align:right;color:var(--muted)}
}
@media print{
 @page{margin:12mm}
 body{background:#fff;font-size:10.5pt} main{max-width:none;padding:0}
 .card{border:none;padding:0;margin:0 0 8mm}
 tr,.plot,.side,figure{break-inside:avoid}
 .pics img.kf{max-height:110mm}
 .plot img{max-width:100%}
 h2,h3{break-after:avoid}
 a{color:inherit;text-decoration:none}
}
"""

PAGE: Final[Template] = Template(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pronate $version">
<title>$title</title>
<link rel="icon" href="data:,">
<style>$css</style>
</head>
<body>
<main>
$body
</main>
<footer>pronate $version · $created · this page works offline and holds all its data</footer>
<script type="application/json" id="summary-data">$data</script>
</body>
</html>
"""
)


def _json_script(data: Any) -> str:
    text = json.dumps(json_safe(data), allow_nan=False, ensure_ascii=False, indent=1, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
    parts = [header(summary, created=created, duration_s=duration)]
    parts.extend(f'<p class="note">{esc(note)}</p>' for note in notes)
    parts.append(verdicts_section(summary, events, duration_s=duration))
    parts.append(camera_section(summary))
    meaning = "".join(f"<p>{p}</p>" for p in meaning_paragraphs(summary))
    parts.append(f'<section class="card" id="meaning"><h2>What this means</h2>{meaning}</section>')
    if events:
        parts.append(_moments(events, metrics=metrics, keyframes=keyframes or {}, view=view))
    parts.append(plots_section(metrics, events, thresholds=th, view=view))
    parts.append(left_right(summary, picture_uri=_left_vs_right_uri(events, left_vs_right)))
    items = "".join(
        f"<li>{item}</li>" for item in limits_items(summary, pose=pose, metrics=metrics)
    )
    parts.append(
        f'<section class="card" id="limits"><h2>Limits</h2><ul class="limits">{items}</ul>'
        "</section>"
    )
    parts.append(thresholds_table(th))
    name = Path(str(summary.get("video") or "")).name or "clip"
    return PAGE.substitute(
        title=esc(f"pronate · {name}"),
        css=CSS,
        body="\n".join(parts),
        version=esc(__version__),
        created=esc(created.strftime("%Y-%m-%d %H:%M")),
        data=_json_script(summary),
    )


def _moments(
    events: Sequence[Mapping[str, Any]],
    *,
    metrics: xr.Dataset | None,
    keyframes: Mapping[int, Path],
    view: str,
) -> str:
    """Every moment's section, numbered by start time like the key frames."""
    parts = []
    for n, event in enumerate(events, 1):
        kf = keyframes.get(n)
        parts.append(
            moment_section(
                n,
                event,
                view=view,
                keyframe_uri=image_file_uri(kf) if kf is not None else None,
                angle_uri=(
                    angle_angle_plot(metrics, event, number=n) if metrics is not None else None
                ),
            )
        )
    return f'<div id="moments">{"".join(parts)}</div>'


def _left_vs_right_uri(events: Sequence[Mapping[str, Any]], path: Path | None) -> str | None:
    """The left-vs-right picture, when both legs have moments of their own."""
    # one leg alone: its key frame is already above, the picture would be half empty; only
    # bilateral moments: the best of each leg is the same frame, already above
    singles = {e.get("side") for e in events} & {"left", "right"}
    both_legs = bool(singles) and all(side_events(events, leg) for leg in ("left", "right"))
    return image_file_uri(path, max_size=1600) if path is not None and both_legs else None


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
    return write_text_atomic(Path(path), build_report(summary, **inputs))

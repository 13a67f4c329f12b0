"""The outputs of a whole recording: ``summary.json`` (the stretches with their camera
and subject, every moment on the recording's clock), ``moments.csv``, ``report.html``
(the moments with their time, a thumbnail and a link to their overlay clip),
``moments/`` (the clips and thumbnails) and ``stretches/`` (each stretch's own analysis:
its summary, series, pose and report)."""

from __future__ import annotations

import html
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pronate.io.atomic import write_text_atomic
from pronate.io.manifest import MANIFEST_NAME, write_manifest
from pronate.outputs.evidence import headline, moment_title
from pronate.outputs.table import clip_rows, write_csv

if TYPE_CHECKING:
    from pronate.pipeline.recording.checkpoint import StretchResult
    from pronate.pipeline.recording.scan import ScanFindings

MOMENTS_CSV = "moments.csv"
TIME_KEYS = ("start_s", "peak_s", "end_s")


@dataclass
class Written:
    summary: dict[str, Any]


def clock(seconds: float) -> str:
    """``h:mm:ss.s`` of the recording."""
    s = max(0.0, float(seconds))
    return f"{int(s // 3600)}:{int(s // 60 % 60):02d}:{s % 60:04.1f}"


def recording_events(results: list[StretchResult]) -> tuple[list[dict], list[dict]]:
    """Every moment of the stretches on the recording's clock, and the stretches' entries
    for ``summary.json``."""
    events: list[dict] = []
    stretches: list[dict] = []
    for r in results:
        entry: dict[str, Any] = {
            "number": r.number,
            "start_s": r.stretch.start_s,
            "end_s": r.stretch.end_s,
            "start_frame": r.start_frame,
            "stop_frame": r.stop_frame,
            "folder": f"stretches/{r.number:03d}",
            "moments": 0,
        }
        if r.error is not None or r.folder is None:
            entry["error"] = r.error or "not analysed"
            stretches.append(entry)
            continue
        summary = json.loads((r.folder / "summary.json").read_text(encoding="utf-8"))
        entry.update(
            view=summary.get("view"),
            camera=summary.get("camera"),
            subject=summary.get("subject"),
            quality=summary.get("quality"),
            warnings=summary.get("warnings") or [],
            moments=len(summary.get("events") or []),
        )
        stretches.append(entry)
        clips = {int(c["event"]): c for c in r.clips}
        for n, event in enumerate(summary.get("events") or []):
            moved = dict(event)
            for key in TIME_KEYS:
                moved[f"stretch_{key}"] = event[key]
                moved[key] = round(float(event[key]) + r.stretch.start_s, 4)
            moved["stretch"] = r.number
            if (c := clips.get(n)) is not None:
                moved["clip"] = f"moments/{r.number:03d}_{c['clip']}"
                if c.get("thumbnail"):
                    moved["thumbnail"] = f"moments/{r.number:03d}_{c['thumbnail']}"
            events.append(moved)
    return events, stretches


def write_recording(
    staging: Path,
    *,
    video: Path,
    fps: float,
    frames: int,
    duration_s: float,
    model: str,
    scan: dict[str, Any],
    findings: ScanFindings,
    results: list[StretchResult],
    overlay: str,
    clip_name: str | None = None,
) -> Written:
    """Write the recording's files into ``staging`` (a run's staging folder)."""
    for r in results:
        if r.folder is not None:
            _copy_stretch(r.folder, staging / "stretches" / f"{r.number:03d}", overlay=overlay)
            for c in r.clips:
                for key in ("clip", "thumbnail"):
                    if c.get(key):
                        src = r.folder.parent / "moments" / c[key]
                        _link(src, staging / "moments" / f"{r.number:03d}_{c[key]}")
    events, stretches = recording_events(results)
    name = clip_name or str(video)
    warnings = list(findings.warnings)
    warnings += [f"stretch {s['number']}: {s['error']}" for s in stretches if s.get("error")]
    summary: dict[str, Any] = {
        "recording": True,
        "video": name,
        "fps": fps,
        "frames": frames,
        "duration_s": round(duration_s, 3),
        "model": model,
        "scan": {
            **scan,
            "samples": len(findings.times),
            "whole_body_samples": int(sum(findings.seen)),
        },
        "analysed_s": round(sum(s["end_s"] - s["start_s"] for s in stretches), 3),
        "stretches": stretches,
        "events": events,
        "warnings": warnings,
    }
    text = json.dumps(summary, indent=2, allow_nan=False)
    write_text_atomic(staging / "summary.json", text + "\n")
    rows = []
    for row in clip_rows(summary, clip=Path(name).name, client="", folder=""):
        row["folder"] = f"stretches/{events[row['moment']]['stretch']:03d}"
        rows.append(row)
    write_csv(rows, staging / MOMENTS_CSV)
    write_text_atomic(staging / "report.html", report_html(summary))
    write_manifest(staging, command="analyze", details={"video": str(video), "recording": True})
    return Written(summary=summary)


def _copy_stretch(src: Path, dst: Path, *, overlay: str) -> None:
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or rel.as_posix() == MANIFEST_NAME:
            continue
        if rel.as_posix() == "overlay.mp4" and overlay != "stretches":
            continue
        _link(path, dst / rel)


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def format_recording(summary: dict[str, Any]) -> str:
    """A short text table: the stretches, then each moment with its time in the recording
    and the headline of its verdict."""
    lines = [
        f"recording of {clock(summary['duration_s'])}: {len(summary['stretches'])} stretch(es) "
        f"with a whole body in view ({clock(summary['analysed_s'])} analysed), "
        f"{len(summary['events'])} loading moment(s)"
    ]
    for s in summary["stretches"]:
        what = s.get("error") or f"view {s.get('view')}, {s['moments']} moment(s)"
        lines.append(f"  stretch {s['number']}: {clock(s['start_s'])}-{clock(s['end_s'])}  {what}")
    for n, ev in enumerate(summary["events"], start=1):
        title = moment_title(str(ev.get("side")), str(ev.get("kind")))
        lines.append(f"{n:3d}. {clock(ev['peak_s'])}  {title}: {headline(ev)}")
    return "\n".join(lines)


def report_html(summary: dict[str, Any]) -> str:
    """One page: the recording's timeline with its stretches and moments, then each
    moment with its time in the recording, thumbnail, headline and clip."""
    e = html.escape
    duration = float(summary.get("duration_s") or 1.0) or 1.0
    bars = []
    for s in summary["stretches"]:
        left, width = 100 * s["start_s"] / duration, 100 * (s["end_s"] - s["start_s"]) / duration
        bars.append(
            f'<div class="stretch" style="left:{left:.3f}%;width:{max(width, 0.2):.3f}%" '
            f'title="stretch {s["number"]}: {clock(s["start_s"])}–{clock(s["end_s"])}"></div>'
        )
    for n, ev in enumerate(summary["events"], start=1):
        left = 100 * float(ev["peak_s"]) / duration
        bars.append(
            f'<a class="mark {e(str(ev.get("verdict")))}" href="#m{n}" style="left:{left:.3f}%" '
            f'title="{e(clock(ev["peak_s"]))} {e(str(ev.get("verdict")))}"></a>'
        )
    rows = []
    for n, ev in enumerate(summary["events"], start=1):
        thumb = (
            f'<a href="{e(ev["clip"])}"><img src="{e(ev["thumbnail"])}" alt="moment {n}"></a>'
            if ev.get("thumbnail") and ev.get("clip")
            else ""
        )
        clip = f'<a href="{e(ev["clip"])}">overlay clip</a>' if ev.get("clip") else "no clip"
        folder = f"stretches/{int(ev['stretch']):03d}/report.html"
        rows.append(
            f'<tr id="m{n}"><td>{n}</td><td>{e(clock(ev["peak_s"]))}<br><small>'
            f"{e(clock(ev['start_s']))}–{e(clock(ev['end_s']))}</small></td><td>{thumb}</td>"
            f"<td><b>{e(moment_title(str(ev.get('side')), str(ev.get('kind'))))}</b><br>"
            f"{e(headline(ev))}</td><td>{clip}<br>"
            f'<a href="{e(folder)}">stretch {int(ev["stretch"])}</a></td></tr>'
        )
    stretch_rows = []
    for s in summary["stretches"]:
        camera = s.get("camera") or {}
        who = (s.get("subject") or {}).get("chosen_by", "")
        what = (
            e(s["error"])
            if s.get("error")
            else (
                f"view {e(str(s.get('view')))}, roll {e(str(camera.get('roll_deg', '')))}°, "
                f"{s['moments']} moment(s){', client chosen by ' + e(str(who)) if who else ''}"
            )
        )
        stretch_rows.append(
            f"<tr><td>{s['number']}</td><td>{e(clock(s['start_s']))}–{e(clock(s['end_s']))}</td>"
            f'<td>{what}</td><td><a href="{e(s["folder"])}/report.html">report</a></td></tr>'
        )
    warnings = "".join(f"<li>{e(w)}</li>" for w in summary.get("warnings") or [])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pronate: {e(Path(summary["video"]).name)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}}
.timeline{{position:relative;height:34px;background:#eee;border-radius:4px;margin:1em 0}}
.stretch{{position:absolute;top:0;height:34px;background:#9cc3e6}}
.mark{{position:absolute;top:4px;width:4px;height:26px;margin-left:-2px;background:#333}}
.mark.pronation{{background:#2a8a3a}}.mark.partial{{background:#d89a00}}
.mark.missing,.mark.collapse{{background:#c0392b}}
.mark.unmeasurable,.mark.uncertain{{background:#777}}
table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}}
img{{width:160px;border-radius:3px}}
</style></head><body>
<h1>{e(Path(summary["video"]).name)}</h1>
<p>A recording of {e(clock(summary["duration_s"]))}: a whole body was in view in
{len(summary["stretches"])} stretch(es), {e(clock(summary["analysed_s"]))} in all, analysed
each as a clip of its own; {len(summary["events"])} loading moment(s).</p>
<div class="timeline" aria-label="the recording">{"".join(bars)}</div>
{f"<ul>{warnings}</ul>" if warnings else ""}
<h2>Loading moments</h2>
<table><tr><th>#</th><th>time in the recording</th><th></th><th>moment</th><th></th></tr>
{"".join(rows) or '<tr><td colspan="5">no loading moment</td></tr>'}</table>
<h2>Stretches</h2>
<table><tr><th>#</th><th>time</th><th>camera and client</th><th></th></tr>
{"".join(stretch_rows)}</table>
</body></html>
"""

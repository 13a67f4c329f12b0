"""The sections of the report as HTML: the clip, the verdict per leg with the strip of
moments, each moment with its evidence table, left vs right, the thresholds.

Each function takes the summary (or one moment) and returns a piece of HTML; numbers,
verdicts and pass marks are written by :mod:`pronate.outputs.report.values`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import xarray as xr

from pronate.outputs.report.plots import NARROW, WIDE, Panel, panels, time_plot
from pronate.outputs.report.text import moment_gist
from pronate.outputs.report.values import (
    LINKS,
    SIDE_HEX,
    VERDICT_HEX,
    VERDICT_LABEL,
    badge,
    esc,
    fmt,
    kind_words,
    leg_verdict,
    leg_words,
    pass_mark,
    seconds,
    side_events,
    split_name,
    threshold_text,
    value_text,
    with_unit,
)
from pronate.verdict.thresholds import Thresholds


def header(summary: Mapping[str, Any], *, created: datetime, duration_s: float | None) -> str:
    """The clip: file, view, length, model and date of the analysis."""
    video = str(summary.get("video") or "")
    name = Path(video).name if video else "(no video)"
    view = str(summary.get("view") or "unknown")
    conf = summary.get("view_confidence")
    frames, fps = summary.get("frames"), summary.get("fps")
    length = f"{duration_s:.1f} s, " if duration_s is not None else ""
    items = [
        ("Clip", f"{esc(name)}"),
        ("View", f"{esc(view)}" + (f" ({esc(conf)} confidence)" if conf else "")),
        ("Length", f"{length}{esc(frames)} frames at {fmt(fps, 0)} fps"),
        ("Model", esc(summary.get("model") or "unknown")),
        ("Analysed", created.strftime("%Y-%m-%d %H:%M")),
    ]
    meta = "".join(f"<li>{k}: <b>{v}</b></li>" for k, v in items)
    return (
        '<header class="card" id="clip">'
        "<h1>Pronation chain report</h1>"
        f'<ul class="meta">{meta}</ul>'
        f'<p><code title="the analysed file">{esc(video)}</code></p>'
        "</header>"
    )


def sides_card(summary: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> str:
    """One card per leg: its overall verdict, its moments and its median peak FPPA."""
    cards = []
    sides = summary.get("sides") or {}
    for leg in ("left", "right"):
        side = sides.get(leg) or {}
        mine = side_events(events, leg)
        verdict = side.get("verdict") if mine else None
        counts = Counter(v for e in mine if (v := leg_verdict(e, leg)))
        tally = ", ".join(f"{n}× {esc(VERDICT_LABEL.get(v, v).lower())}" for v, n in counts.items())
        medians = side.get("medians") or {}
        fppa = medians.get("knee_fppa_peak_deg")
        lines = [
            f'<div class="big">{badge(verdict)}</div>',
            f"<div>{len(mine)} loading moment{'s' if len(mine) != 1 else ''}"
            + (f": {tally}" if tally else "")
            + "</div>",
        ]
        if fppa is not None:
            lines.append(f"<div>knee angle at the peak (median FPPA): <b>{fmt(fppa, 1)}°</b></div>")
        cards.append(f'<div class="side"><h3>{leg.capitalize()} leg</h3>{"".join(lines)}</div>')
    return "".join(cards)


def strip(events: Sequence[Mapping[str, Any]], duration_s: float | None) -> str:
    """The moments as coloured blocks along the clip, each a link to its section;
    empty without moments or a duration."""
    if not events or not duration_s or duration_s <= 0:
        return ""
    blocks = []
    for n, e in enumerate(events, 1):
        start, end = float(e.get("start_s") or 0.0), float(e.get("end_s") or 0.0)
        left = 100.0 * max(0.0, start) / duration_s
        width = max(100.0 * (end - start) / duration_s, 0.6)
        colour = VERDICT_HEX.get(str(e.get("verdict")), "#a0a0a0")
        side = {"left": "L", "right": "R", "both": "LR"}.get(str(e.get("side")), "")
        blocks.append(
            f'<a href="#moment-{n}" style="left:{left:.2f}%;width:{width:.2f}%;'
            f'background:{colour}" title="#{n} {esc(leg_words(str(e.get("side"))))}: '
            f'{esc(e.get("verdict"))}">{n}{side}</a>'
        )
    return (
        f'<div class="strip" role="img" aria-label="loading moments along the clip">'
        f"{''.join(blocks)}</div>"
        f'<div class="axis"><span>0 s</span><span>{duration_s:.1f} s</span></div>'
    )


def moments_table(events: Sequence[Mapping[str, Any]]) -> str:
    """The table of moments: number, leg and kind, time, verdict."""
    rows = []
    for n, e in enumerate(events, 1):
        rows.append(
            f'<tr><td><a href="#moment-{n}">#{n}</a></td>'
            f"<td>{esc(leg_words(str(e.get('side'))))}"
            f"<small>{esc(kind_words(str(e.get('kind'))))}</small></td>"
            f'<td class="num">{fmt(e.get("start_s"), 1)}–{fmt(e.get("end_s"), 1)} s</td>'
            f"<td>{badge(e.get('verdict'))}</td></tr>"
        )
    return (
        '<div class="scroll"><table class="moments"><thead><tr><th>#</th><th>moment</th>'
        "<th>time</th><th>verdict</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _measured(base: str, criterion: Mapping[str, Any]) -> str:
    return value_text(base, criterion.get("value"), uncertainty=criterion.get("uncertainty"))


def evidence_table(event: Mapping[str, Any]) -> str:
    """The evidence table of one moment: criterion, value, threshold, pass (HTML).

    Criteria given per leg (bilateral moments: ``..._left``, ``..._right``) share a row,
    with one value and one mark per leg.

    Parameters
    ----------
    event
        A moment of ``summary["events"]``.

    Returns
    -------
    str
        A ``<table class="evidence">``.
    """
    criteria = list(event.get("criteria") or [])
    valgus: dict[str | None, bool | None] = {}
    rows: dict[str, list[tuple[str | None, Mapping[str, Any]]]] = {}
    for c in criteria:
        base, leg = split_name(str(c.get("name", "")))
        rows.setdefault(base, []).append((leg, c))
        if base == "knee_valgus_movement":
            valgus[leg] = c.get("passed")
    html_rows = []
    for base, entries in rows.items():
        link = LINKS.get(base)
        label = link.label if link else base.replace("_", " ")
        names = " ".join(str(c.get("name")) for _, c in entries)
        if len(entries) == 1 and entries[0][0] is None:
            c = entries[0][1]
            value = _measured(base, c)
            mark = pass_mark(c, valgus=valgus.get(None))
        else:
            value = "<br>".join(
                f'<span class="leg">{esc(leg or "")}</span> {_measured(base, c)}'
                for leg, c in entries
            )
            mark = "<br>".join(
                f'<span class="leg">{esc(leg or "")}</span> ' + pass_mark(c, valgus=valgus.get(leg))
                for leg, c in entries
            )
        klass = ' class="info"' if link is not None and link.informative else ""
        html_rows.append(
            f'<tr{klass}><td class="crit">{esc(label)}<code>{esc(names)}</code></td>'
            f'<td class="num val">{value}</td>'
            f'<td class="num thr">{threshold_text(base, entries[0][1].get("threshold"))}</td>'
            f'<td class="pass">{mark}</td></tr>'
        )
    return (
        '<div class="scroll"><table class="evidence"><thead><tr><th>link of the chain</th>'
        "<th>measured</th><th>threshold</th><th>pass</th></tr></thead><tbody>"
        + "".join(html_rows)
        + "</tbody></table></div>"
    )


def moment_section(
    n: int,
    event: Mapping[str, Any],
    *,
    view: str,
    keyframe_uri: str | None,
    angle_uri: str | None,
) -> str:
    """One moment: verdict, gist, key frame, angle-angle plot and evidence table.

    ``keyframe_uri`` and ``angle_uri`` are the pictures, or ``None`` to leave them out.
    """
    side = str(event.get("side"))
    legs = event.get("legs") or {}
    per_leg = ""
    if side == "both" and legs:
        per_leg = " ".join(f"{esc(k)} {badge(v)}" for k, v in legs.items())
        per_leg = f'<p class="legs">Per leg: {per_leg}</p>'
    knee_s, peak_s = event.get("knee_s"), event.get("peak_s")
    knee_note = ""
    if knee_s is not None and peak_s is not None and abs(knee_s - peak_s) > 1e-6:
        knee_note = (
            f'<p class="na">The knee is read on the way down, at {seconds(knee_s)}: at the bottom '
            "of a deep squat the thigh points at the camera and the knee angle on the picture "
            "means little (the key frame's knee labels then read “thigh to camera”).</p>"
        )
    pics = []
    if keyframe_uri:
        pics.append(
            f'<figure><img class="kf" src="{keyframe_uri}" alt="key frame of moment {n}">'
            f"<figcaption><b>Key frame</b> at the peak ({seconds(event.get('peak_s'))}): load "
            "line of the leg coloured by the verdict, centre of mass plumb line over the "
            "feet (green when inside).</figcaption></figure>"
        )
    if angle_uri:
        pics.append(
            f'<figure><img src="{angle_uri}" alt="thigh against shin tilt, moment {n}">'
            "<figcaption><b>Thigh vs shin.</b> Circle: start; star: peak. A solid line "
            "running along the dotted diagonal means thigh and shin tilt inward together "
            "(in phase); flat or steep means one moves without the other.</figcaption>"
            "</figure>"
        )
    pics_html = f'<div class="pics{" one" if len(pics) == 1 else ""}">{"".join(pics)}</div>'
    depth = event.get("depth_leg_lengths")
    depth_text = f", depth {fmt(depth, 2)} leg lengths" if depth is not None else ""
    return (
        f'<section class="card moment" id="moment-{n}">'
        f"<h3>#{n} {esc(leg_words(side))} — {esc(kind_words(str(event.get('kind'))))} "
        f"{badge(event.get('verdict'))}</h3>"
        f'<ul class="meta"><li>from <b>{seconds(event.get("start_s"))}</b> to '
        f"<b>{seconds(event.get('end_s'))}</b>, peak <b>{seconds(event.get('peak_s'))}</b>"
        f"{depth_text}</li></ul>"
        f"<p>{esc(moment_gist(event, view=view))}</p>{per_leg}{knee_note}"
        f"{pics_html if pics else ''}"
        f"{evidence_table(event)}</section>"
    )


LR_ROWS: Final[tuple[tuple[str, str, str, int], ...]] = (
    ("knee_fppa_peak_deg", "Knee angle at the peak (FPPA)", "°", 1),
    ("knee_valgus_change_deg", "Knee movement toward the midline", "°", 1),
    ("femur_tibia_coupling_deg", "Thigh–shin coupling angle (45° = together)", "°", 0),
    ("femur_tibia_lag_s", "Shin lag behind the thigh", "s", 2),
    ("femur_tibia_in_phase_pct", "Thigh and shin in phase", "%", 0),
    ("pelvis_shift_toward_norm", "Pelvis shift over the standing foot", "hip widths", 2),
    ("pelvis_loaded_side_up_deg", "Pelvis hike on the standing side", "°", 1),
    ("com_margin_norm", "Centre of mass margin inside the base", "foot lengths", 2),
    ("foot_medial_shift_change_norm", "Ankle in over the foot (experimental)", "foot lengths", 3),
)


def left_right(summary: Mapping[str, Any], *, picture_uri: str | None) -> str:
    """The section *left vs right*: the side medians, their difference, and the
    left-vs-right picture (``picture_uri``, or ``None``)."""
    sides = summary.get("sides") or {}
    asym = summary.get("asymmetry") or {}
    left, right = sides.get("left") or {}, sides.get("right") or {}
    rows = [
        "<tr><td>Loading moments</td>"
        f'<td class="num">{esc(left.get("moments", 0))}</td>'
        f'<td class="num">{esc(right.get("moments", 0))}</td><td></td></tr>',
        f"<tr><td>Overall verdict</td><td>{badge(left.get('verdict'))}</td>"
        f"<td>{badge(right.get('verdict'))}</td><td></td></tr>",
    ]
    for key, label, unit, digits in LR_ROWS:
        entry = asym.get(key) or {}
        lv = entry.get("left", (left.get("medians") or {}).get(key))
        rv = entry.get("right", (right.get("medians") or {}).get(key))
        diff = entry.get("difference")
        flag = ""
        if key == "knee_fppa_peak_deg" and asym.get("knee_fppa_asymmetric"):
            flag = ' <span class="badge v-partial">ASYMMETRIC</span>'
        short = unit if unit in ("°", "%", "s") else ""  # long units go with the label
        words = label if short or not unit else f"{label} ({unit})"
        rows.append(
            f"<tr><td>{esc(words)}{flag}</td>"
            f'<td class="num">{with_unit(fmt(lv, digits), short)}</td>'
            f'<td class="num">{with_unit(fmt(rv, digits), short)}</td>'
            f'<td class="num">{with_unit(fmt(diff, digits), short)}</td></tr>'
        )
    threshold = asym.get("knee_fppa_threshold_deg")
    note = (
        f"<p>Medians over each leg's moments (bilateral moments count for both legs). A "
        f"knee-angle gap of {fmt(threshold, 1)}° or more is beyond the smallest difference a "
        "single camera can detect (Munro 2012).</p>"
        if threshold is not None
        else ""
    )
    picture = (
        f'<figure><img src="{picture_uri}" alt="best left and right moments side by side">'
        "<figcaption><b>Left vs right</b>: the clearest moment of each leg, side by side."
        "</figcaption></figure>"
        if picture_uri
        else ""
    )
    return (
        '<section class="card" id="left-right"><h2>Left vs right</h2>'
        '<div class="scroll"><table class="lr"><thead><tr><th></th><th>left</th><th>right</th>'
        "<th>left − right</th></tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table></div>{note}{picture}</section>"
    )


def thresholds_table(th: Thresholds) -> str:
    """The thresholds used, folded away at the end of the page."""
    rows = "".join(
        f'<tr><td><code>{esc(k)}</code></td><td class="num">{v:g}</td></tr>'
        for k, v in th.as_dict().items()
    )
    return (
        '<section class="card" id="thresholds"><details><summary>Thresholds used '
        "(defaults and sources: <code>pronate.verdict.thresholds</code>; override with "
        "<code>--config FILE.toml</code>)</summary>"
        f'<div class="scroll"><table><tbody>{rows}</tbody></table></div></details></section>'
    )


def verdicts_section(
    summary: Mapping[str, Any], events: Sequence[Mapping[str, Any]], *, duration_s: float | None
) -> str:
    """The verdict of each leg, the strip of moments along the clip and their table."""
    moments = (
        f"<h3>Loading moments along the clip</h3>{strip(events, duration_s)}{moments_table(events)}"
        if events
        else "<p>No loading moment was found in this clip.</p>"
    )
    return (
        '<section class="card" id="verdicts"><h2>Verdict per leg</h2>'
        f'<div class="grid">{sides_card(summary, events)}</div>{moments}</section>'
    )


def _plot_figure(
    panel: Panel,
    metrics: xr.Dataset,
    events: Sequence[Mapping[str, Any]],
    *,
    thresholds: Thresholds,
    view: str,
) -> str:
    """One time plot with its caption: a wide picture, and a narrow one for phones."""
    uri = time_plot(panel, metrics, events, thresholds=thresholds, size=WIDE)
    phone = time_plot(panel, metrics, events, thresholds=thresholds, size=NARROW)
    body = (
        f'<picture><source media="(max-width: 600px)" srcset="{phone}">'
        f'<img src="{uri}" alt="{esc(panel.title)} over time"></picture>'
        if uri and phone
        else '<p class="na">Not measurable in this clip'
        + (" (side view)." if view in ("left", "right") else ".")
        + "</p>"
    )
    return (
        f'<figure class="plot" id="plot-{panel.key}">{body}<figcaption>'
        f"<b>{esc(panel.title)}.</b> {esc(panel.explain)}</figcaption></figure>"
    )


def plots_section(
    metrics: xr.Dataset | None,
    events: Sequence[Mapping[str, Any]],
    *,
    thresholds: Thresholds,
    view: str,
) -> str:
    """The section *over time*: the time plots of :func:`pronate.outputs.report.plots.panels`."""
    plots = (
        "".join(
            _plot_figure(panel, metrics, events, thresholds=thresholds, view=view)
            for panel in panels(thresholds)
        )
        if metrics is not None
        else "<p>No per-frame metrics were given to this report.</p>"
    )
    legend = " ".join(
        badge(v) for v in ("pronation", "partial", "missing", "collapse", "unmeasurable")
    )
    return (
        '<section class="card" id="plots"><h2>Over time</h2>'
        "<p>Shaded: the loading moments, coloured by verdict "
        f"({legend}); the thin line marks each peak, numbered as above (dotted: where the "
        "knee of a deep squat is read). Lines: "
        f'<b style="color:{SIDE_HEX["left"]}">left</b>, '
        f'<b style="color:{SIDE_HEX["right"]}">right</b>; bold while the leg is on the floor, '
        f"faint while it is in the air.</p>{plots}</section>"
    )

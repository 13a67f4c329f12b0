"""The coach's report ``OUTDIR/report.html``: one self-contained page per analysis.

Everything is inside the one file: pictures as ``data:`` URIs (plots as SVG drawn with
matplotlib, key frames as JPEG), the CSS inline, the summary as inline JSON
(``<script type="application/json" id="summary-data">``), and no script at all. The page
opens offline in any browser, reads on a phone and on a laptop, and prints.

What it holds, top to bottom:

1. the clip (file, view, model, frames, date of the analysis);
2. the verdict per leg, and a strip of the loading moments along the clip;
3. *what this means*, in a coach's words, generated from the verdicts;
4. each loading moment: its verdict, key frame, femur-tibia angle-angle plot and its
   evidence table (criterion, value, threshold, pass);
5. time plots of knee FPPA, femur and tibia tilt, pelvic obliquity and shift and the
   centre-of-mass margin, with the moments shaded by verdict and the normative bands
   of :mod:`pronate.thresholds` drawn;
6. left vs right: the side medians and ``keyframes/left_vs_right.png``;
7. the limits of the measurement, and the thresholds used.

:func:`build_report` returns the HTML text; :func:`write_report` writes it atomically;
:func:`write_pdf` prints it to PDF with headless Chromium when that is installed.

matplotlib is imported only when a plot is drawn, and never through ``pyplot``: importing
this module changes no global state.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate import __version__
from pronate.errors import ConfigError, OutputError
from pronate.io.atomic import atomic_path, write_text_atomic
from pronate.thresholds import Thresholds, override

REPORT_NAME: Final[str] = "report.html"
PDF_NAME: Final[str] = "report.pdf"

VERDICT_HEX: Final[dict[str, str]] = {
    "pronation": "#28c85a",
    "partial": "#ffb000",
    "missing": "#ffb000",
    "collapse": "#eb2d2d",
    "unmeasurable": "#a0a0a0",
}
"""The verdict colours of the overlay (:data:`pronate.render.style.VERDICT_COLOURS`)."""

VERDICT_LABEL: Final[dict[str, str]] = {
    "pronation": "PRONATION",
    "partial": "PARTIAL",
    "missing": "NO PRONATION",
    "collapse": "COLLAPSE",
    "unmeasurable": "NOT MEASURABLE",
}
"""The verdict words of the overlay (:data:`pronate.render.style.VERDICT_WORDS`)."""

SIDE_HEX: Final[dict[str, str]] = {"left": "#1f6fd1", "right": "#c2188f"}
"""Line colours of the subject's left and right in the plots: the hues of the overlay's
skeleton, darkened to read on white."""

CHAIN_KEYPOINTS: Final[tuple[str, ...]] = tuple(
    f"{side}_{part}"
    for side in ("left", "right")
    for part in ("hip", "knee", "ankle", "heel", "foot_index")
)
"""Keypoints whose confidence the limits section reports."""

LOW_CONFIDENCE: Final[float] = 0.5

CHROMIUM_NAMES: Final[tuple[str, ...]] = ("chromium", "chromium-browser", "google-chrome")
HEADLESS_FLAGS: Final[tuple[str, ...]] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
)


# --------------------------------------------------------------------------- criteria


@dataclass(frozen=True)
class Link:
    """How a criterion of :mod:`pronate.assessment` reads in the report.

    Attributes
    ----------
    label
        The link of the chain, in a coach's words.
    unit
        Unit of the value (``"°"``, ``"s"``, ``"%"``, ``"hip widths"`` ...).
    op
        The comparison of the verdict: ``>``, ``>=``, ``<=``, or ``in`` (a range).
    digits
        Decimals shown.
    failed
        What a failed criterion means, as a short clause.
    informative
        Reported, but not part of the verdict.
    """

    label: str
    unit: str
    op: str
    digits: int
    failed: str
    informative: bool = False


LINKS: Final[dict[str, Link]] = {
    "com_inside_base": Link(
        "Centre of mass inside the base of support (margin)",
        "foot lengths",
        ">",
        2,
        "the centre of mass was not inside the base of support",
    ),
    "xcom_inside_base": Link(
        "Moving centre of mass inside the base (Hof's XCoM)",
        "foot lengths",
        ">",
        2,
        "the moving centre of mass was outside the base of support",
        informative=True,
    ),
    "pelvis_over_foot": Link(
        "Pelvis shifted over the standing foot",
        "hip widths",
        ">=",
        2,
        "the pelvis did not shift over the standing foot",
    ),
    "pelvis_centred": Link(
        "Pelvis centred between the feet (|shift|)",
        "hip widths",
        "<=",
        2,
        "the pelvis was not centred between the feet",
    ),
    "pelvis_loaded_side_up": Link(
        "Pelvis hiked on the standing side",
        "°",
        ">=",
        1,
        "the pelvis did not hike on the standing side",
    ),
    "pelvis_level": Link(
        "Pelvis level (|obliquity|)",
        "°",
        "<=",
        1,
        "the pelvis was not level",
    ),
    "knee_valgus_movement": Link(
        "Knee moved toward the midline (FPPA change, start to peak)",
        "°",
        ">=",
        1,
        "the knee did not move toward the midline",
    ),
    "knee_fppa_in_band": Link(
        "Knee angle at the peak inside the normal band (FPPA)",
        "°",
        "<=",
        1,
        "the knee went in beyond the normal band",
    ),
    "femur_tibia_coupling": Link(
        "Thigh and shin tilted together (coupling angle)",
        "°",
        "in",
        0,
        "thigh and shin did not tilt together",
    ),
    "femur_tibia_lag": Link(
        "Shin followed the thigh without delay (lag)",
        "s",
        "<=",
        2,
        "the shin lagged behind the thigh",
    ),
    "femur_tibia_in_phase": Link(
        "Share of the moment with thigh and shin in phase",
        "%",
        ">=",
        0,
        "thigh and shin were in phase less than half the time",
        informative=True,
    ),
    "foot_pronation": Link(
        "Ankle moved in over the foot (experimental foot proxy)",
        "foot lengths",
        ">=",
        3,
        "the ankle did not move in over the foot",
        informative=True,
    ),
}
"""Every criterion of :mod:`pronate.assessment`, in the order of the chain."""

CHAIN_ORDER: Final[tuple[str, ...]] = tuple(LINKS)
RHYTHM: Final[tuple[str, ...]] = ("femur_tibia_coupling", "femur_tibia_lag", "femur_tibia_in_phase")


def split_name(name: str) -> tuple[str, str | None]:
    """Split a criterion name into its base and its leg (``knee_fppa_in_band_left``)."""
    for leg in ("left", "right"):
        if name.endswith(f"_{leg}"):
            return name[: -len(leg) - 1], leg
    return name, None


def _fmt(value: Any, digits: int) -> str:
    if value is None:
        return "—"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return html.escape(str(value))
    if not math.isfinite(f):
        return "—"
    text = f"{f:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


def _with_unit(text: str, unit: str) -> str:
    if text == "—" or not unit:
        return text
    return f"{text}{unit}" if unit in ("°", "%") else f"{text} {unit}"


def threshold_text(name: str, threshold: Any) -> str:
    """The threshold of a criterion in words: ``≤ 16.8°``, ``in phase: 22.5–67.5°``."""
    base, _ = split_name(name)
    link = LINKS.get(base)
    if link is None:
        return html.escape(str(threshold))
    if link.op == "in" and isinstance(threshold, list | tuple) and len(threshold) == 2:
        lo, hi = (_fmt(v, 1) for v in threshold)
        return f"in phase: {lo}–{hi}°"
    op = {">": ">", ">=": "≥", "<=": "≤"}.get(link.op, link.op)
    digits = max(link.digits, 1) if link.unit == "°" else link.digits
    return f"{op} {_with_unit(_fmt(threshold, digits), link.unit)}"


def value_text(name: str, value: Any) -> str:
    """The value of a criterion with its unit."""
    base, _ = split_name(name)
    link = LINKS.get(base)
    if link is None:
        return _fmt(value, 2)
    return _with_unit(_fmt(value, link.digits), link.unit)


def criterion_label(name: str) -> str:
    """The criterion in a coach's words, with its leg for bilateral moments."""
    base, leg = split_name(name)
    link = LINKS.get(base)
    label = link.label if link else base.replace("_", " ")
    return f"{leg.capitalize()} knee: {label[0].lower()}{label[1:]}" if leg else label


# --------------------------------------------------------------------------- coach's words


def kind_words(kind: str) -> str:
    """``single_leg_squat`` -> ``single-leg squat``."""
    words = str(kind or "loading").replace("_", " ").replace("-", " ").strip()
    return words.replace("single leg", "single-leg").replace("step down", "step-down")


def leg_words(side: str) -> str:
    """``left`` -> ``Left leg``; ``both`` -> ``Both legs``."""
    return "Both legs" if side == "both" else f"{str(side).capitalize()} leg"


def _failed(criteria: Iterable[Mapping[str, Any]], *, leg: str | None = None) -> list[str]:
    """Base names of the failed criteria used in the verdict, in the order of the chain."""
    out: list[str] = []
    for c in criteria:
        base, which = split_name(str(c.get("name", "")))
        link = LINKS.get(base)
        if link is None or link.informative or c.get("passed") is not False:
            continue
        if leg is not None and which not in (None, leg):
            continue
        if base not in out:
            out.append(base)
    return sorted(out, key=CHAIN_ORDER.index)


def _join(clauses: Sequence[str]) -> str:
    if not clauses:
        return ""
    if len(clauses) == 1:
        return clauses[0]
    return ", ".join(clauses[:-1]) + " and " + clauses[-1]


def moment_gist(event: Mapping[str, Any], *, view: str) -> str:
    """One sentence on a moment: what its verdict rests on (plain text)."""
    verdict = event.get("verdict")
    failed = [LINKS[b].failed for b in _failed(event.get("criteria", []))]
    if verdict == "pronation":
        return "Every link of the chain that counts was there."
    if verdict == "unmeasurable":
        if view in ("left", "right"):
            return "Not judged: from the side the camera cannot see the knee move inward."
        return "Not judged: the knee was not seen well enough during this moment."
    if verdict == "collapse":
        return f"The chain gave way: {_join(failed) or 'the knee went in too far'}."
    if verdict == "missing":
        return f"Load taken without the chain: {_join(failed)}."
    if verdict == "partial":
        return f"Part of the chain: {_join(failed) or 'some links were not there'}."
    return "Not assessed."


CHAIN_TEXT: Final[str] = (
    "When a leg takes load it should <b>pronate</b>: a chain of small movements from the "
    "foot up that lets the leg absorb the load. The foot settles onto its tripod (heel, "
    "ball of the big toe, ball of the little toe); the shin and the thigh turn inward "
    "together; the knee moves a little toward the midline, in rhythm with them; the "
    "pelvis hikes on the standing side and shifts over the standing foot; and the "
    "body's centre of mass stays inside the base of support (over the foot or feet). "
    "The camera checks each of these links."
)

LEG_TEXT: Final[dict[str, str]] = {
    "pronation": "the chain was there — this leg takes load the way it should.",
    "partial": "part of the chain was there, part was not: {failed}.",
    "missing": "the leg took the load <b>without the chain</b>: {failed}.",
    "collapse": "the chain <b>gave way</b>: {failed}.",
    "unmeasurable": "could not be judged from this video ({reason}).",
}
"""The verdict of a leg, completed with what failed."""

VERDICT_MEANING: Final[dict[str, str]] = {
    "pronation": (
        "<b>Pronation</b> means the chain was there: the knee moved a little toward the "
        "midline and stayed in the normal band, thigh and shin moved together, and the "
        "pelvis and the centre of mass came over the foot."
    ),
    "partial": (
        "<b>Partial</b> means some links were there and some were not: the leg copes, but "
        "not with the whole chain. The missing links (the red rows of the evidence tables) "
        "are the ones to work on."
    ),
    "missing": (
        "<b>No pronation</b> (missing) means the leg took load without the chain: it was held "
        "up stiff instead of absorbing the load. Then other muscles do the chain's work: the "
        "peroneals on the outside of the shin, the IT band on the outside of the thigh, "
        "piriformis and psoas deep at the hip. These are the structures that tend to get "
        "tight and sore."
    ),
    "collapse": (
        "<b>Collapse</b> means the chain gave way: the knee went further in than the normal "
        "band, or thigh and shin moved out of rhythm. The knee then takes what the chain "
        "should share: work on control before adding load."
    ),
    "unmeasurable": (
        "<b>Not measurable</b> means the video did not show enough: film from the front or "
        "the back, with the whole body and both feet in the picture, in good light."
    ),
}
"""What each verdict means for the client, said once for the verdicts of the clip."""


def _side_events(events: Sequence[Mapping[str, Any]], leg: str) -> list[Mapping[str, Any]]:
    return [e for e in events if e.get("side") in (leg, "both")]


def _leg_verdict(event: Mapping[str, Any], leg: str) -> str | None:
    legs = event.get("legs") or {}
    value = legs.get(leg, event.get("verdict"))
    return None if value is None else str(value)


def side_paragraph(summary: Mapping[str, Any], leg: str) -> str:
    """What happened to one leg, in a coach's words (HTML).

    The leg's overall verdict with the links that failed in its moments of that verdict,
    then the moments that went otherwise.
    """
    side = (summary.get("sides") or {}).get(leg) or {}
    events = _side_events(ordered_events(summary), leg)
    verdict = side.get("verdict")
    title = f"<b>{leg.capitalize()} leg</b>: "
    if not events or verdict is None:
        return title + "no loading moment on this leg in the clip."
    numbered = [
        (n, e) for n, e in enumerate(ordered_events(summary), 1) if e.get("side") in (leg, "both")
    ]
    counts = Counter(v for _, e in numbered if (v := _leg_verdict(e, leg)))
    tally = ", ".join(
        f"{n} {VERDICT_LABEL.get(v, v).lower()}"
        for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    lead = f"{len(events)} loading moment{'s' if len(events) != 1 else ''} ({tally}). "
    view = str(summary.get("view", ""))
    reason = (
        "a side view shows no frontal plane"
        if view in ("left", "right")
        else "the knee was not seen well enough"
    )

    def failed_of(items: Sequence[Mapping[str, Any]]) -> str:
        found: Counter[str] = Counter()
        for e in items:
            found.update(_failed(e.get("criteria", []), leg=leg))
        links = [LINKS[b].failed for b in sorted(found, key=CHAIN_ORDER.index)]
        return _join(links) or "some links were not there"

    mine = [e for _, e in numbered if _leg_verdict(e, leg) == verdict]
    text = LEG_TEXT.get(str(verdict), "{failed}").format(failed=failed_of(mine), reason=reason)
    text = "Mostly, " + text if len(counts) > 1 else text[0].upper() + text[1:]
    others = []
    for n, e in numbered:
        v = _leg_verdict(e, leg)
        if v == verdict or v is None:
            continue
        what = LEG_TEXT.get(v, "{failed}").format(failed=failed_of([e]), reason=reason)
        others.append(
            f"in moment #{n} ({_fmt(e.get('peak_s'), 1)} s) {_esc(VERDICT_LABEL.get(v, v).lower())}"
            f" — {what}"
        )
    tail = (" But " + "; ".join(others)) if others else ""
    if tail and not tail.endswith("."):
        tail += "."
    return title + lead + text + tail


def asymmetry_paragraph(summary: Mapping[str, Any]) -> str | None:
    """A sentence on the left-right difference, when there is one worth saying (HTML)."""
    asym = summary.get("asymmetry") or {}
    fppa = asym.get("knee_fppa_peak_deg") or {}
    left, right = fppa.get("left"), fppa.get("right")
    threshold = asym.get("knee_fppa_threshold_deg")
    parts: list[str] = []
    if asym.get("knee_fppa_asymmetric") and left is not None and right is not None:
        more = "left" if left > right else "right"
        lead = (
            f"The {more} knee goes in more"
            if max(left, right) > 0
            else f"The {'right' if more == 'left' else 'left'} knee bows out more"
        )
        parts.append(
            f"{lead}: knee angle {_fmt(left, 1)}° on the left against {_fmt(right, 1)}° on "
            f"the right (negative = outward), a gap of {_fmt(abs(left - right), 1)}° — more "
            f"than the camera can mistake ({_fmt(threshold, 1)}°)."
        )
    if asym.get("verdicts_differ"):
        parts.append(
            "The two legs do not load the same way: compare them in the left-vs-right picture."
        )
    return " ".join(parts) or None


def meaning_paragraphs(summary: Mapping[str, Any]) -> list[str]:
    """The section *what this means*: the chain, each leg, the verdicts seen, the
    asymmetry (HTML paragraphs)."""
    out = [CHAIN_TEXT]
    events = summary.get("events") or []
    if not events:
        out.append(
            "No loading moment was found in this clip: no single-leg stance, squat, lunge, "
            "step-down or walking stance long enough to judge. Film the client loading one "
            "leg (a single-leg stance or squat) for at least a second."
        )
    else:
        out.extend(side_paragraph(summary, leg) for leg in ("left", "right"))
        asym = asymmetry_paragraph(summary)
        if asym:
            out.append(asym)
        seen = {str(v) for e in events for v in [e.get("verdict"), *(e.get("legs") or {}).values()]}
        out.extend(VERDICT_MEANING[v] for v in VERDICT_MEANING if v in seen)
    if summary.get("view") == "oblique":
        out.append(
            "The camera saw the client at an angle (oblique view): read the numbers with "
            "lower confidence, and film from straight in front next time."
        )
    return out


# --------------------------------------------------------------------------- pictures


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


_RC: Final[Any] = {  # rc names are typed as literals by matplotlib
    "svg.fonttype": "none",
    "svg.hashsalt": "pronate",
    "font.family": "sans-serif",
    "font.size": 9.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e7ea",
    "grid.linewidth": 0.6,
}


def _svg(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return data_uri(buf.getvalue(), "image/svg+xml")


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


def _shade_moments(ax: Any, events: Sequence[Mapping[str, Any]], *, label: bool) -> None:
    for number, e in enumerate(events, 1):
        start, end = e.get("start_s"), e.get("end_s")
        if start is None or end is None:
            continue
        colour = VERDICT_HEX.get(str(e.get("verdict")), "#a0a0a0")
        ax.axvspan(start, end, color=colour, alpha=0.22, lw=0, zorder=0)
        peak, knee = e.get("peak_s"), e.get("knee_s")
        if peak is not None:
            ax.axvline(peak, color=colour, lw=0.8, alpha=0.9, zorder=1)
        if knee is not None and peak is not None and abs(knee - peak) > 1e-6:
            ax.axvline(knee, color="#37424b", lw=0.8, ls=":", zorder=1)
        if label:
            x = peak if peak is not None else (start + end) / 2
            ax.annotate(
                f"#{number}",
                (x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                fontweight="bold",
                color="#37424b",
                annotation_clip=False,
            )


def _bands(ax: Any, key: str, th: Thresholds, t0: float, t1: float, *, both: bool) -> None:
    """Draw the normative band of plot ``key``."""
    muted = "#5b6670"
    if key == "fppa":
        ax.axhspan(0.0, th.fppa_max_deg, color="#28c85a", alpha=0.10, lw=0, zorder=0)
        ax.axhline(th.fppa_max_deg, color="#b3261e", lw=0.9, ls="--", zorder=1)
        ax.text(
            t1,
            th.fppa_max_deg,
            f" band limit {th.fppa_max_deg:g}°",
            color="#b3261e",
            fontsize=7.5,
            va="bottom",
            ha="right",
        )
    elif key == "obliquity":
        for sign, words in ((1.0, "left hip up"), (-1.0, "right hip up")):
            y = sign * th.obliquity_up_min_deg
            ax.axhline(y, color=muted, lw=0.8, ls="--", zorder=1)
            ax.text(
                t0,
                y,
                f" {words}",
                color=muted,
                fontsize=7.5,
                va="bottom" if sign > 0 else "top",
                clip_on=True,
            )
        if both:
            lim = th.pelvis_level_max_deg
            ax.axhspan(-lim, lim, color="#28c85a", alpha=0.08, lw=0, zorder=0)
    elif key == "shift":
        for sign, words in ((1.0, "over the left foot"), (-1.0, "over the right foot")):
            y = sign * th.pelvis_shift_min
            ax.axhline(y, color=muted, lw=0.8, ls="--", zorder=1)
            ax.text(
                t0,
                y,
                f" {words}",
                color=muted,
                fontsize=7.5,
                va="bottom" if sign > 0 else "top",
                clip_on=True,
            )
        if both:
            lim = th.pelvis_centred_max
            ax.axhspan(-lim, lim, color="#28c85a", alpha=0.08, lw=0, zorder=0)
    elif key == "com":
        ax.axhline(th.com_margin_min, color="#37424b", lw=0.8, zorder=1)
        ax.axhspan(th.com_margin_min, 10.0, color="#28c85a", alpha=0.10, lw=0, zorder=0)
        ax.text(t0, th.com_margin_min, " inside", color="#137a35", fontsize=7.5, va="bottom")
        ax.text(t0, th.com_margin_min, " outside", color="#b3261e", fontsize=7.5, va="top")


def time_plot(
    panel: Panel,
    metrics: xr.Dataset,
    events: Sequence[Mapping[str, Any]],
    *,
    thresholds: Thresholds,
    size: tuple[float, float] = (7.2, 2.3),
) -> str | None:
    """Draw one time plot as an SVG ``data:`` URI; ``None`` when nothing is measurable.

    Parameters
    ----------
    panel
        What to plot.
    metrics
        The per-frame metrics.
    events
        The loading moments, numbered in this order.
    thresholds
        The thresholds, for the bands.
    size
        Width and height in inches (a narrower one for phones).

    Returns
    -------
    str or None
        The picture.
    """
    import matplotlib
    from matplotlib.figure import Figure

    t = np.asarray(metrics["time"].values, dtype=np.float64)
    lines = [(s, panel.sign * _series(metrics, s[0])) for s in panel.series]
    if not t.size or not any(np.isfinite(v).any() for _, v in lines):
        return None
    t0, t1 = float(t[0]), float(t[-1])
    both = any(e.get("side") == "both" for e in events)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
        _shade_moments(ax, events, label=True)
        shown = []
        for (_, label, colour, style), values in lines:
            if not np.isfinite(values).any():
                continue
            standing = _standing(metrics, label)
            if standing is None or not standing.any():
                ax.plot(t, values, color=colour, ls=style, lw=1.5, label=label, zorder=3)
                shown.append(values)
                continue
            # a leg in the air has no chain: drawn faint, and the axis follows the standing leg
            ax.plot(t, values, color=colour, ls=style, lw=1.0, alpha=0.35, zorder=2)
            on_floor = np.where(standing, values, np.nan)
            ax.plot(t, on_floor, color=colour, ls=style, lw=1.8, label=f"{label} (on the floor)")
            shown.append(on_floor)
        finite = np.concatenate([v[np.isfinite(v)] for v in shown])
        if not finite.size:
            finite = np.concatenate([v[np.isfinite(v)] for _, v in lines])
        lo, hi = float(finite.min()), float(finite.max())
        pad = max(0.08 * (hi - lo), 0.5 if panel.unit == "°" else 0.05)
        lo, hi = lo - pad, hi + pad
        if panel.key == "fppa":
            hi = max(hi, thresholds.fppa_max_deg + 2.0)
            lo = min(lo, -2.0)
        reach = {
            "obliquity": thresholds.obliquity_up_min_deg,
            "shift": thresholds.pelvis_shift_min,
            "com": abs(thresholds.com_margin_min),
        }.get(panel.key)
        if reach is not None:  # the lines of the criteria stay in view
            hi, lo = max(hi, 1.5 * reach + pad), min(lo, -1.5 * reach - pad)
        _bands(ax, panel.key, thresholds, t0, t1, both=both)
        ax.set_ylim(lo, hi)
        ax.set_xlim(t0, t1)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(panel.unit)
        if len(lines) > 1:
            ax.legend(loc="upper left", ncols=len(lines), frameon=False, bbox_to_anchor=(0, 1.0))
        return _svg(fig)


def angle_angle_plot(metrics: xr.Dataset, event: Mapping[str, Any], *, number: int) -> str | None:
    """The femur–tibia angle–angle plot of one moment, as an SVG ``data:`` URI.

    Thigh tilt (``femur_frontal``) on x, the shin's medial tilt (``-tibia_frontal``, as in
    :mod:`pronate.coordination`) on y, from the moment's start to its end: solid while
    loading (start to the knee frame), dashed while unloading; a dotted 45° line through
    the start marks *in phase* (thigh and shin tilting together).

    Parameters
    ----------
    metrics
        The per-frame metrics.
    event
        The moment (``side``, ``start_s``, ``end_s``, ``knee_s`` or ``peak_s``).
    number
        Its number in the report.

    Returns
    -------
    str or None
        The picture, or ``None`` when the segment angles were not measured.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    t = np.asarray(metrics["time"].values, dtype=np.float64)
    start, end = event.get("start_s"), event.get("end_s")
    if start is None or end is None or not t.size:
        return None
    knee = event.get("knee_s") if event.get("knee_s") is not None else event.get("peak_s")
    i0 = int(np.searchsorted(t, float(start) - 1e-9))
    i1 = int(np.searchsorted(t, float(end) + 1e-9))
    ik = int(np.searchsorted(t, float(knee) - 1e-9)) if knee is not None else i1 - 1
    ik = min(max(ik, i0), max(i1 - 1, i0))
    side = str(event.get("side"))
    legs = ("left", "right") if side == "both" else (side,)
    curves = []
    for leg in legs:
        x = _series(metrics, f"femur_frontal_{leg}_deg")[i0:i1]
        y = -_series(metrics, f"tibia_frontal_{leg}_deg")[i0:i1]  # medial tilt of the tibia
        if np.isfinite(x).sum() >= 2 and np.isfinite(y).sum() >= 2:
            curves.append((leg, x, y))
    if not curves:
        return None
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(3.6, 3.4), layout="constrained")
        ax = fig.add_subplot()
        xs = np.concatenate([c[1][np.isfinite(c[1])] for c in curves])
        ys = np.concatenate([c[2][np.isfinite(c[2])] for c in curves])
        span = max(float(np.ptp(xs)), float(np.ptp(ys)), 4.0)
        k = ik - i0
        for leg, x, y in curves:
            colour = SIDE_HEX.get(leg, "#37424b")
            ax.plot(x[: k + 1], y[: k + 1], color=colour, lw=1.8)
            ax.plot(x[k:], y[k:], color=colour, lw=1.2, ls="--", alpha=0.8)
            first = int(np.flatnonzero(np.isfinite(x) & np.isfinite(y))[0])
            ax.plot(x[first], y[first], "o", color=colour, mfc="white", ms=6, zorder=4)
            if np.isfinite(x[k]) and np.isfinite(y[k]):
                ax.plot(x[k], y[k], "*", color=colour, ms=11, zorder=4)
            x0, y0 = x[first], y[first]
            ax.plot([x0 - span, x0 + span], [y0 - span, y0 + span], color="#9aa5ae", lw=0.8, ls=":")
        cx, cy = float(np.mean([xs.min(), xs.max()])), float(np.mean([ys.min(), ys.max()]))
        half = 0.6 * span
        ax.set_xlim(cx - half, cx + half)
        ax.set_ylim(cy - half, cy + half)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("thigh tilt (°, + knee inward)")
        ax.set_ylabel("shin tilt (°, + knee inward)")
        ax.set_title(f"#{number}: thigh vs shin", loc="left")
        grey = "#5b6670"
        handles = [Line2D([], [], color=SIDE_HEX.get(leg, grey), lw=1.8) for leg, _, _ in curves]
        handles += [Line2D([], [], color=grey, lw=1.8), Line2D([], [], color=grey, ls="--")]
        labels = [leg for leg, _, _ in curves] + ["loading", "return"]
        ax.legend(handles, labels, loc="lower right", frameon=False, fontsize=7)
        return _svg(fig)


# --------------------------------------------------------------------------- HTML

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
 table.evidence td.val{grid-column:1;grid-row:2;text-align:left}
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


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _badge(verdict: Any) -> str:
    key = str(verdict) if verdict in VERDICT_LABEL else "none"
    text = VERDICT_LABEL.get(str(verdict), "NO MOMENT" if verdict is None else str(verdict))
    return f'<span class="badge v-{key}">{_esc(text)}</span>'


def _time(value: Any) -> str:
    return f"{_fmt(value, 2)} s"


def _json_script(data: Any) -> str:
    text = json.dumps(_json_safe(data), allow_nan=False, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_json_safe(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if obj is None or isinstance(obj, int | str):
        return obj
    return str(obj)


def ordered_events(summary: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The moments by start time, as :func:`pronate.render.moments_from_events` numbers
    them (so moment *n* of the report is key frame *n*)."""
    events = list(summary.get("events") or [])

    def key(e: Mapping[str, Any]) -> tuple[float, float]:
        start = float(e.get("start_s") or 0.0)
        peak = e.get("peak_s")
        end = float(e.get("end_s") or start)
        return start, float(peak) if peak is not None else (start + end) / 2

    return sorted(events, key=key)


def _header(summary: Mapping[str, Any], *, created: datetime, duration_s: float | None) -> str:
    video = str(summary.get("video") or "")
    name = Path(video).name if video else "(no video)"
    view = str(summary.get("view") or "unknown")
    conf = summary.get("view_confidence")
    frames, fps = summary.get("frames"), summary.get("fps")
    length = f"{duration_s:.1f} s, " if duration_s is not None else ""
    items = [
        ("Clip", f"{_esc(name)}"),
        ("View", f"{_esc(view)}" + (f" ({_esc(conf)} confidence)" if conf else "")),
        ("Length", f"{length}{_esc(frames)} frames at {_fmt(fps, 0)} fps"),
        ("Model", _esc(summary.get("model") or "unknown")),
        ("Analysed", created.strftime("%Y-%m-%d %H:%M")),
    ]
    meta = "".join(f"<li>{k}: <b>{v}</b></li>" for k, v in items)
    return (
        '<header class="card" id="clip">'
        "<h1>Pronation chain report</h1>"
        f'<ul class="meta">{meta}</ul>'
        f'<p><code title="the analysed file">{_esc(video)}</code></p>'
        "</header>"
    )


def _sides_card(summary: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> str:
    cards = []
    sides = summary.get("sides") or {}
    for leg in ("left", "right"):
        side = sides.get(leg) or {}
        mine = _side_events(events, leg)
        verdict = side.get("verdict") if mine else None
        counts = Counter(v for e in mine if (v := _leg_verdict(e, leg)))
        tally = ", ".join(
            f"{n}× {_esc(VERDICT_LABEL.get(v, v).lower())}" for v, n in counts.items()
        )
        medians = side.get("medians") or {}
        fppa = medians.get("knee_fppa_peak_deg")
        lines = [
            f'<div class="big">{_badge(verdict)}</div>',
            f"<div>{len(mine)} loading moment{'s' if len(mine) != 1 else ''}"
            + (f": {tally}" if tally else "")
            + "</div>",
        ]
        if fppa is not None:
            lines.append(
                f"<div>knee angle at the peak (median FPPA): <b>{_fmt(fppa, 1)}°</b></div>"
            )
        cards.append(f'<div class="side"><h3>{leg.capitalize()} leg</h3>{"".join(lines)}</div>')
    return "".join(cards)


def _strip(events: Sequence[Mapping[str, Any]], duration_s: float | None) -> str:
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
            f'background:{colour}" title="#{n} {_esc(leg_words(str(e.get("side"))))}: '
            f'{_esc(e.get("verdict"))}">{n}{side}</a>'
        )
    return (
        f'<div class="strip" role="img" aria-label="loading moments along the clip">'
        f"{''.join(blocks)}</div>"
        f'<div class="axis"><span>0 s</span><span>{duration_s:.1f} s</span></div>'
    )


def _moments_table(events: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for n, e in enumerate(events, 1):
        rows.append(
            f'<tr><td><a href="#moment-{n}">#{n}</a></td>'
            f"<td>{_esc(leg_words(str(e.get('side'))))}"
            f"<small>{_esc(kind_words(str(e.get('kind'))))}</small></td>"
            f'<td class="num">{_fmt(e.get("start_s"), 1)}–{_fmt(e.get("end_s"), 1)} s</td>'
            f"<td>{_badge(e.get('verdict'))}</td></tr>"
        )
    return (
        '<div class="scroll"><table class="moments"><thead><tr><th>#</th><th>moment</th>'
        "<th>time</th><th>verdict</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _pass_mark(criterion: Mapping[str, Any], *, valgus: bool | None) -> str:
    passed = criterion.get("passed")
    if passed is True:
        return '<span class="ok">✓ yes</span>'
    if passed is False:
        return '<span class="no">✗ no</span>'
    base, _ = split_name(str(criterion.get("name", "")))
    if base in RHYTHM and valgus is False and criterion.get("value") is not None:
        return '<span class="na" title="no knee movement to judge the rhythm of">not judged</span>'
    return '<span class="na">not measured</span>'


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
            value = value_text(base, c.get("value"))
            mark = _pass_mark(c, valgus=valgus.get(None))
        else:
            value = "<br>".join(
                f'<span class="leg">{_esc(leg or "")}</span> {value_text(base, c.get("value"))}'
                for leg, c in entries
            )
            mark = "<br>".join(
                f'<span class="leg">{_esc(leg or "")}</span> '
                + _pass_mark(c, valgus=valgus.get(leg))
                for leg, c in entries
            )
        klass = ' class="info"' if link is not None and link.informative else ""
        html_rows.append(
            f'<tr{klass}><td class="crit">{_esc(label)}<code>{_esc(names)}</code></td>'
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


def _moment_section(
    n: int,
    event: Mapping[str, Any],
    *,
    view: str,
    keyframe_uri: str | None,
    angle_uri: str | None,
) -> str:
    side = str(event.get("side"))
    legs = event.get("legs") or {}
    per_leg = ""
    if side == "both" and legs:
        per_leg = " ".join(f"{_esc(k)} {_badge(v)}" for k, v in legs.items())
        per_leg = f'<p class="legs">Per leg: {per_leg}</p>'
    knee_s, peak_s = event.get("knee_s"), event.get("peak_s")
    knee_note = ""
    if knee_s is not None and peak_s is not None and abs(knee_s - peak_s) > 1e-6:
        knee_note = (
            f'<p class="na">The knee is read on the way down, at {_time(knee_s)}: at the bottom '
            "of a deep squat the thigh points at the camera and the knee angle on the picture "
            "means little (the key frame's knee labels then read “thigh to camera”).</p>"
        )
    pics = []
    if keyframe_uri:
        pics.append(
            f'<figure><img class="kf" src="{keyframe_uri}" alt="key frame of moment {n}">'
            f"<figcaption><b>Key frame</b> at the peak ({_time(event.get('peak_s'))}): load "
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
    depth_text = f", depth {_fmt(depth, 2)} leg lengths" if depth is not None else ""
    return (
        f'<section class="card moment" id="moment-{n}">'
        f"<h3>#{n} {_esc(leg_words(side))} — {_esc(kind_words(str(event.get('kind'))))} "
        f"{_badge(event.get('verdict'))}</h3>"
        f'<ul class="meta"><li>from <b>{_time(event.get("start_s"))}</b> to '
        f"<b>{_time(event.get('end_s'))}</b>, peak <b>{_time(event.get('peak_s'))}</b>"
        f"{depth_text}</li></ul>"
        f"<p>{_esc(moment_gist(event, view=view))}</p>{per_leg}{knee_note}"
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


def _left_right(summary: Mapping[str, Any], *, picture_uri: str | None) -> str:
    sides = summary.get("sides") or {}
    asym = summary.get("asymmetry") or {}
    left, right = sides.get("left") or {}, sides.get("right") or {}
    rows = [
        "<tr><td>Loading moments</td>"
        f'<td class="num">{_esc(left.get("moments", 0))}</td>'
        f'<td class="num">{_esc(right.get("moments", 0))}</td><td></td></tr>',
        f"<tr><td>Overall verdict</td><td>{_badge(left.get('verdict'))}</td>"
        f"<td>{_badge(right.get('verdict'))}</td><td></td></tr>",
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
            f"<tr><td>{_esc(words)}{flag}</td>"
            f'<td class="num">{_with_unit(_fmt(lv, digits), short)}</td>'
            f'<td class="num">{_with_unit(_fmt(rv, digits), short)}</td>'
            f'<td class="num">{_with_unit(_fmt(diff, digits), short)}</td></tr>'
        )
    threshold = asym.get("knee_fppa_threshold_deg")
    note = (
        f"<p>Medians over each leg's moments (bilateral moments count for both legs). A "
        f"knee-angle gap of {_fmt(threshold, 1)}° or more is beyond the smallest difference a "
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


def confidence_summary(pose: xr.Dataset | None) -> str | None:
    """Keypoint confidence of the legs, in words; ``None`` without a pose."""
    if pose is None or "confidence" not in pose:
        return None
    names = [k for k in CHAIN_KEYPOINTS if k in list(pose["keypoint"].values)]
    if not names:
        return None
    conf = np.asarray(pose["confidence"].sel(keypoint=names).values, dtype=np.float64)
    per_frame = np.nanmin(np.where(np.isfinite(conf), conf, 0.0), axis=1)
    median = float(np.nanmedian(np.where(np.isfinite(conf), conf, np.nan)))
    low = float(np.mean(per_frame < LOW_CONFIDENCE)) * 100.0
    return (
        f"The pose model's confidence in the hips, knees, ankles and feet: median "
        f"{median:.2f}; in {low:.0f}% of frames at least one of them is below "
        f"{LOW_CONFIDENCE:g} (hidden, blurred or out of the picture). Numbers from those "
        "frames are less reliable."
    )


def limits_items(
    summary: Mapping[str, Any], *, pose: xr.Dataset | None, metrics: xr.Dataset | None
) -> list[str]:
    """The limits of this measurement (HTML list items' content)."""
    view = str(summary.get("view") or "unknown")
    items = [
        "<b>One camera, two dimensions.</b> Every angle is the picture of the body on the "
        "camera's image, not a 3-D joint angle. The inward turn of thigh and shin cannot be "
        "seen directly; it shows as the knee moving toward the midline. Filmed twice, the "
        "knee angle differs by about 3° (SEM 2.7–3.0°); between sessions or sides only "
        "differences above about 8° (7.5–8.9°) are real (Munro 2012).",
    ]
    view_text = {
        "front": "from the front: the best view for this analysis.",
        "back": "from behind: as good as the front; left and right are the client's own.",
        "oblique": "at an angle (oblique): the sideways direction is rebuilt from the "
        "model's depth estimate, so every frontal-plane number has <b>lower confidence</b>.",
        "left": "from the side: the frontal-plane chain (knee in, pelvis hike and shift) "
        "cannot be seen, so no verdict is given.",
        "right": "from the side: the frontal-plane chain (knee in, pelvis hike and shift) "
        "cannot be seen, so no verdict is given.",
    }.get(view, "from an unknown view.")
    items.append(f"<b>View.</b> This clip was filmed {view_text}")
    conf = confidence_summary(pose)
    if conf:
        items.append(f"<b>Confidence.</b> {_esc(conf)}")
    roll = summary.get("roll_deg")
    if roll is not None:
        method = (metrics.attrs.get("roll_method") if metrics is not None else None) or ""
        how = {
            "override": "as given (--roll)",
            "body_axis": "estimated from the body in quiet stance",
            "heel_toe": "estimated from the feet in quiet stance",
        }.get(str(method), "estimated")
        if method == "none":
            tilt = (
                "could not be estimated (no quiet stance on both feet), so the picture was "
                "taken as level"
            )
        else:
            tilt = f"was corrected by {_fmt(roll, 1)}° ({_esc(how)})"
        items.append(
            f"<b>Camera tilt.</b> The camera's tilt {tilt}. A camera that is not level tilts "
            "every frontal-plane angle: set it up level, at hip height."
        )
    if summary.get("labels_swapped"):
        items.append(
            "<b>Left and right.</b> The pose model labelled the sides as if it saw a face; "
            "the labels were swapped, so <i>left</i> is the client's real left."
        )
    deep = [
        e
        for e in summary.get("events") or []
        if e.get("knee_s") is not None
        and e.get("peak_s") is not None
        and abs(e["knee_s"] - e["peak_s"]) > 1e-6
    ]
    if deep:
        depth = (summary.get("thresholds") or {}).get("fppa_max_depth")
        at = f" at a drop of {_fmt(depth, 2)} leg lengths" if depth is not None else ""
        items.append(
            "<b>Deep squats.</b> The 2-D knee angle is established to about 45–60° of knee "
            "flexion. Deeper, the thigh points at the camera and its picture shortens, so the "
            f"knee of {len(deep)} deep moment{'s' if len(deep) != 1 else ''} was read on the "
            f"way down{at} (about 75° of knee flexion; dotted line in the plots), not at the "
            "bottom."
        )
    items.extend(
        [
            "<b>Foot: experimental.</b> The pose model sees only the heel, the ankle and the "
            "tip of the big toe — not the arch or the tripod. The foot row (the ankle moving "
            "in over the foot) is a rough proxy and does not enter the verdict.",
            "<b>Centre of mass: estimated</b> from body-segment tables (de Leva 1996) on the "
            "tracked keypoints, not measured; the base of support is the feet on the ground, "
            "widened by an estimated foot width.",
            "<b>A screen, not a diagnosis.</b> The verdicts describe how this clip moved "
            "against published norms; they do not explain pain or replace an assessment.",
        ]
    )
    return items


def _thresholds_table(th: Thresholds) -> str:
    rows = "".join(
        f'<tr><td><code>{_esc(k)}</code></td><td class="num">{v:g}</td></tr>'
        for k, v in th.as_dict().items()
    )
    return (
        '<section class="card" id="thresholds"><details><summary>Thresholds used '
        "(defaults and sources: <code>pronate.thresholds</code>; override with "
        "<code>--config FILE.toml</code>)</summary>"
        f'<div class="scroll"><table><tbody>{rows}</tbody></table></div></details></section>'
    )


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
        The content of ``summary.json`` (:func:`pronate.assessment.summarize`).
    metrics
        The per-frame metrics (:func:`pronate.kinematics.compute_metrics`); without them
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
    keyframes = keyframes or {}
    parts = [_header(summary, created=created, duration_s=duration)]
    for note in notes:
        parts.append(f'<p class="note">{_esc(note)}</p>')

    parts.append(
        '<section class="card" id="verdicts"><h2>Verdict per leg</h2>'
        f'<div class="grid">{_sides_card(summary, events)}</div>'
        + (
            f"<h3>Loading moments along the clip</h3>{_strip(events, duration)}"
            f"{_moments_table(events)}"
            if events
            else "<p>No loading moment was found in this clip.</p>"
        )
        + "</section>"
    )
    meaning = "".join(f"<p>{p}</p>" for p in meaning_paragraphs(summary))
    parts.append(f'<section class="card" id="meaning"><h2>What this means</h2>{meaning}</section>')

    if events:
        parts.append('<div id="moments">')
        for n, event in enumerate(events, 1):
            kf = keyframes.get(n)
            parts.append(
                _moment_section(
                    n,
                    event,
                    view=view,
                    keyframe_uri=image_file_uri(kf) if kf is not None else None,
                    angle_uri=(
                        angle_angle_plot(metrics, event, number=n) if metrics is not None else None
                    ),
                )
            )
        parts.append("</div>")

    plots = []
    if metrics is not None:
        for panel in panels(th):
            uri = time_plot(panel, metrics, events, thresholds=th)
            phone = time_plot(panel, metrics, events, thresholds=th, size=(4.2, 2.8))
            body = (
                f'<picture><source media="(max-width: 600px)" srcset="{phone}">'
                f'<img src="{uri}" alt="{_esc(panel.title)} over time"></picture>'
                if uri and phone
                else '<p class="na">Not measurable in this clip'
                + (" (side view)." if view in ("left", "right") else ".")
                + "</p>"
            )
            plots.append(
                f'<figure class="plot" id="plot-{panel.key}">{body}<figcaption>'
                f"<b>{_esc(panel.title)}.</b> {_esc(panel.explain)}</figcaption></figure>"
            )
    legend = " ".join(
        _badge(v) for v in ("pronation", "partial", "missing", "collapse", "unmeasurable")
    )
    parts.append(
        '<section class="card" id="plots"><h2>Over time</h2>'
        "<p>Shaded: the loading moments, coloured by verdict "
        f"({legend}); the thin line marks each peak, numbered as above (dotted: where the "
        "knee of a deep squat is read). Lines: "
        f'<b style="color:{SIDE_HEX["left"]}">left</b>, '
        f'<b style="color:{SIDE_HEX["right"]}">right</b>; bold while the leg is on the floor, '
        "faint while it is in the air.</p>"
        + ("".join(plots) or "<p>No per-frame metrics were given to this report.</p>")
        + "</section>"
    )

    # one leg alone: its key frame is already above, the picture would be half empty; only
    # bilateral moments: the best of each leg is the same frame, already above
    singles = {e.get("side") for e in events} & {"left", "right"}
    both_legs = bool(singles) and all(_side_events(events, leg) for leg in ("left", "right"))
    lvr = (
        image_file_uri(left_vs_right, max_size=1600)
        if left_vs_right is not None and both_legs
        else None
    )
    parts.append(_left_right(summary, picture_uri=lvr))
    limits = limits_items(summary, pose=pose, metrics=metrics)
    items = "".join(f"<li>{item}</li>" for item in limits)
    parts.append(
        f'<section class="card" id="limits"><h2>Limits</h2><ul class="limits">{items}</ul>'
        "</section>"
    )
    parts.append(_thresholds_table(th))
    name = Path(str(summary.get("video") or "")).name or "clip"
    return PAGE.substitute(
        title=_esc(f"pronate · {name}"),
        css=CSS,
        body="\n".join(parts),
        version=_esc(__version__),
        created=_esc(created.strftime("%Y-%m-%d %H:%M")),
        data=_json_script(summary),
    )


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


def find_chromium() -> str | None:
    """Path of a Chromium-like browser on ``PATH``, or ``None``."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(
    html_path: Path, pdf_path: Path, *, browser: str | None = None, timeout_s: float = 180.0
) -> Path:
    """Print the report to PDF with headless Chromium (offline, a throw-away profile).

    Parameters
    ----------
    html_path
        The report.
    pdf_path
        The PDF to write (atomically).
    browser
        The browser binary; default :func:`find_chromium`.
    timeout_s
        Give up after this many seconds.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    OutputError
        Without Chromium, or when it fails or produces nothing.
    """
    browser = browser or find_chromium()
    if browser is None:
        raise OutputError("report.pdf needs Chromium (chromium not found on PATH)")
    with (
        tempfile.TemporaryDirectory(prefix="pronate-chromium-") as profile,
        atomic_path(Path(pdf_path)) as tmp,
    ):
        cmd = [
            browser,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            Path(html_path).resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise OutputError(f"Chromium did not print {pdf_path} in {timeout_s:g} s") from None
        except OSError as exc:
            raise OutputError(f"cannot run {browser}: {exc.strerror or exc}") from exc
        if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise OutputError(f"Chromium could not print {pdf_path}: {tail[0]}")
    return Path(pdf_path)

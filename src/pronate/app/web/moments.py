"""The loading moments of an analysis as cards for the coach and the client: plain-words
numbers, the share card (a PNG) and side-by-side comparison. A :class:`MomentCard` shows
a moment of ``summary.json``; the moment itself is the pipeline's
(:mod:`pronate.verdict.moments`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pronate.app.store.models import Analysis
from pronate.app.workspace.service import NotFoundError, summary_of

VERDICT_PLAIN = {
    "pronation": "Pronation present: the leg took the load with the whole chain",
    "partial": "Partly there: some links of the chain took part, some not",
    "missing": "Not yet: the leg took the load without the chain",
    "collapse": "Too much: the knee went in beyond the normal band",
    "unmeasurable": "Not measurable from this camera view",
}


@dataclass(frozen=True)
class MomentCard:
    """One loading moment of an analysis, ready to show."""

    analysis_id: int
    number: int
    side: str
    kind: str
    peak_s: float
    verdict: str
    lines: list[str]
    keyframe: Path | None
    date: str

    @property
    def key(self) -> str:
        """``ANALYSIS-NUMBER``, as used in links."""
        return f"{self.analysis_id}-{self.number}"

    @property
    def title(self) -> str:
        """``left step down, 2026-10-01``."""
        return f"{self.side} {self.kind.replace('_', ' ')}, {self.date}"


def _criterion(event: dict[str, Any], base: str) -> dict[str, Any] | None:
    side = event.get("side", "")
    for c in event.get("criteria", []):
        if c["name"] in (base, f"{base}_{side}") and c.get("value") is not None:
            found: dict[str, Any] = c
            return found
    return None


def _band(knee: dict[str, Any]) -> str:
    """The knee's normal band in words; the threshold is an upper bound or [low, high]."""
    limit = knee.get("threshold")
    if isinstance(limit, list | tuple) and len(limit) == 2:
        return f"normal band {limit[0]:+.0f}° to {limit[1]:+.0f}°"
    if isinstance(limit, int | float):
        return f"healthy knees stay below {limit:.0f}°"
    return "no normal band given"


def plain_lines(event: dict[str, Any]) -> list[str]:
    """Three numbers of a moment in plain words (knee, balance, pelvis), when measured."""
    lines = []
    knee = _criterion(event, "knee_fppa_in_band")
    if knee is not None:
        lines.append(f"Knee angle at the deepest point: {knee['value']:+.0f}° ({_band(knee)})")
    com = _criterion(event, "com_inside_base")
    if com is not None:
        where = "inside" if com["value"] >= 0 else "outside"
        lines.append(
            f"Balance: body weight {where} the foot's support, "
            f"{abs(com['value']):.2f} foot lengths from its edge"
        )
    pelvis = _criterion(event, "pelvis_loaded_side_up")
    if pelvis is not None:
        way = "rose" if pelvis["value"] > 0 else "dropped"
        lines.append(f"Pelvis: the standing side {way} by {abs(pelvis['value']):.0f}°")
    return lines


def cards_of(analysis: Analysis, root: Path) -> list[MomentCard]:
    """The cards of an analysis's loading moments, numbered from 1 as in its key frames."""
    summary = summary_of(analysis)
    folder = root / analysis.folder / "keyframes"
    out = []
    for number, event in enumerate(summary.get("events", []), start=1):
        frames = sorted(folder.glob(f"{number:02d}_*.png")) if folder.is_dir() else []
        out.append(
            MomentCard(
                analysis_id=analysis.id,
                number=number,
                side=str(event.get("side", "")),
                kind=str(event.get("kind", "")),
                peak_s=float(event.get("peak_s") or 0.0),
                verdict=str(event.get("verdict", "")),
                lines=plain_lines(event),
                keyframe=frames[0] if frames else None,
                date=analysis.clip.visit.date.isoformat(),
            )
        )
    return out


def find_card(analysis: Analysis, root: Path, number: int) -> MomentCard:
    """The card of moment ``number`` (from 1) of an analysis, or :class:`NotFoundError`."""
    cards = cards_of(analysis, root)
    if not 1 <= number <= len(cards):
        raise NotFoundError(f"analysis {analysis.id} has no moment {number}")
    return cards[number - 1]


def card_png(card: MomentCard, *, client_name: str) -> bytes:
    """A one-page card of a moment for the client: key frame, verdict, three numbers."""
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    fig = Figure(figsize=(8, 4.5), dpi=150, facecolor="white")
    if card.keyframe is not None:
        ax = fig.add_axes((0.02, 0.04, 0.40, 0.92))
        ax.imshow(imread(str(card.keyframe)))
        ax.set_axis_off()
    text = fig.add_axes((0.45, 0.04, 0.53, 0.92))
    text.set_axis_off()
    text.text(0, 0.97, client_name, fontsize=15, fontweight="bold", va="top")
    text.text(0, 0.88, card.title, fontsize=10, color="#5b6670", va="top")
    verdict = VERDICT_PLAIN.get(card.verdict, card.verdict)
    text.text(
        0,
        0.76,
        _wrap(verdict, 46),
        fontsize=12,
        fontweight="bold",
        va="top",
        color=_colour(card.verdict),
    )
    y = 0.56
    for line in card.lines or ["No numbers could be measured for this card."]:
        text.text(0, y, "• " + _wrap(line, 50), fontsize=10, va="top")
        y -= 0.16
    text.text(
        0,
        0.0,
        "pronate · measured from one video; angles are 2-D projections",
        fontsize=7,
        color="#5b6670",
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _wrap(line: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(line, width))


def _colour(verdict: str) -> str:
    return {"pronation": "#1a7f37", "partial": "#9a6700"}.get(verdict, "#b42318")

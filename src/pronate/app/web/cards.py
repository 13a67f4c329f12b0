"""The share card: one PNG of a loading moment for the client (1200 x 675).

The picture of the moment, the client's name, what and when, the verdict in words with
what decided it, and the numbers that matter for its kind (:func:`pronate.outputs.evidence
.key_rows`: a two-leg squat shows both knees, the pelvis and the balance; a one-leg
moment the knee angle and movement, the pelvis and the balance). A moment that could not
be measured gets no numbers but how to film it so it can be.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any, Final

from pronate.app.web.moments import Moment
from pronate.outputs.evidence import FILMING_ADVICE, VERDICTS, verdict_title

COLOURS: Final[dict[str, str]] = {
    "pronation": "#1a7f37",
    "partial": "#9a6700",
    "missing": "#9a6700",
    "collapse": "#b42318",
}
"""Verdict colours on white (grey for any other)."""
MUTED: Final[str] = "#5b6670"
STATUS: Final[dict[str, str]] = {
    "passed": "within the norm",
    "failed": "outside the norm",
    "uncertain": "too close to call",
    "unmeasured": "not measured",
}
"""A number's status, as the client reads it."""
NAME_CHARS: Final[int] = 34
"""A longer client name is shortened (with an ellipsis), never clipped by the card."""


def _wrap(text: str, width: int, *, lines: int = 3) -> str:
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" …"))


def _picture(moment: Moment, imread: Any) -> Any:
    """The moment's picture as an array; ``None`` when there is none or it is unreadable."""
    if moment.image is None or not moment.image.is_file():
        return None
    try:
        return imread(str(moment.image))
    except (OSError, ValueError, SyntaxError):
        return None


def card_png(moment: Moment, *, client_name: str) -> bytes:
    """The share card of a moment (PNG bytes)."""
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    fig = Figure(figsize=(8, 4.5), dpi=150, facecolor="white")
    picture = _picture(moment, imread)
    if picture is not None:
        ax = fig.add_axes((0.02, 0.04, 0.36, 0.92))
        ax.imshow(picture)
        ax.set_axis_off()
    text = fig.add_axes((0.41, 0.03, 0.57, 0.94))
    text.set_axis_off()
    name = textwrap.shorten(client_name, NAME_CHARS, placeholder=" …")
    text.text(0, 0.98, name, fontsize=15, fontweight="bold", va="top")
    text.text(0, 0.895, f"{moment.title} · {moment.session}", fontsize=9, color=MUTED, va="top")
    verdict = moment.verdict
    colour = COLOURS.get(str(verdict), MUTED)
    known = VERDICTS.get(str(verdict))
    words = f"{known[0]}: {known[1]}" if known else verdict_title(verdict)
    if verdict is None:
        words = "A frame captured by hand"
    text.text(
        0, 0.81, _wrap(words, 44, lines=2), fontsize=12, fontweight="bold", va="top", color=colour
    )
    y = 0.66
    if verdict == "unmeasurable":
        reason = moment.event.get("reason") or "the knee was not seen well enough"
        hint = moment.event.get("placement_hint")
        lines = [f"Why: {reason}.", f"Next time: {hint}." if hint else "", f"{FILMING_ADVICE}."]
        for line in filter(None, lines):
            text.text(0, y, _wrap(line, 60, lines=4), fontsize=9.5, va="top")
            y -= 0.06 * (1 + len(textwrap.wrap(line, 60)[:4]))
    else:
        for row in moment.key_rows[:5]:
            said = STATUS.get(row.status, "")
            norm = f"{said} (norm {row.threshold})" if said and row.threshold else said
            text.text(0, y, _wrap(row.label, 62, lines=1), fontsize=8.5, color=MUTED, va="top")
            line = f"{row.value}" + (f"   {norm}" if norm else "")
            text.text(0, y - 0.045, line, fontsize=10.5, va="top")
            y -= 0.115
        if not moment.key_rows:
            text.text(0, y, "No numbers could be measured for this moment.", fontsize=10, va="top")
    text.text(
        0,
        0.0,
        "pronate · measured from one video; angles are 2-D projections (± their uncertainty)",
        fontsize=7,
        color=MUTED,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()

"""``subject.png``: who pronate followed, shown on the frame where they were chosen.

The frame where the client was first seen by the survey of the opening seconds (or the
picked moment), with the client boxed in green and labelled *client*, and every other
person seen in that frame boxed in grey with their number (as numbered in
``summary.json["subject"]["people"]``), so a coach can see at once whether the right
person was analysed, and which number (or pixel) to pick instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np

from pronate.io.atomic import write_bytes_atomic

SUBJECT_PNG: Final[str] = "subject.png"
CLIENT: Final[tuple[int, int, int]] = (40, 200, 90)
OTHER: Final[tuple[int, int, int]] = (235, 235, 235)
MAX_SIDE: Final[int] = 960
"""The picture's longer side, at most (pixels)."""


def _label(image: np.ndarray, text: str, at: tuple[int, int], colour: tuple[int, int, int]) -> None:
    scale = max(0.5, image.shape[0] / 900)
    thick = max(1, round(2 * scale))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    x, y = at
    y = max(y, th + base + 4)
    cv2.rectangle(image, (x, y - th - base - 4), (x + tw + 8, y + 2), colour, -1)
    ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
    cv2.putText(image, text, (x + 4, y - base), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, thick)


def draw_subject(image: np.ndarray, subject: Mapping[str, Any]) -> np.ndarray:
    """The frame (RGB) with the client and the others seen in it boxed and labelled."""
    h, w = image.shape[:2]
    factor = min(1.0, MAX_SIDE / max(h, w))
    out = cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
    thick = max(2, round(out.shape[0] / 300))
    frame = subject.get("frame")
    people = sorted(subject.get("people") or [], key=lambda p: bool(p.get("chosen")))
    for person in people:
        if person.get("frame") != frame:
            continue
        x0, y0, x1, y1 = (round(v * factor) for v in person["box"])
        chosen = bool(person.get("chosen"))
        colour = CLIENT if chosen else OTHER
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, thick + (1 if chosen else 0))
        text = f"{person['number']} client" if chosen else str(person["number"])
        _label(out, text, (x0, y0 - thick), colour)
    return out


def write_subject_png(path: Path, image: np.ndarray, subject: Mapping[str, Any]) -> Path:
    """Draw :func:`draw_subject` and write it as a PNG (atomically)."""
    picture = draw_subject(image, subject)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode subject.png")
    return write_bytes_atomic(Path(path), buf.tobytes())


def frame_of(video: Path, index: int) -> np.ndarray | None:
    """Frame ``index`` of ``video`` (RGB, upright), or ``None`` if it cannot be read."""
    from pronate.io.video import iter_frames

    try:
        for frame in iter_frames(Path(video), start=index, stop=index + 1):
            return frame.image
    except Exception:  # noqa: BLE001 - the picture is a nicety; the analysis goes on
        return None
    return None


HOW: Final[dict[str, str]] = {
    "performer": "the person who performs",
    "only_person": "the only person seen",
    "pick": "the person picked",
    "largest": "the largest person of the first frame where anyone is seen",
}


def subject_caption(subject: Mapping[str, Any]) -> str:
    """One or two sentences: who was analysed, why, and how to choose someone else."""
    how = HOW.get(str(subject.get("chosen_by")), str(subject.get("chosen_by")))
    text = f"Analysed: {how}"
    reason = subject.get("reason")
    if reason and subject.get("chosen_by") == "performer":
        text += f": {reason}"
    pick = subject.get("pick")
    if pick:
        when = f" at {pick['time_s']:g} s" if pick.get("time_s") is not None else ""
        text += f", at pixel {pick['x']:g},{pick['y']:g}{when}"
    text += "."
    refused = int(subject.get("refused_frames") or 0)
    if refused:
        text += f" In {refused} frames another person was refused (those frames are gaps)."
    others = [p for p in subject.get("people") or [] if not p.get("chosen")]
    if others:
        t = float(subject.get("time_s") or 0.0)
        text += (
            " Someone else? Analyse again with --pick "
            f"{t:.2f}:X,Y (a pixel on them in this picture)."
        )
    return text

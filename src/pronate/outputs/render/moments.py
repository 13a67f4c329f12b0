"""Loading moments as the overlay draws them (see :mod:`pronate.outputs.render.frame_data`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from pronate.outputs.render.style import VERDICTS

LOADED_SIDES: Final[tuple[str, ...]] = ("left", "right", "both")


@dataclass(frozen=True, kw_only=True)
class LoadingMoment:
    """One loading moment of the clip, as the timeline and key frames show it.

    Attributes
    ----------
    number
        1-based position of the moment in the clip, by start time.
    side
        Loaded leg: ``left``, ``right`` or ``both``.
    kind
        What the moment is (``single_leg_stance``, ``squat``, ...).
    start_s, peak_s, end_s
        Times in seconds from the first frame.
    verdict
        One of :data:`pronate.outputs.render.style.VERDICTS`, or ``None`` when not assessed.
    """

    number: int
    side: str
    kind: str
    start_s: float
    peak_s: float
    end_s: float
    verdict: str | None

    def __post_init__(self) -> None:
        if self.side not in LOADED_SIDES:
            raise ValueError(f"moment side must be one of {LOADED_SIDES}, got {self.side!r}")
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"moment verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not self.start_s <= self.end_s:
            raise ValueError(f"moment ends ({self.end_s}) before it starts ({self.start_s})")

    def contains(self, *, time_s: float) -> bool:
        """Return whether ``time_s`` lies within the moment (ends included)."""
        return self.start_s <= time_s <= self.end_s

    @property
    def kind_words(self) -> str:
        """The kind in words: ``single_leg_stance`` -> ``single-leg stance``."""
        words = self.kind.replace("_", " ").replace("-", " ").strip()
        return words.replace("single leg", "single-leg").replace("step down", "step-down")


def moments_from_events(
    events: Sequence[Mapping[str, Any]] | Mapping[str, Any],
) -> tuple[LoadingMoment, ...]:
    """Turn the analysis's events (or a whole ``summary`` dict) into loading moments.

    Parameters
    ----------
    events
        A sequence of event dicts (``side``, ``kind``, ``start_s``, ``peak_s``, ``end_s``,
        ``verdict``), or a summary dict holding them under ``events``.

    Returns
    -------
    tuple of LoadingMoment
        Sorted by start time and numbered from 1.

    Raises
    ------
    ValueError
        For an event without times, or with an unknown side or verdict.
    """
    if isinstance(events, Mapping):
        events = list(events.get("events", []))
    parsed = []
    for i, event in enumerate(events):
        try:
            start, end = float(event["start_s"]), float(event["end_s"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"event {i} has no valid start_s/end_s: {event!r}") from exc
        peak = event.get("peak_s")
        peak_s = float(peak) if peak is not None and np.isfinite(peak) else (start + end) / 2
        verdict = event.get("verdict")
        parsed.append((start, peak_s, end, str(event.get("side")), event, verdict))
    parsed.sort(key=lambda item: (item[0], item[1]))
    return tuple(
        LoadingMoment(
            number=k + 1,
            side=side,
            kind=str(event.get("kind") or "loading"),
            start_s=start,
            peak_s=peak_s,
            end_s=end,
            verdict=None if verdict is None else str(verdict),
        )
        for k, (start, peak_s, end, side, event, verdict) in enumerate(parsed)
    )


def current_moment(moments: Sequence[LoadingMoment], *, time_s: float) -> LoadingMoment | None:
    """Return the moment containing ``time_s``; of overlapping ones, the nearest peak."""
    inside = [m for m in moments if m.contains(time_s=time_s)]
    if not inside:
        return None
    return min(inside, key=lambda m: (abs(m.peak_s - time_s), m.number))

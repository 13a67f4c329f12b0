"""The loading moments as the overlay, the key frames and the report number them.

A loading moment is the pipeline's :class:`pronate.verdict.assessment.Assessment` (its
:class:`pronate.verdict.moments.Moment` with its verdict). Moment *n* is the *n*-th by
start time, then peak (:func:`in_order`): the same number on the time strip, in the key
frame's name and in the report. Assessments hold arrays, so a moment is found by
identity, never by equality.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pronate.verdict.assessment import Assessment

LOADED_SIDES: Final[tuple[str, ...]] = ("left", "right", "both")


def in_order(assessments: Sequence[Assessment]) -> tuple[Assessment, ...]:
    """The moments by start time, then peak: moment *n* is item *n* - 1."""
    return tuple(sorted(assessments, key=lambda a: (a.moment.start_s, a.moment.peak_s)))


def current_moment(moments: Sequence[Assessment], *, time_s: float) -> Assessment | None:
    """Return the moment containing ``time_s`` (ends included); of overlapping ones, the
    nearest peak, then the earlier in ``moments``."""
    inside = [
        (abs(a.moment.peak_s - time_s), k, a)
        for k, a in enumerate(moments)
        if a.moment.start_s <= time_s <= a.moment.end_s
    ]
    return min(inside, key=lambda item: item[:2])[2] if inside else None


def kind_words(kind: str) -> str:
    """A kind of moment in words: ``single_leg_stance`` -> ``single-leg stance``."""
    words = str(kind or "loading").replace("_", " ").replace("-", " ").strip()
    return words.replace("single leg", "single-leg").replace("step down", "step-down")

"""Kinds of loading moment in words, grouped by movement (the progress of a client is
read per movement and leg, never as a vote across kinds), and the numbers that matter
for each kind (the share card)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pronate.outputs.evidence.rows import Row, evidence_rows
from pronate.outputs.evidence.words import split_name

MOVEMENTS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "single_leg": ("Single-leg stance and squat", ("single_leg_stance", "single_leg_squat")),
    "step_down": ("Step-down", ("step_down",)),
    "lunge": ("Lunge", ("lunge",)),
    "squat": ("Two-leg squat", ("squat",)),
    "walking": ("Walking", ("walking_stance",)),
}
"""Movement -> its title and the kinds of moment (:data:`pronate.verdict.moments.KINDS`)
it gathers; :func:`movement_of` puts any other kind in a movement of its own."""

KEY_NUMBERS: Final[dict[str, tuple[str, ...]]] = {
    "single_leg": (
        "knee_fppa_in_band",
        "knee_valgus_movement",
        "pelvis_loaded_side_up",
        "pelvis_over_foot",
        "com_inside_base",
    ),
    "squat": ("knee_fppa_in_band", "pelvis_level", "pelvis_centred", "com_inside_base"),
}
"""The criteria a share card shows, per movement (``single_leg`` for every one-leg kind):
a two-leg squat is judged by both knees, the level and centred pelvis and the balance."""


def movement_of(kind: str) -> str:
    """The movement of a kind of moment (``single_leg_squat`` -> ``single_leg``)."""
    for key, (_, kinds) in MOVEMENTS.items():
        if kind in kinds:
            return key
    return str(kind or "other")


def movement_title(movement: str) -> str:
    """``Two-leg squat``; an unknown movement by its words."""
    known = MOVEMENTS.get(movement)
    return known[0] if known else kind_words(movement).capitalize()


def kind_words(kind: str) -> str:
    """``single_leg_squat`` -> ``single-leg squat``; ``squat`` -> ``two-leg squat``."""
    if kind == "squat":
        return "two-leg squat"
    words = str(kind or "loading").replace("_", " ").strip()
    return words.replace("single leg", "single-leg").replace("step down", "step-down")


def moment_title(side: str, kind: str, *, captured: bool = False) -> str:
    """What a moment is: ``left single-leg squat``, ``two-leg squat``, ``captured frame
    (left leg loaded)``."""
    if captured:
        return f"captured frame ({leg_words(side)} loaded)" if side else "captured frame"
    return kind_words(kind) if side == "both" else f"{side} {kind_words(kind)}"


def leg_words(side: str) -> str:
    """``left`` -> ``left leg``; ``both`` -> ``both legs``."""
    return "both legs" if side == "both" else f"{side} leg"


def key_rows(event: Mapping[str, Any]) -> list[Row]:
    """The rows of :func:`evidence_rows` a share card shows for the moment's kind, in the
    order of :data:`KEY_NUMBERS`."""
    movement = "squat" if event.get("kind") == "squat" else "single_leg"
    wanted = KEY_NUMBERS[movement]
    rows = [r for r in evidence_rows(event) if split_name(r.name)[0] in wanted]
    return sorted(rows, key=lambda r: wanted.index(split_name(r.name)[0]))

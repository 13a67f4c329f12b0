"""From the scan's findings to stretches: exact answers on made-up findings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pronate.pipeline.recording.stretches import Stretch, StretchRules, find_stretches, same_body

STEP = 0.25
RULES = StretchRules(bridge_s=1.0, min_seen_s=0.5, margin_s=1.5, merge_gap_s=1.0)


def findings(pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """Samples every 0.25 s: ``#`` a whole body, ``.`` none."""
    seen = np.array([c == "#" for c in pattern])
    return np.arange(len(pattern)) * STEP, seen


def test_nothing_seen_gives_no_stretch() -> None:
    t, seen = findings("." * 40)
    assert find_stretches(t, seen, duration_s=10.0, rules=RULES) == []
    assert find_stretches([], [], duration_s=0.0) == []


def test_one_run_gets_its_margins_clipped_to_the_recording() -> None:
    t, seen = findings("." * 20 + "#" * 8 + "." * 12)  # seen 5.0 .. 6.75 (+ one step)
    assert find_stretches(t, seen, duration_s=10.0, rules=RULES) == [Stretch(3.5, 8.5)]
    t, seen = findings("#" * 8 + "." * 4)  # at the very start, the recording 3 s long
    assert find_stretches(t, seen, duration_s=3.0, rules=RULES) == [Stretch(0.0, 3.0)]


def test_short_misses_are_bridged_and_a_lone_sighting_is_dropped() -> None:
    t, seen = findings("." * 10 + "####..####" + "." * 10 + "#" + "." * 19)
    # the two-sample miss (0.5 s) is bridged; the lone sample at 7.5 s is too short
    assert find_stretches(t, seen, duration_s=12.5, rules=RULES) == [Stretch(1.0, 6.5)]


def test_runs_close_together_merge_and_far_ones_do_not() -> None:
    t, seen = findings("." * 8 + "####" + "." * 12 + "####" + "." * 40)
    # runs 2.0-3.0 and 6.0-7.0: 3 s apart < 2 x 1.5 + 1 -> one stretch
    assert find_stretches(t, seen, duration_s=17.0, rules=RULES) == [Stretch(0.5, 8.5)]
    t, seen = findings("." * 8 + "####" + "." * 20 + "####" + "." * 40)
    # 5 s apart: two stretches, the margin of each stops halfway between the runs
    assert find_stretches(t, seen, duration_s=19.0, rules=RULES) == [
        Stretch(0.5, 4.5),
        Stretch(6.5, 10.5),
    ]


def test_no_stretch_reaches_across_a_cut() -> None:
    t, seen = findings("." * 20 + "#" * 8 + "." * 20)  # seen 5.0 .. 7.0
    cut = find_stretches(t, seen, duration_s=12.0, cuts=[4.9, 7.4, 11.0], rules=RULES)
    assert cut == [Stretch(4.9, 7.4)]
    # two runs of one body 1 s apart are kept apart by a cut between them
    t, seen = findings("#" * 8 + "...." + "#" * 8)
    both = find_stretches(t, seen, duration_s=5.0, cuts=[2.6], rules=RULES)
    assert both == [Stretch(0.0, 2.5), Stretch(2.6, 5.0)]  # halfway, then the cut
    assert find_stretches(t, seen, duration_s=5.0, rules=RULES) == [Stretch(0.0, 5.0)]


def test_a_jump_of_the_box_is_another_scene() -> None:
    t, seen = findings("#" * 12)
    small, big = (100.0, 100.0, 150.0, 200.0), (400.0, 50.0, 600.0, 650.0)
    boxes = [small] * 6 + [big] * 6
    assert find_stretches(t, seen, duration_s=3.0, boxes=boxes, rules=RULES) == [
        Stretch(0.0, 1.5),
        Stretch(1.5, 3.0),
    ]
    assert find_stretches(t, seen, duration_s=3.0, boxes=[small] * 12, rules=RULES) == [
        Stretch(0.0, 3.0)
    ]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ((0, 0, 100, 400), (0, 200, 100, 400), True),  # a squat: half the height, feet stay
        ((0, 0, 100, 400), (0, 300, 100, 400), False),  # a quarter: another picture
        ((0, 0, 100, 400), (300, 0, 400, 400), False),  # feet 300 px away: a cut
        ((0, 0, 100, 400), (150, 0, 250, 400), True),  # a step aside
        ((0, 0, 100, 400), (math.nan,) * 4, True),  # unknown
    ],
)
def test_same_body(a: tuple, b: tuple, same: bool) -> None:
    assert same_body(a, b, jump=3.0) is same


def test_findings_must_match_their_times() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        find_stretches([0.0, 0.25], [True], duration_s=1.0)

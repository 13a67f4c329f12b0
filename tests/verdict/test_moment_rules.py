"""One loading, one moment (issue 20, part 3): exact answers on hand-made series for the
rules that keep a small noisy picture, a 30 fps clip or a live window from splitting one
loading into pieces of other kinds."""

from __future__ import annotations

import dataclasses

import numpy as np

from pronate.verdict.moments import (
    Dip,
    Moment,
    clean_labels,
    find_moments,
    join_shallow,
    label_runs,
    support_floor,
)
from pronate.verdict.thresholds import Thresholds

FPS = 30.0
TH = Thresholds()


def timeline(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * FPS)) / FPS


def labels_of(t: np.ndarray, runs: list[tuple[str, float, float]]) -> np.ndarray:
    out = np.full(len(t), "both", dtype="<U5")
    for label, a, b in runs:
        out[(t >= a - 1e-9) & (t < b - 1e-9)] = label
    return out


def bump(t: np.ndarray, start: float, end: float) -> np.ndarray:
    x = np.clip((t - start) / (end - start), 0.0, 1.0)
    return 0.5 * (1 - np.cos(2 * np.pi * x))


def moments(
    t: np.ndarray, stance: np.ndarray, depth: np.ndarray | None = None, th: Thresholds = TH
) -> list[tuple[str, str, float, float]]:
    n = len(t)
    found: list[Moment] = find_moments(
        time_s=t,
        frame=np.arange(n),
        stance=stance,
        depth=np.zeros(n) if depth is None else depth,
        shift=np.zeros(n),
        thresholds=th,
    )
    return [(m.side, m.kind, round(m.start_s, 3), round(m.end_s, 3)) for m in found]


def test_the_floor_does_not_step_when_a_foot_lifts() -> None:
    # y up: the left ankle stays on the floor (0), the right one lifts from frame 2 on.
    left = np.array([0.0, 0.0, 0.0, 0.0, 0.0, np.nan, np.nan])
    right = np.array([0.0, 0.0, 0.1, 0.3, -0.2, 0.4, np.nan])
    stance = np.array(["both", "both", "both", "left", "left", "none", "none"])
    floor = support_floor(left, right, stance)
    # both feet: the lower ankle (never the mean: 0.05 at frame 2 would step to 0 at 3);
    # on the left leg its ankle, also when the free one is lower (a step down, frame 4);
    # the seen ankle when one is missing; NaN when none is.
    np.testing.assert_array_equal(floor[:6], [0.0, 0.0, 0.0, 0.0, 0.0, 0.4])
    assert np.isnan(floor[6])


def test_a_touch_of_the_free_foot_does_not_split_a_stance() -> None:
    lab = np.array(["left"] * 20 + ["both"] * 4 + ["left"] * 20)
    assert label_runs(clean_labels(lab, min_run=2, bridge=6)) == [("left", 0, 44)]
    assert label_runs(clean_labels(lab, min_run=2, bridge=4)) == [
        ("left", 0, 20),
        ("both", 20, 24),
        ("left", 24, 44),
    ]
    # between two legs (a step) or two runs on both feet nothing is bridged
    step = np.array(["left"] * 20 + ["both"] * 4 + ["right"] * 20)
    assert label_runs(clean_labels(step, min_run=2, bridge=6)) == label_runs(step)
    t = timeline(3.0)
    # left 0.5-1.3 s, the free foot down 0.1 s (< stance_bridge_s 0.2 s), left 1.4-2.2 s
    stance = labels_of(t, [("left", 0.5, 1.3), ("left", 1.4, 2.2)])
    assert moments(t, stance) == [("left", "single_leg_stance", 0.5, 2.167)]
    # down 0.3 s: two loadings
    stance = labels_of(t, [("left", 0.3, 1.1), ("left", 1.4, 2.2)])
    assert moments(t, stance) == [
        ("left", "single_leg_stance", 0.3, 1.067),
        ("left", "single_leg_stance", 1.4, 2.167),
    ]


def test_flicker_of_the_feet_is_no_walk() -> None:
    t = timeline(3.0)
    # single-leg runs of 0.1 s alternating across short double supports: contact noise
    flicker = [("right", 1.0, 1.1), ("left", 1.2, 1.3), ("right", 1.4, 1.5), ("left", 1.6, 1.7)]
    assert moments(t, labels_of(t, flicker)) == []
    # the same at 0.3 s a stance: walking, each stance from contact to toe-off
    walk = [("right", 0.6, 0.9), ("left", 1.0, 1.3), ("right", 1.4, 1.7)]
    assert moments(t, labels_of(t, walk)) == [
        ("right", "walking_stance", 0.6, 0.967),
        ("left", "walking_stance", 0.9, 1.367),
        ("right", "walking_stance", 1.3, 1.667),
    ]
    # the threshold decides: with no minimum the flicker was four walking stances
    no_minimum = dataclasses.replace(TH, walk_min_single_s=0.0)
    assert [m[1] for m in moments(t, labels_of(t, flicker), th=no_minimum)] == [
        "walking_stance"
    ] * 4


def test_a_dip_with_the_feet_unseen_is_no_squat() -> None:
    t = timeline(4.0)
    depth = 0.3 * bump(t, 1.0, 3.0)
    seen = labels_of(t, [])
    assert moments(t, seen, depth) == [("both", "squat", 1.133, 2.867)]
    # the feet not seen on the ground for 60 % of the dip (1.4-2.6 s): no kind to give it
    unseen = labels_of(t, [("none", 1.4, 2.6)])
    assert moments(t, unseen, depth) == []
    # 40 %: still a squat
    partly = labels_of(t, [("none", 1.6, 2.4)])
    assert [m[1] for m in moments(t, partly, depth)] == ["squat"]


def test_no_squat_of_the_first_frames() -> None:
    t = timeline(4.0)
    # a pelvis that settles in the first 0.4 s (peak at 0.2 s) and a real squat later
    depth = 0.2 * bump(t, 0.0, 0.4) + 0.3 * bump(t, 1.5, 3.5)
    found = moments(t, labels_of(t, []), depth)
    assert [(m[1], m[2]) for m in found] == [("squat", 1.633)]
    # counted from the first frame the subject is seen: unseen first frames shift it
    late = np.where(t < 1.0, np.nan, 0.2 * bump(t, 1.0, 1.4) + 0.3 * bump(t, 2.0, 3.8))
    assert [m[2] for m in moments(t, labels_of(t, []), late)] == [2.1]
    no_settling = dataclasses.replace(TH, edge_settle_s=0.0)
    assert len(moments(t, labels_of(t, []), depth, th=no_settling)) == 2


def test_shallow_dips_on_one_leg_are_one_stance() -> None:
    shallow = [Dip(0, 5, 10, 0.03), Dip(11, 14, 20, 0.05), Dip(21, 30, 40, 0.02)]
    assert join_shallow(shallow, min_depth=0.09) == [Dip(0, 14, 40, 0.05)]
    # a rep as deep as a squat stays a rep, and parts the shallow ones around it
    mixed = [
        Dip(0, 5, 10, 0.03),
        Dip(11, 14, 20, 0.12),
        Dip(21, 30, 40, 0.02),
        Dip(41, 45, 50, 0.04),
    ]
    assert join_shallow(mixed, min_depth=0.09) == [
        Dip(0, 5, 10, 0.03),
        Dip(11, 14, 20, 0.12),
        Dip(21, 45, 50, 0.04),
    ]
    # on the series: a balance with two small give-ways and the free foot coming down at
    # the end (a step off, not a step-down, and no part of the loading) is one left
    # single-leg stance, ending before the step off
    t = timeline(3.0)
    stance = labels_of(t, [("left", 0.3, 2.7)])
    depth = 0.03 * bump(t, 0.5, 1.1) + 0.04 * bump(t, 1.3, 1.9) + 0.05 * bump(t, 2.1, 2.7)
    n = len(t)
    free_drop = np.where(t > 2.2, 0.2, -0.1)  # the right foot below the left from 2.2 s
    found = find_moments(
        time_s=t,
        frame=np.arange(n),
        stance=stance,
        depth=depth,
        shift=0.3 * bump(t, 0.6, 2.0),  # the pelvis furthest over the left foot at 1.3 s
        free_drop=free_drop,
        thresholds=TH,
    )
    assert [(m.side, m.kind) for m in found] == [("left", "single_leg_stance")]
    assert found[0].start_s < 0.7 and 1.7 < found[0].end_s < 2.2
    # it peaks as a stance does (not at the step off, the deepest dip: 2.4 s)
    assert abs(found[0].peak_s - 1.3) < 0.05

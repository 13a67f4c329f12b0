"""Subject choice and following, on synthetic detections (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from pronate.pose.landmarker import Box, Detection
from pronate.pose.tracker import (
    Segment,
    SegmentPlan,
    choose_subject,
    match_subject,
    needs_new_crop,
    plan_segments,
    same_subject,
)


def person(x0: float, y0: float, x1: float, y1: float) -> Detection:
    """A detection whose 33 landmarks span the box (x0, y0)-(x1, y1)."""
    xs = np.linspace(x0, x1, 33)
    ys = np.linspace(y0, y1, 33)
    pos = np.column_stack([xs, ys, np.zeros(33)])
    return Detection(position=pos, confidence=np.ones(33), world=np.zeros((33, 3)))


SUBJECT = person(100, 100, 300, 700)  # tall, near
BYSTANDER = person(600, 200, 680, 400)  # small, far


def test_largest_person_is_chosen_by_default():
    assert choose_subject([BYSTANDER, SUBJECT], pick=None) is SUBJECT


def test_pick_chooses_the_person_at_that_pixel():
    assert choose_subject([SUBJECT, BYSTANDER], pick=(640, 300)) is BYSTANDER


def test_pick_outside_everyone_chooses_nobody():
    assert choose_subject([SUBJECT, BYSTANDER], pick=(900, 900)) is None


def test_no_people_no_subject():
    assert choose_subject([], pick=None) is None


def test_subject_continues_with_small_motion():
    moved = person(110, 105, 310, 705)
    assert match_subject([BYSTANDER, moved], last=SUBJECT.box, max_distance=0.5) is moved


def test_bystander_never_replaces_a_lost_subject():
    # The subject has left; only the bystander is seen: nobody is the subject.
    assert match_subject([BYSTANDER], last=SUBJECT.box, max_distance=0.5) is None
    # Even with the widest gate the tracker uses after a long loss.
    assert match_subject([BYSTANDER], last=SUBJECT.box, max_distance=1.0) is None


def test_same_place_but_very_different_size_is_not_the_subject():
    tiny = person(180, 380, 220, 420)  # centre matches, height 40 vs 600
    assert match_subject([tiny], last=SUBJECT.box, max_distance=0.5) is None


def test_nearest_of_two_candidates_wins():
    a = person(120, 100, 320, 700)
    b = person(190, 100, 390, 700)
    assert match_subject([b, a], last=SUBJECT.box, max_distance=0.5) is a


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        (Box(x0=200, y0=150, x1=300, y1=450), False),  # well inside
        (Box(x0=20, y0=200, x1=120, y1=400), True),  # at the left edge
        (Box(x0=240, y0=280, x1=260, y1=320), True),  # much smaller than the crop
    ],
)
def test_crop_is_kept_while_the_subject_stays_well_inside(box, expected):
    crop = Box(x0=0, y0=0, x1=500, y1=600)
    assert needs_new_crop(crop, box, margin=0.35) is expected


def test_box_expansion_is_clipped_to_the_frame():
    box = Box(x0=10, y0=10, x1=110, y1=210).expanded(margin=0.5, width=150, height=1000)
    assert (box.x0, box.y0, box.x1, box.y1) == (0.0, 0.0, 150.0, 310.0)


def test_segments_cover_every_frame_once_with_warmups():
    plans = plan_segments(1000, workers=3, warmup=30)
    assert [p.start for p in plans] == [0, 333, 667]
    assert [p.stop for p in plans] == [333, 667, 1000]
    assert [p.warm_start for p in plans] == [0, 303, 637]


def test_short_or_sequential_clips_are_one_segment():
    assert plan_segments(100, workers=2, warmup=30) == [
        SegmentPlan(warm_start=0, start=0, stop=100)
    ]
    assert plan_segments(1000, workers=1, warmup=30) == [
        SegmentPlan(warm_start=0, start=0, stop=None)
    ]


def segment_of(dets: list[Detection | None]) -> Segment:
    n = len(dets)
    pos = np.array([d.position if d else np.full((33, 3), np.nan) for d in dets])
    conf = np.array([d.confidence if d else np.full(33, np.nan) for d in dets])
    return Segment(
        time=np.arange(n) / 30,
        frame=np.arange(n),
        position=pos,
        confidence=conf,
        world=np.zeros((n, 33, 3)),
        log=[],
    )


def test_same_subject_across_segments():
    a = segment_of([SUBJECT, SUBJECT, None])
    b = segment_of([person(105, 100, 305, 700), SUBJECT, SUBJECT])
    assert same_subject(a, b)
    assert not same_subject(a, segment_of([BYSTANDER, BYSTANDER, BYSTANDER]))
    assert not same_subject(a, segment_of([None, None, None]))
    assert same_subject(segment_of([None, None]), segment_of([None, None]))

"""Subject choice and following, on synthetic detections (no model needed)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pronate.pose.landmarker import Box, Detection
from pronate.pose.subject import choose_subject, match_subject, needs_new_crop
from pronate.pose.tracker import Segment, SegmentPlan, plan_segments, same_subject


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
    assert [p.start for p in plans] == [0, 353, 677]
    assert [p.stop for p in plans] == [353, 677, 1000]
    assert [p.warm_start for p in plans] == [0, 323, 647]


@pytest.mark.parametrize(("n", "workers", "warmup"), [(540, 2, 30), (1000, 3, 30), (3600, 4, 30)])
def test_every_worker_tracks_as_many_frames_warmup_included(n, workers, warmup):
    plans = plan_segments(n, workers=workers, warmup=warmup)
    assert len(plans) == workers
    assert plans[0].start == 0 and plans[-1].stop == n
    assert all(a.stop == b.start for a, b in itertools.pairwise(plans))
    tracked = [p.stop - p.warm_start for p in plans]
    assert max(tracked) - min(tracked) <= 1


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


class ScriptedLandmarker:
    """Stands in for :class:`Landmarker`: returns scripted detections (in frame pixels)
    and counts the calls to ``forget``."""

    def __init__(self, script: list[list[Detection]]):
        self.script = list(script)
        self.forgotten = 0

    def detect(self, image, *, time_s, offset=(0, 0)):
        return self.script.pop(0) if self.script else []

    def forget(self) -> None:
        self.forgotten += 1


def run_tracker(
    full: list[list[Detection]],
    cropped: list[list[Detection]],
    n: int,
    *,
    first: int = 0,
    restart_every: int = 0,
):
    from pronate.io.video import Frame
    from pronate.pose.config import TrackConfig
    from pronate.pose.subject import SubjectTracker

    tracker = SubjectTracker(
        config=TrackConfig(),
        width=2000,
        height=1000,
        fps=30.0,
        full=ScriptedLandmarker(full),  # type: ignore[arg-type]
        cropped=ScriptedLandmarker(cropped),  # type: ignore[arg-type]
        restart_every=restart_every,
    )
    image = np.zeros((1000, 2000, 3), np.uint8)
    frames = range(first, first + n)
    found = [tracker.step(Frame(index=i, time_s=i / 30, image=image)) for i in frames]
    return tracker, found


def test_the_crop_landmarker_forgets_its_pose_when_the_crop_moves():
    # The subject walks right 40 px a frame: the crop moves now and then, and only then
    # is the crop landmarker's tracked region dropped.
    walk = [person(100 + 40 * i, 100, 300 + 40 * i, 700) for i in range(12)]
    tracker, found = run_tracker([[walk[0]]], [[d] for d in walk[1:]], 12)
    assert all(d is not None for d in found)
    moves = sum(a != b for a, b in itertools.pairwise(tracker_crops(walk)))
    assert tracker.cropped.forgotten == moves > 0  # type: ignore[attr-defined]


def tracker_crops(walk: list[Detection]) -> list[Box]:
    """The crops a tracker uses along ``walk`` (re-derived with the same rule)."""
    from pronate.pose.subject import CROP_GRID

    crops = [walk[0].box.expanded(margin=0.35, width=2000, height=1000, grid=CROP_GRID)]
    for det in walk[1:]:
        if needs_new_crop(crops[-1], det.box, margin=0.35):
            crops.append(det.box.expanded(margin=0.35, width=2000, height=1000, grid=CROP_GRID))
        else:
            crops.append(crops[-1])
    return crops


def test_the_crop_landmarker_forgets_a_bystander_and_the_subject_is_refound():
    # Frame 1: inside the crop MediaPipe follows someone else (too small to be the
    # subject); the full frame still has the subject.
    intruder = person(180, 380, 220, 420)
    tracker, found = run_tracker([[SUBJECT], [BYSTANDER, SUBJECT]], [[intruder]], 2)
    assert found[1] is SUBJECT
    assert tracker.cropped.forgotten == 1  # type: ignore[attr-defined]


@pytest.mark.shared
@pytest.mark.model
def test_a_blank_image_drops_the_pose_mediapipe_tracks(shared_data):
    """What :meth:`Landmarker.forget` relies on: nobody is present in a blank image, so
    the tracked region is dropped and the next frame is detected afresh."""
    from pronate.io.video import iter_frames
    from pronate.pose.landmarker import _BLANK, Landmarker

    frames = iter_frames(shared_data / "frontal_squat/frontal_squat.mp4", stop=2)
    first, second = list(frames)
    with Landmarker("lite", num_poses=1, min_confidence=0.5) as landmarker:
        assert len(landmarker.detect(first.image, time_s=first.time_s)) == 1
        assert landmarker.detect(_BLANK, time_s=first.time_s + 0.001) == []
        landmarker.forget()
        assert len(landmarker.detect(second.image, time_s=second.time_s)) == 1


@pytest.mark.parametrize("first", [0, 3, 7])
def test_restarts_fall_on_the_same_frame_indices_whichever_frame_tracking_began(first):
    # A still subject: the crop never moves, so every forget is a scheduled restart, on
    # frames 5, 10, 15 (never on the first frame, where the subject is chosen).
    tracker, found = run_tracker(
        [[SUBJECT]], [[SUBJECT]] * 20, 17 - first, first=first, restart_every=5
    )
    assert all(d is SUBJECT for d in found)
    assert tracker.cropped.forgotten == len([i for i in (5, 10, 15) if i > first])  # type: ignore[attr-defined]
    assert tracker.crop == SUBJECT.box.expanded(margin=0.35, width=2000, height=1000, grid=32)

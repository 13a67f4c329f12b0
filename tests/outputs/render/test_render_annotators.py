"""Annotators: golden images, inputs untouched, colours by verdict, labels off the body."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest
from render_testkit import FRAME_SIZE, blank_frame, compare_golden, frame_data, skeleton

from pronate.outputs.render import (
    AngleLabelAnnotator,
    Annotator,
    CentreOfMassAnnotator,
    LoadLineAnnotator,
    SkeletonAnnotator,
    TimelineAnnotator,
    compose,
    default_annotators,
)
from pronate.outputs.render.annotators import THIGH_TO_CAMERA
from pronate.outputs.render.boxes import body_parts_of
from pronate.outputs.render.draw import boxes_intersect, text_size
from pronate.outputs.render.layout import timeline_layout
from pronate.outputs.render.style import DEFAULT_STYLE, VERDICT_COLOURS
from pronate.pose.keypoints import KEYPOINT_INDEX, SKELETON

ANNOTATORS: dict[str, Annotator] = {
    "skeleton": SkeletonAnnotator(),
    "load_line": LoadLineAnnotator(),
    "centre_of_mass": CentreOfMassAnnotator(),
    "angle_labels": AngleLabelAnnotator(),
    "timeline": TimelineAnnotator(),
    "all": default_annotators(),
}


@pytest.mark.parametrize("name", list(ANNOTATORS))
def test_golden(name: str) -> None:
    out = ANNOTATORS[name].annotate(blank_frame(), frame_data())
    compare_golden(out, name)


def test_golden_collapse_both_legs_arms_up() -> None:
    kp = skeleton(valgus=0.5, arms_up=True)
    data = frame_data(keypoints=kp, verdict="collapse", loaded_side="both", com_inside=False)
    compare_golden(default_annotators().annotate(blank_frame(), data), "all_collapse_arms_up")


@pytest.mark.parametrize("name", list(ANNOTATORS))
def test_input_not_modified_and_new_array(name: str) -> None:
    frame = blank_frame()
    frame[10:20, 10:20] = (1, 2, 3)
    before = frame.copy()
    data = frame_data()
    kp_before = data.keypoints.copy()
    out = ANNOTATORS[name].annotate(frame, data)
    assert np.array_equal(frame, before)
    assert out is not frame and not np.shares_memory(out, frame)
    assert out.shape == frame.shape and out.dtype == np.uint8
    assert not np.array_equal(out, frame), "the annotator drew nothing"
    assert np.array_equal(data.keypoints, kp_before)


def test_frame_data_arrays_are_read_only() -> None:
    data = frame_data()
    with pytest.raises(ValueError):
        data.keypoints[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.time_s = 3.0  # type: ignore[misc]


def test_wrong_frame_size_or_type_is_refused() -> None:
    with pytest.raises(ValueError, match="data is for"):
        SkeletonAnnotator().annotate(blank_frame((200, 300)), frame_data())
    with pytest.raises(ValueError, match="RGB uint8"):
        SkeletonAnnotator().annotate(blank_frame().astype(np.float32), frame_data())


def test_all_are_annotators() -> None:
    for annotator in ANNOTATORS.values():
        assert isinstance(annotator, Annotator)


def test_compose_applies_in_order() -> None:
    data = frame_data()
    a, b = SkeletonAnnotator(), TimelineAnnotator()
    expected = b.annotate(a.annotate(blank_frame(), data), data)
    assert np.array_equal(compose(a, b).annotate(blank_frame(), data), expected)
    assert np.array_equal(compose().annotate(blank_frame(), data), blank_frame())


class _Stamp:
    """An annotator of the protocol only (no in-place ``draw``)."""

    def annotate(self, frame: np.ndarray, data) -> np.ndarray:
        out = frame.copy()
        out[:5, :5] = (9, 9, 9)
        return out


def test_compose_mixes_in_place_and_plain_annotators_without_touching_the_input() -> None:
    data = frame_data()
    frame = blank_frame()
    before = frame.copy()
    a, b = SkeletonAnnotator(), _Stamp()
    expected = a.annotate(b.annotate(a.annotate(frame, data), data), data)
    out = compose(a, compose(b, a)).annotate(frame, data)
    assert np.array_equal(out, expected)
    assert np.array_equal(frame, before)


def _mid(data_kp: np.ndarray, a: str, b: str) -> tuple[int, int]:
    p = (data_kp[KEYPOINT_INDEX[a]] + data_kp[KEYPOINT_INDEX[b]]) / 2
    return round(p[0]), round(p[1])


@pytest.mark.parametrize("verdict", list(VERDICT_COLOURS))
def test_load_line_colour_follows_verdict(verdict: str) -> None:
    data = frame_data(verdict=verdict)
    out = LoadLineAnnotator(show_reference=False).annotate(blank_frame(), data)
    for a, b in (("left_hip", "left_knee"), ("left_knee", "left_ankle")):
        x, y = _mid(data.keypoints, a, b)
        assert np.abs(out[y, x].astype(int) - VERDICT_COLOURS[verdict]).max() <= 2
    x, y = _mid(data.keypoints, "right_hip", "right_knee")
    assert np.array_equal(out[y, x], blank_frame()[y, x]), "only the loaded leg is drawn"


def test_load_line_both_legs_and_none_outside_moments() -> None:
    data = frame_data(verdict="collapse", loaded_side="both")
    out = LoadLineAnnotator(show_reference=False).annotate(blank_frame(), data)
    for side in ("left", "right"):
        x, y = _mid(data.keypoints, f"{side}_knee", f"{side}_ankle")
        assert np.abs(out[y, x].astype(int) - VERDICT_COLOURS["collapse"]).max() <= 2
    quiet = frame_data(verdict=None)
    assert np.array_equal(LoadLineAnnotator().annotate(blank_frame(), quiet), blank_frame())


@pytest.mark.parametrize(
    ("inside", "colour"),
    [
        (True, DEFAULT_STYLE.com_inside_colour),
        (False, DEFAULT_STYLE.com_outside_colour),
        (None, DEFAULT_STYLE.com_unknown_colour),
    ],
)
def test_base_of_support_colour(inside: bool | None, colour: tuple[int, int, int]) -> None:
    data = frame_data(com_inside=inside)
    out = CentreOfMassAnnotator().annotate(blank_frame(), data)
    assert data.base_of_support is not None
    (ax, ay), (bx, by) = data.base_of_support
    x, y = round((ax + bx) / 2), round((ay + by) / 2)
    assert np.abs(out[y, x].astype(int) - colour).max() <= 2


def test_plumb_line_is_perpendicular_to_a_tilted_floor() -> None:
    data = frame_data(base_of_support=((60.0, 400.0), (200.0, 420.0)), com_px=(140.0, 250.0))
    out = CentreOfMassAnnotator().annotate(blank_frame(), data)
    # The floor direction is (140, 20); the plumb line from the CoM meets the floor where
    # the perpendicular falls: t = ((com - a) . u), point = a + t u.
    u = np.array([140.0, 20.0]) / np.hypot(140.0, 20.0)
    a = np.array([60.0, 400.0])
    foot = a + ((np.array([140.0, 250.0]) - a) @ u) * u
    x, y = round(foot[0]), round(foot[1])
    assert np.abs(out[y, x].astype(int) - DEFAULT_STYLE.com_inside_colour).max() <= 2
    assert foot[0] < 140.0  # leans with the floor's normal, not straight down


def _skeleton_mask(kp: np.ndarray, frame_size: tuple[int, int], *, width: int) -> np.ndarray:
    mask = np.zeros((frame_size[1], frame_size[0]), dtype=np.uint8)
    for a, b in SKELETON:
        p, q = kp[KEYPOINT_INDEX[a]], kp[KEYPOINT_INDEX[b]]
        cv2.line(mask, (round(p[0]), round(p[1])), (round(q[0]), round(q[1])), 255, width)
    for p in kp:
        cv2.circle(mask, (round(p[0]), round(p[1])), width, 255, -1)
    return mask


LABEL_CASES = {
    "standing": {},
    "arms_up": {"arms_up": True},
    "left_edge": {"centre_x": 0.22},
    "right_edge": {"centre_x": 0.8},
    "large": {"height_frac": 0.8, "floor_frac": 0.9},
    "rolled": {"roll_deg": 8.0},
}


@pytest.mark.parametrize("case", list(LABEL_CASES))
@pytest.mark.parametrize("frame_size", [FRAME_SIZE, (480, 270), (1080, 1920)])
def test_labels_never_cover_the_body(case: str, frame_size: tuple[int, int]) -> None:
    kp = skeleton(frame_size=frame_size, valgus=0.25, **LABEL_CASES[case])
    data = frame_data(frame_size=frame_size, keypoints=kp)
    annotator = AngleLabelAnnotator()
    boxes = annotator.label_boxes(data)
    assert boxes, "no label could be placed"
    parts = body_parts_of(kp, data.confidence, min_confidence=0.3)
    strip = timeline_layout(data, DEFAULT_STYLE).block
    limb = max(3, round(0.03 * min(frame_size)))  # limb half-width drawn around the skeleton
    mask = _skeleton_mask(kp, frame_size, width=limb)
    width, height = frame_size
    for i, box in enumerate(boxes):
        assert 0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height
        assert not any(boxes_intersect(box, part) for part in parts), (case, box)
        assert not boxes_intersect(box, strip)
        assert not mask[box[1] : box[3], box[0] : box[2]].any(), (case, box)
        for other in boxes[i + 1 :]:
            assert not boxes_intersect(box, other)


def test_knee_labels_sit_beside_their_knee_when_there_is_room() -> None:
    """Labels keep off the body's parts, not off its whole box: with room beside the
    legs, each knee label is level with its knee, on its side, so the leader is short."""
    size = (960, 540)
    kp = skeleton(frame_size=size, valgus=0.25)
    data = frame_data(frame_size=size, keypoints=kp)
    boxes = AngleLabelAnnotator().label_boxes(data)
    assert len(boxes) == 3
    by_knee = {}
    for side in ("left", "right"):
        kx, ky = kp[KEYPOINT_INDEX[f"{side}_knee"]]
        box = min(boxes, key=lambda b: abs((b[0] + b[2]) / 2 - kx) + abs((b[1] + b[3]) / 2 - ky))
        by_knee[side] = box
        assert box[1] <= ky <= box[3], side
    # front view: the subject's left knee is on the image's right
    assert by_knee["left"][0] > kp[KEYPOINT_INDEX["left_knee"]][0]
    assert by_knee["right"][2] < kp[KEYPOINT_INDEX["right_knee"]][0]


def test_label_text_scales_with_frame_size() -> None:
    small = AngleLabelAnnotator().label_boxes(frame_data())
    big_size = (FRAME_SIZE[0] * 4, FRAME_SIZE[1] * 4)
    big = AngleLabelAnnotator().label_boxes(
        frame_data(frame_size=big_size, keypoints=skeleton(frame_size=big_size, valgus=0.25))
    )
    h_small = small[0][3] - small[0][1]
    h_big = big[0][3] - big[0][1]
    assert 3.5 <= h_big / h_small <= 4.5
    # on a 1080-px-wide phone frame the value text is at least 36 px high
    assert DEFAULT_STYLE.text_frac * 1080 >= 36


def test_unmeasurable_angles_are_not_labelled() -> None:
    data = frame_data(
        knee_fppa_deg={"left": float("nan"), "right": -3.2}, pelvic_obliquity_deg=float("nan")
    )
    assert len(AngleLabelAnnotator().label_boxes(data)) == 1


def test_no_room_means_no_label_rather_than_covering() -> None:
    # a figure filling the frame: nowhere to put a label
    kp = skeleton(height_frac=1.05, floor_frac=1.0)
    kp[:, 0] = (kp[:, 0] - 135) * 3 + 135
    data = frame_data(keypoints=kp)
    boxes = AngleLabelAnnotator().label_boxes(data)
    parts = body_parts_of(kp, data.confidence, min_confidence=0.3)
    for box in boxes:
        assert not any(boxes_intersect(box, part) for part in parts)


def test_timeline_moves_to_the_top_when_the_body_reaches_the_bottom() -> None:
    low = skeleton(floor_frac=0.99, height_frac=0.7)
    data = frame_data(keypoints=low)
    assert timeline_layout(data, DEFAULT_STYLE).at_top
    assert not timeline_layout(frame_data(), DEFAULT_STYLE).at_top


def test_timeline_draws_moments_in_their_lanes() -> None:
    data = frame_data(time_s=0.0)
    out = TimelineAnnotator().annotate(blank_frame(), data)
    lay = timeline_layout(data, DEFAULT_STYLE)
    _, y0, _, y1 = lay.strip
    row_left = out[y0 + (y1 - y0) // 4]
    row_right = out[y0 + 3 * (y1 - y0) // 4]

    def has(row: np.ndarray, colour: tuple[int, int, int]) -> bool:
        return bool((np.abs(row.astype(int) - colour).max(axis=1) <= 2).any())

    assert has(row_right, VERDICT_COLOURS["collapse"])  # moment 1: right leg
    assert not has(row_left, VERDICT_COLOURS["collapse"])
    assert has(row_left, VERDICT_COLOURS["pronation"])  # moment 2: left leg
    assert has(row_left, VERDICT_COLOURS["unmeasurable"])  # moment 3: both legs
    assert has(row_right, VERDICT_COLOURS["unmeasurable"])


def test_timeline_needs_a_duration() -> None:
    data = frame_data(duration_s=float("nan"))
    assert np.array_equal(TimelineAnnotator().annotate(blank_frame(), data), blank_frame())


def test_degree_sign_is_drawn() -> None:
    assert text_size("12°", cap_px=20)[0] > text_size("12", cap_px=20)[0]


def _label_moves(*, arms_move: bool) -> dict[str, list[int]]:
    """Play 3 s of a swaying figure (arms going up and down if ``arms_move``) through one
    annotator; return, per label, its frame-to-frame moves relative to its joint."""
    fps, n, size = 30.0, 90, (540, 960)
    annotator = AngleLabelAnnotator()
    arms = [
        KEYPOINT_INDEX[f"{s}_{p}"]
        for s in ("left", "right")
        for p in ("elbow", "wrist", "pinky", "index", "thumb")
    ]
    previous: dict[str, tuple[int, int]] = {}
    moves: dict[str, list[int]] = {}
    for i in range(n):
        t = i / fps
        sway = 0.5 + 0.05 * math.sin(2 * math.pi * t / 3.0)
        kp = skeleton(frame_size=size, valgus=0.25, centre_x=sway)
        if arms_move:
            raised = skeleton(frame_size=size, valgus=0.25, arms_up=True, centre_x=sway)
            w = 0.5 - 0.5 * math.cos(2 * math.pi * t / 3.0)
            kp[arms] = (1 - w) * kp[arms] + w * raised[arms]
        annotator.annotate(blank_frame(size), frame_data(frame_size=size, keypoints=kp, time_s=t))
        offsets = {title: entry[2] for title, entry in annotator._memory.items()}
        assert len(offsets) == 3
        for title, (dx, dy) in offsets.items():
            if title in previous:
                px, py = previous[title]
                moves.setdefault(title, []).append(max(abs(dx - px), abs(dy - py)))
        previous = offsets
    return moves


def test_labels_stay_put_while_a_video_plays() -> None:
    """Frames in order: a label moves with its joint and does not hop about."""
    gap = DEFAULT_STYLE.px((540, 960), frac=DEFAULT_STYLE.gap_frac)
    for title, steps in _label_moves(arms_move=False).items():
        assert max(steps) <= gap, title
    # arms sweeping up and down past the pelvis label push it away, a few times at most;
    # the knee labels, with nothing passing them, never hop
    moves = _label_moves(arms_move=True)
    assert max(moves["LEFT KNEE"]) <= gap and max(moves["RIGHT KNEE"]) <= gap
    assert sum(step > gap for step in moves["PELVIS"]) <= 4


def test_label_memory_only_for_frames_in_order() -> None:
    annotator = AngleLabelAnnotator()
    first = annotator.annotate(blank_frame(), frame_data(time_s=1.0))
    again = annotator.annotate(blank_frame(), frame_data(time_s=1.0))  # same time: afresh
    assert np.array_equal(first, again)
    later = annotator.annotate(blank_frame(), frame_data(time_s=5.0))  # a jump: afresh
    assert np.array_equal(
        later, AngleLabelAnnotator().annotate(blank_frame(), frame_data(time_s=5.0))
    )


def test_angles_carry_their_uncertainty() -> None:
    """``16°±10``: a stated uncertainty widens the knee and pelvis labels; none: as before."""
    plain = AngleLabelAnnotator().annotate(blank_frame(), frame_data())
    sure = frame_data(fppa_uncertainty_deg=10.0, obliquity_uncertainty_deg=11.0)
    assert not np.array_equal(plain, AngleLabelAnnotator().annotate(blank_frame(), sure))
    wide = AngleLabelAnnotator().label_boxes(sure)
    narrow = AngleLabelAnnotator().label_boxes(frame_data())
    assert all(w[2] - w[0] > n[2] - n[0] for w, n in zip(wide, narrow, strict=True))


def test_foreshortened_thigh_gets_no_knee_angle() -> None:
    """At the bottom of a deep squat seen from the front the thigh points at the camera:
    its 2-D FPPA is no knee angle, so the label says why instead of a number."""
    data = frame_data(thigh_foreshortened={"left": True, "right": False})
    labels = {lab.title: lab for lab in AngleLabelAnnotator()._labels(data)}
    assert labels["LEFT KNEE"].word == THIGH_TO_CAMERA
    assert "°" not in labels["LEFT KNEE"].value
    assert labels["RIGHT KNEE"].value == "3°" and labels["RIGHT KNEE"].word == "varus"

"""Choosing the client among the people of a survey, and the identity checks that keep
them, on synthetic skeletons (no model needed)."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from pronate.errors import InputError
from pronate.io.video import Frame
from pronate.pose.appearance import AppearanceModel, Look, histogram
from pronate.pose.choice import Pick, choose, score_people
from pronate.pose.identity import Identity, Other
from pronate.pose.keypoints import KEYPOINT_INDEX
from pronate.pose.landmarker import Box, Detection
from pronate.pose.people import Survey, same_person

W, H = 1280, 720


def skeleton(cx: float, top: float, height: float, *, knee_bend: float = 0.0) -> Detection:
    """An upright person: 33 keypoints around a vertical axis at ``cx`` from ``top`` down
    ``height`` pixels; ``knee_bend`` (fraction of the height) drops the hips and pushes
    the knees out, as in a squat."""
    pos = np.zeros((33, 3))
    pos[:, 0], pos[:, 1] = cx, top + 0.05 * height

    def put(name: str, dx: float, y: float) -> None:
        pos[KEYPOINT_INDEX[name], :2] = (cx + dx * height, top + y * height)

    for side, s in (("left", 1), ("right", -1)):
        put(f"{side}_shoulder", 0.12 * s, 0.2)
        put(f"{side}_elbow", 0.18 * s, 0.35)
        put(f"{side}_wrist", 0.2 * s, 0.48)
        put(f"{side}_hip", 0.08 * s, 0.5 + knee_bend)
        put(f"{side}_knee", (0.09 + knee_bend) * s, 0.73 + 0.5 * knee_bend)
        put(f"{side}_ankle", 0.09 * s, 0.95)
        put(f"{side}_heel", 0.09 * s, 0.98)
        put(f"{side}_foot_index", 0.12 * s, 1.0)
    put("nose", 0.0, 0.0)
    return Detection(position=pos, confidence=np.ones(33), world=np.zeros((33, 3)))


def survey_of(people: list[list[Detection | None]], fps: float = 5.0) -> Survey:
    """A survey whose sampled frame ``k`` shows ``people[i][k]`` (``None``: not there)."""
    survey = Survey(width=W, height=H)
    image = np.zeros((H, W, 3), np.uint8)
    for k in range(len(people[0])):
        dets = [p[k] for p in people if p[k] is not None]
        survey.add(Frame(index=k, time_s=k / fps, image=image), dets)  # type: ignore[arg-type]
    return survey


def test_the_performer_not_the_larger_person_standing_still() -> None:
    squats = [skeleton(400, 200, 300, knee_bend=0.12 * (k % 4)) for k in range(10)]
    stands = [skeleton(900, 100, 450) for _ in range(10)]
    survey = survey_of([stands, squats])
    choice = choose(survey)
    assert choice is not None and choice.chosen_by == "performer"
    assert choice.box.centre[0] == pytest.approx(400, abs=60)
    assert "moves their hips and legs the most" in choice.reason


def test_a_small_person_in_a_corner_tile_is_not_the_client_even_if_moving() -> None:
    client = [skeleton(640, 100, 450, knee_bend=0.04 * (k % 2)) for k in range(10)]
    corner = [skeleton(1180, 560, 140, knee_bend=0.12 * (k % 3)) for k in range(10)]
    choice = choose(survey_of([corner, client]))
    assert choice is not None and choice.box.centre[0] == pytest.approx(640, abs=60)
    scores = score_people(choice.survey)
    assert scores[1].score < scores[2].score


def test_only_person_and_nobody() -> None:
    alone = choose(survey_of([[skeleton(600, 100, 400)] * 5]))
    assert alone is not None and alone.chosen_by == "only_person" and not alone.targets
    assert choose(survey_of([[None] * 5])) is None


def test_pick_at_a_time_chooses_the_person_there_then() -> None:
    walker = [None] * 5 + [skeleton(1100 - 60 * k, 150, 400) for k in range(5)]
    stander = [skeleton(300, 150, 400) for _ in range(10)]
    survey = survey_of([stander, walker])
    picked = choose(survey, pick=Pick(1100 - 60 * 2, 300, time_s=7 / 5))
    assert picked is not None and picked.chosen_by == "pick" and picked.targets
    assert picked.frame == 5  # followed from their first sighting
    with pytest.raises(InputError, match=r"nobody at 20,20 at 1\.4 s"):
        choose(survey, pick=Pick(20, 20, time_s=1.4))


def test_a_duplicate_pose_inside_another_is_the_same_person() -> None:
    big = Box(x0=100, y0=100, x1=300, y1=600)
    assert same_person(big, Box(x0=120, y0=300, x1=280, y1=590))
    assert not same_person(big, Box(x0=250, y0=100, x1=450, y1=600))


def look(torso: int, legs: int) -> Look:
    """A comparable, clear look whose trunk and legs are one hue each (OpenCV hue)."""

    def hist(hue: int) -> np.ndarray:
        pixels = np.tile(np.array([[hue, 200, 200]], np.uint8), (100, 1))
        out = histogram(pixels)
        assert out is not None
        return out

    return Look({"torso": hist(torso), "left_leg": hist(legs), "right_leg": hist(legs)}, True, True)


class Looks(Identity):
    """An identity whose looks are given per detection (by its mid-hip x)."""

    def __init__(self, looks: dict[int, Look], **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.looks = looks

    def look(self, image: np.ndarray, det: Detection) -> Look:
        x = round(float(det.position[[23, 24], 0].mean()))
        return self.looks[x]


def model_of(seen: Look) -> AppearanceModel:
    m = AppearanceModel()
    m.learn(seen)
    return m


def test_identity_refuses_a_jump_a_foreign_look_and_drops_a_foreign_leg() -> None:
    me, red = look(100, 120), look(0, 0)
    mixed = Look(
        {
            "torso": me.parts["torso"],
            "left_leg": me.parts["left_leg"],
            "right_leg": red.parts["right_leg"],
        },
        True,
        True,
    )
    ident = Looks({400: me, 700: red, 410: mixed, 405: me}, model=model_of(me), learn=False)
    image = np.zeros((H, W, 3), np.uint8)
    for k in range(4):  # settled: four frames in a row
        det = skeleton(400, 100, 400)
        assert ident.judge(det, image, time_s=k / 30).accepted
        ident.accept(det, me, time_s=k / 30)
    far = ident.judge(skeleton(700, 100, 400), image, time_s=4 / 30)
    assert not far.accepted  # foreign legs (and a jump)
    verdict = ident.judge(skeleton(410, 100, 400), image, time_s=4 / 30)
    assert verdict.accepted and verdict.drop  # the right leg is someone else's
    kept = verdict.applied(skeleton(410, 100, 400))
    assert kept.confidence[KEYPOINT_INDEX["right_knee"]] == 0
    assert kept.confidence[KEYPOINT_INDEX["left_knee"]] == 1


def test_identity_refuses_a_trunk_that_looks_like_someone_standing_there() -> None:
    me, her = look(100, 120), look(20, 120)  # same trousers, another top
    ident = Looks({400: her}, model=model_of(me), learn=False)
    ident.others = deque(
        [Other(model=model_of(her), position=skeleton(420, 100, 400).position[:, :2], time_s=0.0)]
    )
    verdict = ident.judge(skeleton(400, 100, 400), np.zeros((H, W, 3), np.uint8), time_s=0.1)
    assert not verdict.accepted and "another person" in verdict.reason


def test_without_looks_an_extreme_pose_is_kept_on_motion() -> None:
    ident = Identity()
    det = skeleton(400, 100, 400)
    image = np.zeros((H, W, 3), np.uint8)
    assert ident.judge(det, image, time_s=0.0).accepted

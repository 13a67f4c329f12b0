"""FrameData and its builder, against a hand-made pose and analysis (metrics, moments,
camera)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from render_testkit import FRAME_SIZE, pose_dataset, skeleton

from hand_made import analysis_with, assessment
from pronate.camera.frames import rotate2d
from pronate.outputs.render import FrameData, FrameDataBuilder, frame_data_at
from pronate.outputs.render.boxes import body_box_of, body_parts_of
from pronate.outputs.render.moments import current_moment, in_order, kind_words
from pronate.outputs.render.support import (
    base_of_support,
    estimate_floor_angle,
    thigh_foreshortened,
)
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS

FPS = 30.0
N = 90

MOMENTS = [  # not in order: the builder numbers them by start
    assessment("right", "single_leg_stance", 2.0, 2.4, 2.8, "collapse"),
    assessment("left", "single_leg_stance", 0.5, 1.0, 1.5, "pronation"),
]


def metrics_for(pose: xr.Dataset) -> xr.Dataset:
    n = pose.sizes["time"]
    t = pose["time"].values
    stance = np.array(["both"] * n, dtype=object)
    stance[(t >= 0.5) & (t <= 1.5)] = "left"
    stance[(t >= 2.0) & (t <= 2.8)] = "right"
    stance[-5:] = "none"
    kp = pose["position"].values
    com_x = kp[:, KEYPOINT_INDEX["left_hip"], 0]
    return xr.Dataset(
        {
            "stance": ("time", stance),
            "com_x_px": ("time", com_x),
            "com_y_px": ("time", kp[:, KEYPOINT_INDEX["left_hip"], 1] - 10),
            "com_margin_norm": ("time", np.where(t < 2.0, 0.2, -0.1)),
            "knee_fppa_left_deg": ("time", np.linspace(0, 20, n)),
            "knee_fppa_right_deg": ("time", np.full(n, -2.0)),
            "pelvic_obliquity_deg": ("time", np.full(n, 3.0)),
        },
        coords={"time": t},
    )


@pytest.fixture
def pose() -> xr.Dataset:
    return pose_dataset(n=N, fps=FPS, frame_size=FRAME_SIZE)


def test_frame_data_validates_and_freezes() -> None:
    kp = skeleton()
    with pytest.raises(ValueError, match="keypoints"):
        FrameData(frame_size=FRAME_SIZE, keypoints=kp[:10], confidence=np.ones(33))
    with pytest.raises(ValueError, match="verdict"):
        FrameData(frame_size=FRAME_SIZE, keypoints=kp, confidence=np.ones(33), verdict="bad")
    with pytest.raises(ValueError, match="loaded_side"):
        FrameData(frame_size=FRAME_SIZE, keypoints=kp, confidence=np.ones(33), loaded_side="x")
    data = FrameData(frame_size=FRAME_SIZE, keypoints=kp, confidence=np.ones(33))
    kp[0, 0] = -1.0  # the caller's array is copied
    assert data.keypoints[0, 0] != -1.0
    assert not data.keypoints.flags.writeable
    assert math.isnan(data.knee_fppa_deg["left"]) and math.isnan(data.knee_fppa_deg["right"])
    with pytest.raises(TypeError):
        data.knee_fppa_deg["left"] = 1.0  # type: ignore[index]


def test_moments_are_numbered_by_start_then_peak() -> None:
    early, late = MOMENTS[1], MOMENTS[0]
    assert in_order(MOMENTS) == (early, late)
    assert in_order(MOMENTS)[0] is early  # the analysis's own objects
    first = assessment("both", "squat", 1.0, 1.8, 2.0, "partial")
    second = assessment("left", "lunge", 1.0, 1.2, 2.5, "missing")
    assert in_order([first, second]) == (second, first)  # same start: the earlier peak
    build = FrameDataBuilder(
        pose_dataset(n=N, fps=FPS, frame_size=FRAME_SIZE), analysis_with(MOMENTS)
    )
    assert build.moments == (early, late)
    assert FrameDataBuilder(pose_dataset(n=N, fps=FPS, frame_size=FRAME_SIZE)).moments == ()


def test_current_moment_prefers_the_nearest_peak() -> None:
    a = assessment("left", "x", 0.0, 1.0, 3.0, "partial")
    b = assessment("right", "x", 2.0, 3.0, 4.0, "partial")
    assert current_moment((a, b), time_s=1.0) is a
    assert current_moment((a, b), time_s=2.8) is b
    assert current_moment((a, b), time_s=5.0) is None
    c = assessment("both", "x", 0.0, 2.0, 4.0, "partial")  # as near as a at 1.5 s
    assert current_moment((a, c), time_s=1.5) is a
    assert current_moment((c, a), time_s=1.5) is c
    assert kind_words("x") == "x"
    assert kind_words("single_leg_stance") == "single-leg stance"
    assert kind_words("step_down") == "step-down"


def test_builder_reads_the_documented_contracts(pose: xr.Dataset) -> None:
    metrics = metrics_for(pose)
    analysis = analysis_with(MOMENTS, metrics=metrics)
    build = FrameDataBuilder(pose, analysis)
    assert len(build) == N
    assert build.duration_s == pytest.approx(N / FPS)
    d = build(30)  # t = 1.0 s: the left moment's peak
    assert d.time_s == pytest.approx(1.0)
    assert d.moment is MOMENTS[1]
    assert d.loaded_side == "left" and d.verdict == "pronation"
    assert d.com_inside is True
    assert d.knee_fppa_deg["left"] == pytest.approx(20 * 30 / (N - 1))
    assert d.knee_fppa_deg["right"] == -2.0 and d.pelvic_obliquity_deg == 3.0
    assert np.allclose(d.keypoints, pose["position"].values[30, :, :2])
    assert d.com_px == pytest.approx(
        (
            pose["position"].values[30, KEYPOINT_INDEX["left_hip"], 0],
            pose["position"].values[30, KEYPOINT_INDEX["left_hip"], 1] - 10,
        )
    )
    assert d.frame_size == FRAME_SIZE and len(d.moments) == 2
    # base of support: under the left foot only, at the lowest foot point
    assert d.base_of_support is not None
    (ax, ay), (bx, by) = d.base_of_support
    heel = d.keypoints[KEYPOINT_INDEX["left_heel"]]
    toe = d.keypoints[KEYPOINT_INDEX["left_foot_index"]]
    assert ax < min(heel[0], toe[0]) and bx > max(heel[0], toe[0])
    assert ay == pytest.approx(max(heel[1], toe[1])) and by == pytest.approx(ay)
    assert ax > d.keypoints[KEYPOINT_INDEX["right_foot_index"]][0]
    # in the right moment, the CoM is outside
    d2 = build(72)
    assert d2.verdict == "collapse" and d2.loaded_side == "right" and d2.com_inside is False
    # between moments: loaded side from the stance, no verdict
    d3 = build(55)
    assert d3.moment is None and d3.verdict is None and d3.loaded_side == "both"
    # no contact: no base of support
    d4 = build(N - 1)
    assert d4.base_of_support is None and d4.loaded_side is None
    assert d2.moment is MOMENTS[0]
    assert _same(frame_data_at(pose, analysis, 30), d)


def _same(a: FrameData, b: FrameData) -> bool:
    return (
        np.array_equal(a.keypoints, b.keypoints)
        and a.time_s == b.time_s
        and a.moment is b.moment
        and a.base_of_support == b.base_of_support
        and dict(a.knee_fppa_deg) == dict(b.knee_fppa_deg)
    )


def test_builder_without_an_analysis(pose: xr.Dataset) -> None:
    d = FrameDataBuilder(pose)(10)
    assert d.moment is None and d.verdict is None and d.loaded_side is None
    assert d.com_px is None and d.base_of_support is None and d.com_inside is None
    assert math.isnan(d.pelvic_obliquity_deg)
    assert d.body_parts and d.moments == () and d.view is None
    assert frame_data_at(pose, None, 10).moment is None


def test_builder_frame_missing_from_the_pose(pose: xr.Dataset) -> None:
    dropped = pose.isel(time=[i for i in range(N) if i != 31])
    d = FrameDataBuilder(dropped, analysis_with(MOMENTS))(31)
    assert np.isnan(d.keypoints).all()
    assert d.time_s == pytest.approx(31 / FPS) and d.verdict == "pronation"


def test_builder_aligns_metrics_on_time(pose: xr.Dataset) -> None:
    metrics = metrics_for(pose).isel(time=slice(0, N, 2))  # half the frames
    d = FrameDataBuilder(pose, analysis_with(MOMENTS, metrics=metrics))(31)
    assert math.isnan(d.knee_fppa_deg["left"])  # no metric within half a frame
    d = FrameDataBuilder(pose, analysis_with(MOMENTS, metrics=metrics))(30)
    assert d.knee_fppa_deg["left"] == pytest.approx(20 * 30 / (N - 1))


def test_builder_rejects_metrics_with_extra_dims(pose: xr.Dataset) -> None:
    bad = xr.Dataset({"com_x_px": (("time", "k"), np.zeros((N, 2)))})
    with pytest.raises(ValueError, match="dims"):
        FrameDataBuilder(pose, analysis_with(metrics=bad))


@pytest.mark.parametrize("roll", [-6.0, 0.0, 5.0])
def test_floor_angle_follows_camera_roll(roll: float) -> None:
    kp = skeleton(roll_deg=roll)[None]
    angle = estimate_floor_angle(kp, np.ones((1, 33)), ["both"], min_confidence=0.3)
    assert math.degrees(angle) == pytest.approx(roll, abs=0.01)
    seg = base_of_support(kp[0], np.ones(33), "both", floor_angle=angle, min_confidence=0.3)
    assert seg is not None
    (ax, ay), (bx, by) = seg
    assert math.degrees(math.atan2(by - ay, bx - ax)) == pytest.approx(roll, abs=0.01)


def test_floor_angle_ignores_single_stance_and_side_views() -> None:
    kp = skeleton(roll_deg=20.0)[None]
    assert estimate_floor_angle(kp, np.ones((1, 33)), ["left"], min_confidence=0.3) == 0.0
    side = skeleton()[None].copy()
    side[0, :, 0] = 100.0  # every point on one vertical line
    assert estimate_floor_angle(side, np.ones((1, 33)), [None], min_confidence=0.3) == 0.0
    tilted = estimate_floor_angle(kp, np.ones((1, 33)), ["both"], min_confidence=0.3)
    assert math.degrees(tilted) == pytest.approx(15.0)  # clipped


def test_body_parts_cover_every_keypoint_and_the_head_top() -> None:
    kp = skeleton()
    conf = np.ones(len(KEYPOINTS))
    parts = body_parts_of(kp, conf, min_confidence=0.3)
    for x, y in kp:
        assert any(p[0] < x < p[2] and p[1] < y < p[3] for p in parts)
    box = body_box_of(kp, conf, min_confidence=0.3)
    assert box is not None
    assert box[1] < kp[KEYPOINT_INDEX["left_eye"]][1] - 10  # above the eyes
    low = conf.copy()
    low[:] = 0.1
    assert body_parts_of(kp, low, min_confidence=0.3) == []
    assert body_box_of(kp, low, min_confidence=0.3) is None


def test_builder_uses_the_analysis_roll_and_view(pose: xr.Dataset) -> None:
    metrics = metrics_for(pose)
    analysis = analysis_with(MOMENTS, metrics=metrics, view="oblique", roll_deg=5.0)
    build = FrameDataBuilder(pose, analysis)
    # roll turns the y-up frame counter-clockwise: in the image (y down) the floor is at -5
    assert math.degrees(build.floor_angle) == pytest.approx(-5.0)
    d = build(30)
    assert d.view == "oblique"
    assert d.base_of_support is not None
    (ax, ay), (bx, by) = d.base_of_support
    assert math.degrees(math.atan2(by - ay, bx - ax)) == pytest.approx(-5.0)
    # the same convention as the analysis: a body tilted by roll_deg in the image is upright
    rolled = skeleton(roll_deg=-5.0)  # image y down: -5 here is +5 counter-clockwise, y up
    axis = rolled[KEYPOINT_INDEX["nose"]] - rolled[KEYPOINT_INDEX["left_heel"]]
    up = rotate2d(np.array([axis[0], -axis[1]]), angle_deg=-5.0)
    assert abs(up[0]) < 0.2 * abs(up[1])
    without = FrameDataBuilder(pose)  # no analysis: the floor from the heels, here level
    assert without.view is None and without.floor_angle == 0.0


def test_thigh_foreshortened_against_its_clip_length() -> None:
    n = 20
    kp = np.full((n, len(KEYPOINTS), 2), np.nan)
    for side, x in (("left", 100.0), ("right", 60.0)):
        kp[:, KEYPOINT_INDEX[f"{side}_hip"]] = (x, 200.0)
        kp[:, KEYPOINT_INDEX[f"{side}_knee"]] = (x, 300.0)  # 100 px upright
    kp[5, KEYPOINT_INDEX["left_knee"]] = (100.0, 260.0)  # 0.6 of its length: pointing at us
    kp[6, KEYPOINT_INDEX["left_knee"]] = (100.0, 280.0)  # 0.8: still read
    kp[7, KEYPOINT_INDEX["left_knee"]] = np.nan  # unknown: not flagged
    short = thigh_foreshortened(kp)
    assert np.flatnonzero(short["left"]).tolist() == [5]
    assert not short["right"].any()
    assert thigh_foreshortened(kp, min_ratio=0.85)["left"][6]

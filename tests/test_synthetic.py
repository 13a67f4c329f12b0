"""Tests of the synthetic ground truth: the script, the cameras, the truth itself."""

import numpy as np
import pytest
import xarray as xr

from pronate.pose.keypoints import KEYPOINT_INDEX
from synthetic import (
    CONTACT_TRUTH_M,
    BilateralSquat,
    Camera,
    QuietStance,
    ground_truth,
    render_pose,
    simulate,
    single_leg,
)


@pytest.fixture(scope="module")
def skeleton() -> xr.Dataset:
    return simulate()


def test_truth_frontal_angles_are_the_scripted_ones(skeleton: xr.Dataset) -> None:
    truth = ground_truth(skeleton)
    for side in ("left", "right"):
        for seg in ("femur", "tibia"):
            scripted = skeleton[f"{seg}_frontal_{side}"].values
            assert np.allclose(truth[f"{seg}_frontal_{side}_deg"].values, scripted, atol=1e-9)
        fppa = truth[f"knee_fppa_{side}_deg"].values
        identity = (
            truth[f"femur_frontal_{side}_deg"].values - truth[f"tibia_frontal_{side}_deg"].values
        )
        assert np.allclose(fppa, identity, atol=1e-9)
    assert np.allclose(
        truth["pelvic_obliquity_deg"].values, skeleton["obliquity"].values, atol=1e-9
    )
    assert np.allclose(truth["trunk_lean_deg"].values, skeleton["trunk_lean"].values, atol=1e-9)


def test_planted_feet_do_not_slip(skeleton: xr.Dataset) -> None:
    points = skeleton["points"].values
    for side in ("left", "right"):
        contact = skeleton[f"contact_{side}"].values
        heel = points[contact, KEYPOINT_INDEX[f"{side}_heel"]]
        assert np.ptp(heel[:, :2], axis=0).max() < 2e-3  # no sliding while on the ground
        assert heel[:, 2].max() < CONTACT_TRUTH_M


def test_scripted_kinds_differ_as_intended() -> None:
    def peak(kind: str) -> xr.Dataset:
        sk = simulate([QuietStance(), single_leg("left", kind), QuietStance()])
        truth = ground_truth(sk)
        single = truth["stance"] == "left"
        return truth.where(single, drop=True)

    good, missing, collapse = peak("pronation"), peak("missing"), peak("collapse")
    assert 7.0 < float(good["knee_fppa_left_deg"].max()) < 10.0
    assert float(good["pelvic_obliquity_deg"].max()) > 3.0  # loaded (left) side up
    assert float(good["com_margin_norm"].min()) > 0  # CoM over the stance foot
    assert abs(float(missing["knee_fppa_left_deg"].max())) < 0.5
    assert float(missing["com_margin_norm"].max()) < 0  # CoM outside the base
    assert float(collapse["knee_fppa_left_deg"].max()) > 15.0
    lag = float(
        collapse["tibia_frontal_left_deg"].idxmin("time")
        - collapse["femur_frontal_left_deg"].idxmax("time")
    )
    assert lag == pytest.approx(0.3, abs=0.05)


def test_squat_keeps_both_feet_down() -> None:
    sk = simulate([QuietStance(), BilateralSquat(reps=2)])
    truth = ground_truth(sk)
    assert (truth["stance"] == "both").all()
    assert float(truth["knee_flexion_left_deg"].max()) == pytest.approx(60.0, abs=0.5)


def test_camera_conventions() -> None:
    cam = Camera(yaw_deg=0.0)
    left, right = cam.project(np.array([[0.0, 0.1, 1.0], [0.0, -0.1, 1.0]]))
    assert left[0] > right[0]  # front view: the subject's left is on the image right
    back = Camera(yaw_deg=180.0).project(np.array([[0.0, 0.1, 1.0], [0.0, -0.1, 1.0]]))
    assert back[0, 0] < back[1, 0]
    rolled = Camera(roll_deg=10.0).project(np.array([[0.0, 0.5, 0.7], [0.0, -0.5, 0.7]]))
    rise = -(rolled[0, 1] - rolled[1, 1])  # y down -> up
    assert np.degrees(np.arctan2(rise, rolled[0, 0] - rolled[1, 0])) == pytest.approx(10.0)
    side = Camera(yaw_deg=90.0).project(np.array([[0.2, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    assert side[0, 0] < side[1, 0]  # left side view: the subject faces image left


def test_render_pose_mislabels_back_views(skeleton: xr.Dataset) -> None:
    front = render_pose(skeleton, Camera(yaw_deg=0.0))
    back = render_pose(skeleton, Camera(yaw_deg=180.0))
    for pose in (front, back):  # labelled left appears on the image right in both
        x = pose["position"].sel(space="x").isel(time=0)
        assert float(x.sel(keypoint="left_hip")) > float(x.sel(keypoint="right_hip"))
    assert float(back["confidence"].sel(keypoint="nose").mean()) < 0.5
    noisy = render_pose(skeleton, Camera(), noise_px=2.0, seed=1)
    diff = (noisy["position"] - front["position"]).sel(space="x")
    assert float(diff.std()) == pytest.approx(2.0, rel=0.1)


def test_camera_pitch_looks_down_at_the_target() -> None:
    cam = Camera(yaw_deg=30.0, pitch_deg=20.0)
    centre = cam.centre()
    assert centre[2] == pytest.approx(0.7 + 20.0 * np.tan(np.radians(20.0)))
    target = cam.project(np.array([[0.0, 0.0, 0.7]]))[0]
    assert np.allclose(target, [cam.width / 2, cam.height / 2])  # on the optical axis
    forward = cam.rotation()[2]
    assert np.degrees(np.arcsin(-forward[2])) == pytest.approx(20.0)
    # the floor under the subject appears below the image centre, the head above
    feet, head = cam.project(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.7]]))
    assert feet[1] > cam.height / 2 > head[1]

"""Tests of the coordinate frames, views, labels, camera roll and pitch."""

import numpy as np
import pytest

from pronate.camera.body import observe
from pronate.camera.frames import (
    estimate_pitch,
    level_world,
    mid,
    rotate2d,
    swap_sides,
    upright_image,
    upright_world,
)
from pronate.camera.roll import MAX_ROLL_DEG, MAX_ROLL_SPREAD_DEG
from pronate.camera.roll import stance_roll as estimate_roll
from pronate.camera.view import classify_yaw
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS, mirror_name
from stages import facts, seen
from synthetic import Camera, QuietStance, mirror_image, render_pose, simulate


@pytest.mark.parametrize(
    ("yaw", "view"),
    [
        (0, "front"),
        (19, "front"),
        (-19, "front"),
        (24, "oblique"),  # the model shows turns 15-20 deg smaller than they are
        (-162, "back"),
        (30, "oblique"),
        (90, "left"),
        (-90, "right"),
        (150, "oblique"),
        (180, "back"),
        (-170, "back"),
        (120, "oblique"),
        (70, "left"),
    ],
)
def test_classify_yaw(yaw: float, view: str) -> None:
    assert classify_yaw(yaw) == view


def test_rotate_counter_clockwise() -> None:
    assert np.allclose(rotate2d(np.array([1.0, 0.0]), angle_deg=90), [0.0, 1.0])


def test_upright_image_is_centred_and_y_up() -> None:
    uv = upright_image(np.array([[10.0, 0.0]]), width=20, height=10, roll_deg=0)
    assert np.allclose(uv, [[0.0, 5.0]])


def test_swap_and_mirror_are_involutions() -> None:
    pose = render_pose(simulate(), Camera(yaw_deg=20))
    for f in (swap_sides, mirror_image):
        back = f(f(pose))
        assert np.allclose(back["position"].values, pose["position"].values)
        assert np.allclose(back["world"].values, pose["world"].values)


# ------------------------------------------------------------------ roll, pitch


def _quiet_uv(*, tilt_deg: float, n: int = 20, scatter_deg: float = 0.0) -> np.ndarray:
    """Upright points (n, 33, 2) of a body whose ankle->shoulder axis leans ``tilt_deg``
    counter-clockwise, alternating by +-``scatter_deg`` from frame to frame."""
    uv = np.zeros((n, len(KEYPOINTS), 2))
    for i in range(n):
        a = np.radians(tilt_deg + scatter_deg * (-1) ** i)
        top = np.array([-np.sin(a), np.cos(a)]) * 150.0
        for side, x in (("left", 10.0), ("right", -10.0)):
            uv[i, KEYPOINT_INDEX[f"{side}_ankle"]] = (x, 0.0)
            uv[i, KEYPOINT_INDEX[f"{side}_shoulder"]] = top + np.array([x, 0.0])
    return uv


def test_roll_only_from_a_sane_quiet_stance() -> None:
    uv = _quiet_uv(tilt_deg=4.0)
    quiet = np.ones(len(uv), dtype=bool)
    roll, method = estimate_roll(uv, view="front", quiet=quiet)
    assert roll == pytest.approx(4.0) and method == "body_axis"
    assert estimate_roll(uv, view="oblique", quiet=~quiet) == (0.0, "none")  # no quiet stance
    leaning = _quiet_uv(tilt_deg=MAX_ROLL_DEG + 5.0)
    assert estimate_roll(leaning, view="front", quiet=quiet) == (0.0, "none")
    restless = _quiet_uv(tilt_deg=2.0, scatter_deg=MAX_ROLL_SPREAD_DEG + 2.0)
    assert estimate_roll(restless, view="back", quiet=quiet) == (0.0, "none")


@pytest.mark.parametrize("pitch", [0.0, 12.0, 30.0])
def test_pitch_is_found_and_levelled(pitch: float) -> None:
    pose = render_pose(simulate([QuietStance()]), Camera(yaw_deg=40.0, pitch_deg=pitch))
    world = upright_world(pose["world"].values, roll_deg=0.0)
    found = estimate_pitch(world, neutral=np.ones(pose.sizes["time"], dtype=bool))
    assert found == pytest.approx(pitch, abs=1e-6)
    level = level_world(world, pitch_deg=found)
    axis = mid(level, "left_shoulder", "right_shoulder") - mid(level, "left_ankle", "right_ankle")
    assert np.allclose(axis[:, [0, 2]], 0.0, atol=1e-9)  # the body axis is vertical again


# ------------------------------------------------------------------ real clips


def _effective(pose, name: str, *, swapped: int) -> np.ndarray:
    """Pixel (x, y) of the subject's real ``name`` after the label swap of the metrics."""
    if swapped:
        name = mirror_name(name)
    return pose["position"].sel(keypoint=name, space=["x", "y"]).values


@pytest.mark.shared
@pytest.mark.parametrize(
    ("clip", "yaw_range"),
    [("balancing_cam01", (-60.0, -20.0)), ("balancing_cam03", (110.0, 155.0))],
)
def test_balancing_views_and_real_sides(clip, yaw_range, tracked_clip, balancing_mocap) -> None:
    """cam01 sees him obliquely from the front, cam03 obliquely from behind (mocap and
    calibration: yaw about -49 and 117 deg; the model's world landmarks make his turn
    look 15-20 deg smaller). ``left`` must be his real left: the tracked left ankle is
    where the mocap's left ankle projects into that camera, and the foot that swings
    while he balances (frames 20-60) is the right one."""
    from pronate.validation.reference import reference_pose_dataset

    pose = tracked_clip(clip)
    body, metrics = seen(pose)
    assert facts(body)["view"] == "oblique"
    assert yaw_range[0] <= facts(body)["yaw_deg"] <= yaw_range[1]
    trc, cameras = balancing_mocap
    mocap = reference_pose_dataset(trc, cameras[clip.split("_")[1]])
    swapped = facts(body)["labels_swapped"]
    for part in ("hip", "knee", "ankle"):
        left = _effective(pose, f"left_{part}", swapped=swapped)
        right = _effective(pose, f"right_{part}", swapped=swapped)
        ref_l = mocap["position"].sel(keypoint=f"left_{part}", space=["x", "y"]).values
        ref_r = mocap["position"].sel(keypoint=f"right_{part}", space=["x", "y"]).values
        same = np.linalg.norm(left - ref_l, axis=1) + np.linalg.norm(right - ref_r, axis=1)
        crossed = np.linalg.norm(left - ref_r, axis=1) + np.linalg.norm(right - ref_l, axis=1)
        visible = np.isfinite(same) & np.isfinite(crossed)
        assert visible.sum() >= 10
        assert (same[visible] < crossed[visible]).mean() >= 0.95, part
    speed = {}  # mean knee displacement per frame where seen (the swinging leg is
    for side in ("left", "right"):  # often lost from behind)
        knee = _effective(pose, f"{side}_knee", swapped=swapped)[20:60]
        steps = np.linalg.norm(np.diff(knee, axis=0), axis=1)
        assert np.isfinite(steps).sum() >= 3
        speed[side] = np.nanmean(steps)
    assert speed["right"] > 2 * speed["left"]
    assert (metrics["stance"].values[20:60] == "left").all()


@pytest.mark.shared
def test_balancing_roll_is_not_guessed_from_a_leaning_body(tracked_clip) -> None:
    """He leans from the first frame: no quiet stance, so no roll estimate (the old
    body-axis guess said -22 deg)."""
    attrs = facts(observe(tracked_clip("balancing_cam01")))
    assert attrs["quiet_found"] == 0
    assert attrs["roll_method"] == "none"
    assert attrs["roll_deg"] == 0.0
    assert attrs["reference_frames"] == "both_feet"


@pytest.mark.shared
def test_frontal_squat_view_and_roll(tracked_clip) -> None:
    """Front view; the gym's vertical edges are within 0.5 deg of upright in the video
    (the line through her feet is tilted 3-4 deg by a slight foot stagger)."""
    pose = tracked_clip("frontal_squat")
    attrs = facts(observe(pose))
    assert attrs["view"] == "front" and abs(attrs["yaw_deg"]) <= 10.0
    assert attrs["roll_method"] == "body_axis" and abs(attrs["roll_deg"]) <= 2.0
    assert abs(attrs["pitch_deg"]) <= 10.0
    x = _effective(pose, "left_hip", swapped=attrs["labels_swapped"])[:, 0]
    x_r = _effective(pose, "right_hip", swapped=attrs["labels_swapped"])[:, 0]
    assert np.nanmedian(x - x_r) > 0  # facing the camera: her left hip on the image right

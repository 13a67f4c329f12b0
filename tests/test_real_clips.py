"""Tracking on real clips from ../shared/data (heavy model, tracked once per session)."""

from __future__ import annotations

import numpy as np
import pytest

from pronate.io.video import iter_frames
from pronate.pipeline import run_track
from pronate.pose.config import FilterConfig, TrackConfig
from pronate.validation.accuracy import paired, pixel_error
from pronate.validation.reference import (
    read_calibration,
    read_trc,
    reference_pose_dataset,
    select_camera,
)

pytestmark = pytest.mark.shared


def found(pose) -> np.ndarray:
    return np.isfinite(pose["position_raw"].sel(keypoint="left_hip", space="x").values)


def y_of(pose, name: str) -> np.ndarray:
    return pose["position"].sel(keypoint=name, space="y").values


def test_frontal_squat_subject_found_and_upright(tracked_clip):
    pose = tracked_clip("frontal_squat")
    assert pose.sizes["time"] == 540
    assert found(pose).mean() >= 0.95
    # Standing at the start (image y grows downwards): hips above knees above ankles.
    first = slice(0, 30)
    for side in ("left", "right"):
        hip, knee, ankle = (
            np.nanmedian(y_of(pose, f"{side}_{p}")[first]) for p in ("hip", "knee", "ankle")
        )
        assert hip < knee < ankle


def test_balancing_man_tracked_and_never_the_bystander(tracked_clip, shared_data):
    pose = tracked_clip("balancing_cam01")
    assert found(pose).mean() >= 0.95
    folder = shared_data / "pose2sim_balancing"
    camera = select_camera(read_calibration(folder / "Calib_qualisys.toml"), "cam01")
    reference = reference_pose_dataset(read_trc(folder / "Balancing_for_IK.trc"), camera)
    tracked, ref = paired(pose, reference)
    errors = pixel_error(tracked["position_raw"], ref["position"])
    hips = errors.sel(keypoint=["left_hip", "right_hip"]).max("keypoint").values
    # The bystander stands metres away: any frame on him would be hundreds of pixels off.
    assert np.all(hips[np.isfinite(hips)] < 80)
    assert np.isfinite(hips).mean() >= 0.95


def test_subject_leaving_the_frame_is_nan_and_no_one_else(tracked_clip):
    """sports2d demo: the man doing jumping jacks (largest at the start) flips off the box
    and leaves; a woman walks by below. She must never become the subject."""
    pose = tracked_clip("sports2d_demo")
    seen = found(pose)
    assert seen[:100].mean() > 0.9
    assert not seen[-30:].any()  # he has left
    ankles = pose["position_raw"].sel(keypoint=["left_ankle", "right_ankle"], space="y").values
    # He stands on the box (ankles above y=600 of 994); the walker's feet are near y=900.
    assert np.nanmax(ankles) < 600


def test_rotated_phone_clip_is_tracked_upright(make_clip, shared_data, tmp_path):
    frames = [
        np.rot90(f.image, k=1).copy()  # stored sideways, as a phone does
        for f in iter_frames(shared_data / "frontal_squat/frontal_squat.mp4")
        if f.index < 40
    ]
    clip = make_clip("phone.mp4", frames, fps=60.0, display_rotation=-90)
    out = run_track(clip, tmp_path / "o", track=TrackConfig(model="lite"), filters=FilterConfig())
    pose = out.pose
    assert (pose.attrs["image_width"], pose.attrs["image_height"]) == (892, 1592)
    assert pose.attrs["rotation_deg"] == 90
    assert found(pose).mean() >= 0.95
    assert np.nanmedian(y_of(pose, "left_hip")) < np.nanmedian(y_of(pose, "left_ankle"))
    assert (out.pose_path).is_file() and (out.keypoints_path).is_file()


def test_parallel_segments_equal_a_sequential_run(shared_data):
    """Two segments tracked at once give the sequential result: identical before the split
    and, once the warm-up has settled the landmarker on the same (grid-snapped) crop, within
    half a pixel after it."""
    from dataclasses import replace

    from pronate.pose.tracker import track_video

    clip = shared_data / "pose2sim_balancing/cam01.mp4"
    base = TrackConfig(model="lite", warmup_s=0.2)
    seq = track_video(clip, config=replace(base, workers=1)).pose
    seen: list[int] = []  # the frame tap sees every frame once, warm-ups not again
    par = track_video(
        clip, config=replace(base, workers=2), on_frame=lambda f: seen.append(f.index)
    ).pose
    assert sorted(seen) == list(range(par.sizes["time"]))
    a, b = (p["position"].sel(space=["x", "y"]).values for p in (seq, par))
    assert np.array_equal(np.isnan(a), np.isnan(b))
    dist = np.linalg.norm(a - b, axis=-1)
    np.testing.assert_array_equal(dist[:50], 0.0)  # first segment: same frames, same state
    assert np.nanmedian(dist[50:]) < 0.5
    assert np.nanpercentile(dist[50:], 95) < 3.0

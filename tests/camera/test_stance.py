"""Tests of contact, stance labels, quiet stance and the base of support."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy.ndimage import uniform_filter1d

from pronate.camera.contact import foot_contact, point_contact
from pronate.camera.stance import (
    leg_length,
    quiet_stance,
    stance_labels,
)
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS
from stages import metrics_of
from synthetic import (
    Camera,
    QuietStance,
    SingleLegLoading,
    ground_truth,
    render_pose,
    simulate,
)

FPS = 60.0
LEG = 100.0  # leg length of the hand-made trajectories, in their units


def test_stance_labels() -> None:
    left = np.array([True, True, False, False])
    right = np.array([True, False, True, False])
    assert stance_labels(left, right).tolist() == ["both", "left", "right", "none"]


# ------------------------------------------------------------ one contact point


def _time(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * FPS)) / FPS


def _ramp(t: np.ndarray, start: float, end: float) -> np.ndarray:
    x = np.clip((t - start) / (end - start), 0.0, 1.0)
    return 0.5 * (1.0 - np.cos(np.pi * x))


def _bump(t: np.ndarray, start: float, end: float) -> np.ndarray:
    x = np.clip((t - start) / (end - start), 0.0, 1.0)
    return np.sin(np.pi * x)


def _contact(xy: np.ndarray, t: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return point_contact(xy, time_s=t, leg=LEG)


def test_a_step_to_a_new_place_is_planted_again() -> None:
    """Lift at 0.5 s, swing 0.3 leg lengths sideways and 0.2 up, land at 1.0 s."""
    t = _time(2.0)
    xy = np.stack([30.0 * _ramp(t, 0.5, 1.0), 20.0 * _bump(t, 0.5, 1.0)], axis=-1)
    contact = _contact(xy, t)
    assert contact[t < 0.45].all()
    assert not contact[(t > 0.6) & (t < 0.9)].any()
    assert contact[t > 1.05].all()


def test_a_foot_held_still_in_the_air_is_not_planted() -> None:
    """Lift 0.2 leg lengths and hold it there: it rose into its rest."""
    t = _time(2.0)
    xy = np.stack([np.zeros_like(t), 20.0 * _ramp(t, 0.5, 0.8)], axis=-1)
    contact = _contact(xy, t)
    assert contact[t < 0.45].all()
    assert not contact[t > 0.6].any()


def test_a_keypoint_glitch_does_not_lift_the_foot() -> None:
    """A planted point wobbling 0.06 leg lengths for 0.15 s (e.g. the other leg passes in
    front of it) stays planted; the same excursion lasting 0.5 s is a lift."""
    t = _time(2.0)
    short = np.stack([6.0 * _bump(t, 0.9, 1.05), 3.0 * _bump(t, 0.9, 1.05)], axis=-1)
    assert _contact(short, t).all()
    long = np.stack([np.zeros_like(t), 12.0 * _bump(t, 0.8, 1.3)], axis=-1)
    assert not _contact(long, t)[(t > 0.95) & (t < 1.15)].any()


def test_unseen_point_is_not_planted_and_quiet() -> None:
    t = _time(1.0)
    xy = np.zeros((len(t), 2))
    xy[20:40] = np.nan
    contact = _contact(xy, t)
    assert not contact[20:40].any()
    assert contact[:20].all() and contact[40:].all()
    assert not _contact(np.full((len(t), 2), np.nan), t).any()


# ------------------------------------------------------------------ whole foot


def _feet(t: np.ndarray, **tracks: np.ndarray) -> np.ndarray:
    """Upright points (time, 33, 2): a standing skeleton with legs of 100 units, feet at
    x=+-10 on y=0, the named keypoints replaced by the given tracks."""
    uv = np.zeros((len(t), len(KEYPOINTS), 2))
    for side, x in (("left", 10.0), ("right", -10.0)):
        for name, y in (("hip", 107.0), ("knee", 50.0), ("ankle", 7.0), ("heel", 0.0)):
            uv[:, KEYPOINT_INDEX[f"{side}_{name}"]] = (x, y)
        uv[:, KEYPOINT_INDEX[f"{side}_foot_index"]] = (x, 0.0)
        uv[:, KEYPOINT_INDEX[f"{side}_shoulder"]] = (x, 157.0)
    for name, xy in tracks.items():
        uv[:, KEYPOINT_INDEX[name]] = xy
    return uv


def test_heel_rise_on_a_planted_toe_is_contact() -> None:
    t = _time(2.0)
    rise = 10.0 * _bump(t, 0.6, 1.4)
    heel = np.stack([10.0 + 0 * t, rise], axis=-1)
    ankle = np.stack([10.0 + 0 * t, 7.0 + rise], axis=-1)
    uv = _feet(t, left_heel=heel, left_ankle=ankle)
    leg = leg_length(uv)
    assert leg == pytest.approx(LEG, rel=0.05)
    assert foot_contact(uv, side="left", time_s=t, leg=leg).all()


def test_an_occluded_foot_that_reappears_in_place_stays_planted() -> None:
    t = _time(2.0)
    uv = _feet(t)
    for part in ("heel", "foot_index", "ankle"):
        uv[50:70, KEYPOINT_INDEX[f"right_{part}"]] = np.nan
    uv[10, :] = np.nan  # a frame without the subject
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        leg = leg_length(uv)
        contact = foot_contact(uv, side="right", time_s=t, leg=leg)
    assert contact[11:].all()


def test_quiet_stance_needs_a_still_body() -> None:
    t = _time(2.0)
    both = np.ones(len(t), dtype=bool)
    uv = _feet(t)
    sway = 20.0 * np.sin(2 * np.pi * t)  # hips and shoulders swaying 0.2 leg lengths
    for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"):
        uv[:, KEYPOINT_INDEX[name], 0] += sway * (t < 1.0)
    quiet = quiet_stance(uv, contact_left=both, contact_right=both, time_s=t, leg=LEG)
    assert quiet.any() and not quiet[t < 1.0].any() and quiet[t > 1.1].all()
    one = both & (t < 1.5)
    assert not quiet_stance(uv, contact_left=one, contact_right=one & (t < 1.2), time_s=t, leg=LEG)[
        t > 1.2
    ].any()


# ------------------------------------------------- the old floor rule's failures


@pytest.mark.parametrize(
    "camera",
    [
        Camera(yaw_deg=0.0, roll_deg=3.0),
        Camera(yaw_deg=35.0, pitch_deg=25.0),
        Camera(yaw_deg=-145.0, pitch_deg=20.0, roll_deg=-4.0),
    ],
    ids=["front", "oblique-from-above", "back-oblique-from-above"],
)
def test_stance_when_one_foot_is_up_most_of_the_clip(camera: Camera) -> None:
    """A per-foot floor taken over the clip fails when a foot is lifted most of the time,
    and seen from above the far foot looks higher while it is on the floor."""
    skeleton = simulate(
        [QuietStance(duration_s=0.4), SingleLegLoading(side="left", load_s=4.0)], fps=30.0
    )
    truth = ground_truth(skeleton)["stance"].values
    stance = metrics_of(render_pose(skeleton, camera))["stance"].values
    changes = np.flatnonzero(truth[1:] != truth[:-1])
    near = np.zeros(len(truth), dtype=bool)
    for c in changes:
        near[max(0, c - 2) : c + 4] = True
    assert (truth == "left").mean() > 0.6
    assert (stance == truth)[~near].all()


# ------------------------------------------------------------------ real clips


def mocap_stance(trc: xr.DataArray) -> np.ndarray:
    """Stance per frame of the balancing trial from the mocap (TRC, Y up, metres).

    A foot is down when its lowest marker (heel or big toe) is within 4 cm of that
    foot's floor level and the slower of the two moves slower than 0.5 m/s (positions
    smoothed over 7 frames). The floor level is taken per foot (2nd percentile of its
    lowest marker): the triangulated markers sit at different heights above the sole.
    """
    down = {}
    fps = float(trc.attrs["data_rate"])
    for side, prefix in (("left", "L"), ("right", "R")):
        pts = trc.sel(marker=[f"{prefix}Heel", f"{prefix}BigToe"]).values  # time, 2, xyz
        lowest = pts[..., 1].min(axis=1)
        height = lowest - np.percentile(lowest, 2)
        smooth = uniform_filter1d(pts, size=7, axis=0, mode="nearest")
        speed = np.linalg.norm(np.gradient(smooth, 1.0 / fps, axis=0), axis=-1).min(axis=1)
        down[side] = (height < 0.04) & (speed < 0.5)
    return stance_labels(down["left"], down["right"])


@pytest.mark.shared
def test_mocap_stance_is_the_documented_sequence(balancing_mocap) -> None:
    stance = mocap_stance(balancing_mocap[0])
    assert (stance[:10] == "both").all()
    assert (stance[15:70] == "left").all()  # balancing on the left leg
    assert (stance[90:] == "right").all()  # the left foot steps


@pytest.mark.shared
@pytest.mark.parametrize("clip", ["balancing_cam01", "balancing_cam03"])
def test_balancing_stance_agrees_with_the_mocap(clip, tracked_clip, balancing_mocap) -> None:
    """Oblique front (cam01) and oblique back (cam03) views of the same trial; the mocap
    is frame-for-frame with both videos. Reached: 96 % (cam01) and 97 % (cam03); with
    the height rule alone (no speed limit) 94 % and 87 %: the lift-offs and touchdowns
    are a few frames late after the 6 Hz clean-up."""
    truth = mocap_stance(balancing_mocap[0])
    stance = metrics_of(tracked_clip(clip))["stance"].values
    assert len(stance) == len(truth)
    assert (stance == truth).mean() >= 0.9
    assert (stance[20:60] == "left").all()


@pytest.mark.shared
def test_frontal_squat_is_on_both_feet(tracked_clip) -> None:
    stance = metrics_of(tracked_clip("frontal_squat"))["stance"].values
    assert (stance == "both").mean() >= 0.95

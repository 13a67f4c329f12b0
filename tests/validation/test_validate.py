"""Validation maths on synthetic data with exactly known answers.

A known skeleton is seen by a known camera. Compared with itself the error is zero; seen
by the same camera moved sideways by ``d`` (camera x axis) at depth ``Z`` every keypoint
moves by exactly ``f * d / Z`` pixels.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from pronate.errors import InputError
from pronate.validation.accuracy import (
    GROUPS,
    align_frames,
    compare_series,
    estimate_frame_offset,
    keypoint_accuracy,
    metric_agreement_with,
    pixel_error,
    position_accuracy,
    series_agreement,
    thigh_length_px,
)
from pronate.validation.command import format_report, validation_report
from pronate.validation.reference import Camera, reference_pose_dataset

F = 1000.0
DEPTH = 4.0
FPS = 60.0
THIGH_M = 0.45
THIGH_PX = F * THIGH_M / DEPTH  # 112.5

# TRC axes (Y up), every point at x = 0, i.e. at the same depth DEPTH from the camera.
SKELETON = {
    "RHip": (0.0, 1.0, -0.1),
    "LHip": (0.0, 1.0, 0.1),
    "RKnee": (0.0, 1.0 - THIGH_M, -0.1),
    "LKnee": (0.0, 1.0 - THIGH_M, 0.1),
    "RAnkle": (0.0, 0.1, -0.1),
    "LAnkle": (0.0, 0.1, 0.1),
    "RHeel": (0.0, 0.05, -0.12),
    "LHeel": (0.0, 0.05, 0.12),
    "RBigToe": (0.0, 0.0, -0.1),
    "Nose": (0.0, 1.6, 0.0),
    "Neck": (0.0, 1.5, 0.0),
}
N_MAPPED = 10  # all but Neck


def camera(*, shift_x: float = 0.0) -> Camera:
    """Camera 4 m in front of the skeleton, level; ``shift_x`` moves it along its own x."""
    return Camera(
        name="synthetic",
        image_size=(1000, 800),
        matrix=np.array([[F, 0.0, 500.0], [0.0, F, 400.0], [0.0, 0.0, 1.0]]),
        distortions=np.zeros(4),
        rotation=np.array([np.pi / 2, 0.0, 0.0]),
        translation=np.array([-shift_x, 1.0, DEPTH]),
    )


def skeleton(*, n_frames: int = 20, sway: float = 0.0, t0: float = 1 / FPS) -> xr.DataArray:
    """The skeleton over time, optionally swaying sideways (TRC z) by ``sway`` metres."""
    markers = list(SKELETON)
    base = np.array([SKELETON[m] for m in markers])
    data = np.repeat(base[None], n_frames, axis=0)
    data[:, :, 2] += sway * np.sin(np.arange(n_frames) / 3.0)[:, None]
    return xr.DataArray(
        data,
        dims=("time", "marker", "space"),
        coords={
            "time": ("time", t0 + np.arange(n_frames) / FPS),
            "frame": ("time", np.arange(1, n_frames + 1)),
            "marker": markers,
            "space": ["x", "y", "z"],
        },
        attrs={"data_rate": FPS},
    )


def as_tracked(ds: xr.Dataset, *, time_shift: float = 0.0) -> xr.Dataset:
    """A pose dataset standing in for tracking: the same values on video timestamps."""
    out = ds.assign_coords(time=ds["time"].values + time_shift)
    out.attrs = {**ds.attrs, "model": "synthetic"}
    return out


def with_raw(filtered: xr.Dataset, raw: xr.Dataset) -> xr.Dataset:
    out = filtered.copy()
    out["position_raw"] = ("time", "keypoint", "space"), raw["position"].values
    return out


# -------------------------------------------------------------------- pairing


def test_align_frames_pairs_nearest_within_half_a_frame() -> None:
    video = np.arange(5) / FPS  # 0 .. 4 frames
    trc = (np.arange(5) + 1) / FPS  # Pose2Sim: Time = Frame# / rate, Frame# from 1
    ti, ri = align_frames(video, trc, fps=FPS)
    assert ti.tolist() == [1, 2, 3, 4] and ri.tolist() == [0, 1, 2, 3]
    ti, ri = align_frames(video, trc, fps=FPS, frame_offset=-1)
    assert ti.tolist() == [0, 1, 2, 3, 4] and ri.tolist() == [0, 1, 2, 3, 4]
    ti, ri = align_frames(video, trc + 0.6 / FPS, fps=FPS)  # more than half a frame off
    assert ti.tolist() == [2, 3, 4] and ri.tolist() == [0, 1, 2]
    assert align_frames(video, np.array([10.0]), fps=FPS)[0].size == 0
    assert align_frames(np.zeros(0), trc, fps=FPS)[0].size == 0
    ti, ri = align_frames(np.array([2 / FPS]), trc, fps=FPS)
    assert ti.tolist() == [0] and ri.tolist() == [1]


def test_no_common_frame_is_an_input_error() -> None:
    ref = reference_pose_dataset(skeleton(), camera())
    with pytest.raises(InputError):
        keypoint_accuracy(as_tracked(ref, time_shift=100.0), ref)


# ---------------------------------------------------------------- pixel errors


def test_reference_against_itself_has_zero_error() -> None:
    ref = reference_pose_dataset(skeleton(sway=0.1), camera())
    result = keypoint_accuracy(as_tracked(ref), ref)

    assert len(result["keypoints"]) == N_MAPPED
    for stats in [*result["keypoints"].values(), *result["groups"].values()]:
        assert stats["median_px"] == 0.0 and stats["p90_px"] == 0.0
        assert stats["median_thigh"] == 0.0 and stats["p90_thigh"] == 0.0
    assert set(result["groups"]) == set(GROUPS)
    assert result["groups"]["knees"]["n"] == 2 * 20


def test_shifted_camera_gives_the_known_error() -> None:
    d = 0.02
    ref = reference_pose_dataset(skeleton(sway=0.1), camera())
    tracked = as_tracked(reference_pose_dataset(skeleton(sway=0.1), camera(shift_x=d)))

    result = keypoint_accuracy(tracked, ref)

    expected_px = F * d / DEPTH  # 5 px
    for stats in [*result["keypoints"].values(), *result["groups"].values()]:
        assert stats["median_px"] == pytest.approx(expected_px, abs=1e-9)
        assert stats["p90_px"] == pytest.approx(expected_px, abs=1e-9)
        assert stats["median_thigh"] == pytest.approx(expected_px / THIGH_PX, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    d=st.floats(min_value=-0.3, max_value=0.3, allow_nan=False),
    depth=st.floats(min_value=-1.0, max_value=3.0, allow_nan=False),
)
def test_error_of_a_sideways_shift_is_f_d_over_z(d: float, depth: float) -> None:
    # the whole skeleton at camera depth DEPTH + depth (TRC x is camera depth here)
    trc = skeleton(n_frames=3)
    trc[:, :, 0] = depth
    ref = reference_pose_dataset(trc, camera())
    tracked = as_tracked(reference_pose_dataset(trc, camera(shift_x=d)))
    errors = pixel_error(tracked["position"], ref["position"]).dropna("keypoint", how="all")
    np.testing.assert_allclose(errors.values, F * abs(d) / (DEPTH + depth), rtol=1e-9, atol=1e-9)


def test_thigh_length_is_the_mean_of_the_sides_present() -> None:
    ref = reference_pose_dataset(skeleton(n_frames=3), camera())
    np.testing.assert_allclose(thigh_length_px(ref["position"]).values, THIGH_PX)
    position = ref["position"].copy()
    position.loc[{"keypoint": "left_knee", "space": "y"}] += 10.0
    position[1, list(ref["keypoint"].values).index("right_knee")] = np.nan
    position[2, list(ref["keypoint"].values).index("right_hip")] = np.nan
    position[2, list(ref["keypoint"].values).index("left_hip")] = np.nan
    thigh = thigh_length_px(position).values
    np.testing.assert_allclose(thigh[:2], [THIGH_PX + 5.0, THIGH_PX + 10.0])
    assert np.isnan(thigh[2])


def test_median_and_90th_percentile_of_a_known_spread() -> None:
    ref = reference_pose_dataset(skeleton(n_frames=10), camera())
    tracked = as_tracked(ref).copy(deep=True)
    offsets = np.arange(10.0)  # frame i: every keypoint i px to the right
    tracked["position"].loc[{"space": "x"}] = tracked["position"].sel(space="x") + offsets[:, None]

    stats = keypoint_accuracy(tracked, ref)["keypoints"]["left_knee"]

    assert stats["n"] == 10 and stats["n_reference"] == 10
    assert stats["median_px"] == pytest.approx(4.5)
    assert stats["p90_px"] == pytest.approx(8.1)  # linear interpolation between 8 and 9
    assert stats["median_thigh"] == pytest.approx(4.5 / THIGH_PX)


def test_missing_tracking_is_left_out_but_counted() -> None:
    ref = reference_pose_dataset(skeleton(n_frames=10), camera())
    tracked = as_tracked(ref).copy(deep=True)
    tracked["position"][:4] = np.nan
    stats = keypoint_accuracy(tracked, ref)["groups"]["ankles"]
    assert stats["n"] == 2 * 6 and stats["n_reference"] == 2 * 10
    assert stats["median_px"] == 0.0


def test_raw_and_filtered_are_reported_separately() -> None:
    ref = reference_pose_dataset(skeleton(), camera())
    raw = reference_pose_dataset(skeleton(), camera(shift_x=0.04))  # 10 px
    filtered = reference_pose_dataset(skeleton(), camera(shift_x=0.008))  # 2 px
    tracked = as_tracked(with_raw(filtered, raw))

    result = position_accuracy(tracked, ref)

    assert result["raw"]["variable"] == "position_raw"
    assert result["raw"]["groups"]["hips"]["median_px"] == pytest.approx(10.0)
    assert result["filtered"]["groups"]["hips"]["median_px"] == pytest.approx(2.0)
    assert list(position_accuracy(as_tracked(raw), ref)) == ["raw"]


def test_frame_offset_is_applied_and_can_be_estimated() -> None:
    # reference on Pose2Sim times (Frame#/rate), video on 0-based timestamps;
    # the video frame k shows reference sample k + 2
    trc = skeleton(n_frames=40, sway=0.15)
    ref = reference_pose_dataset(trc, camera())
    video = reference_pose_dataset(trc.isel(time=slice(2, None)), camera())
    tracked = as_tracked(video, time_shift=-video["time"].values[0])

    assert estimate_frame_offset(tracked, ref) == -3
    exact = keypoint_accuracy(tracked, ref, frame_offset=-3)
    assert exact["groups"]["knees"]["p90_px"] == pytest.approx(0.0, abs=1e-9)
    assert exact["groups"]["knees"]["n"] == 2 * 38
    assert keypoint_accuracy(tracked, ref)["groups"]["knees"]["median_px"] > 1.0


# ------------------------------------------------------------------- metrics


def test_compare_series_known_values() -> None:
    b = np.array([1.0, 2.0, 4.0, 8.0, np.nan])
    assert compare_series(b + 2.0, b) == {"mae": 2.0, "r": 1.0, "n": 4}
    anti = compare_series(-b, b)
    assert anti["r"] == pytest.approx(-1.0) and anti["n"] == 4
    assert compare_series(np.array([3.0, 1.0]), np.array([1.0, 3.0]))["mae"] == 2.0


def test_compare_series_undefined_values_are_none() -> None:
    assert compare_series(np.array([np.nan]), np.array([1.0])) == {"mae": None, "r": None, "n": 0}
    assert compare_series(np.array([1.0, 1.0]), np.array([0.0, 2.0]))["r"] is None
    with pytest.raises(ValueError, match="lengths"):
        compare_series(np.zeros(2), np.zeros(3))


def test_series_agreement_pairs_metrics_in_time() -> None:
    t_ref = (np.arange(6) + 1) / FPS
    t_video = np.arange(6) / FPS
    values = np.array([0.0, 1.0, 3.0, 2.0, 5.0, 4.0])
    reference = {"fppa": xr.DataArray(values, dims="time", coords={"time": t_ref})}
    tracked = {
        "fppa": xr.DataArray(values + 1.5, dims="time", coords={"time": t_video}),
        "only_tracked": xr.DataArray(values, dims="time", coords={"time": t_video}),
    }
    result = series_agreement(tracked, reference, fps=FPS, frame_offset=-1)
    assert list(result) == ["fppa"]
    assert result["fppa"] == {"mae": 1.5, "r": 1.0, "n": 6}


def knee_x_minus_hip_x(ds: xr.Dataset) -> dict[str, xr.DataArray]:
    """A toy metric: horizontal knee-hip offset of each side, pixels."""
    x = ds["position"].sel(space="x")
    return {
        f"{side}_knee_offset": x.sel(keypoint=f"{side}_knee") - x.sel(keypoint=f"{side}_hip")
        for side in ("left", "right")
    }


def test_metric_agreement_with_a_metric_function_raw_and_filtered() -> None:
    ref = reference_pose_dataset(skeleton(sway=0.1), camera())
    raw = as_tracked(ref).copy(deep=True)
    raw["position"].loc[{"keypoint": "left_knee", "space": "x"}] += 3.0
    tracked = with_raw(as_tracked(ref), raw)

    result = metric_agreement_with(knee_x_minus_hip_x, tracked, ref)

    assert result["filtered"]["left_knee_offset"]["mae"] == pytest.approx(0.0, abs=1e-9)
    assert result["raw"]["left_knee_offset"]["mae"] == pytest.approx(3.0)
    assert result["raw"]["right_knee_offset"]["mae"] == pytest.approx(0.0, abs=1e-9)
    assert result["raw"]["left_knee_offset"]["n"] == 20


def test_metric_agreement_accepts_a_dataset_with_a_side_dimension() -> None:
    def per_side(ds: xr.Dataset) -> xr.Dataset:
        offsets = knee_x_minus_hip_x(ds)
        both = xr.concat([offsets["left_knee_offset"], offsets["right_knee_offset"]], dim="side")
        return xr.Dataset({"knee_offset": both.assign_coords(side=["left", "right"])})

    ref = reference_pose_dataset(skeleton(sway=0.1), camera())
    result = metric_agreement_with(per_side, as_tracked(ref), ref)
    assert sorted(result["raw"]) == ["knee_offset_left", "knee_offset_right"]
    assert result["raw"]["knee_offset_left"]["n"] == 20


# -------------------------------------------------------------------- report


def test_report_is_json_and_formats_as_a_table() -> None:
    ref = reference_pose_dataset(skeleton(), camera())
    tracked = as_tracked(reference_pose_dataset(skeleton(), camera(shift_x=0.02)))
    tracked["position"][:, :, :] = np.where(
        np.arange(20)[:, None, None] < 2, np.nan, tracked["position"].values
    )
    metrics = metric_agreement_with(knee_x_minus_hip_x, tracked, ref)

    report = validation_report(tracked, ref, metrics=metrics)
    text = json.dumps(report, allow_nan=False)
    table = format_report(json.loads(text))

    assert report["frames"] == {"tracked": 20, "reference": 20, "paired": 20, "frame_offset": 0}
    assert report["thigh_length_px"] == pytest.approx(THIGH_PX)
    assert report["position"]["raw"]["groups"]["heels"]["median_px"] == pytest.approx(5.0)
    for word in ("hips", "knees", "ankles", "heels", "left_knee_offset", "5.0", "4.4"):
        assert word in table
    assert not any(math.isnan(v) for v in _numbers(report))


def _numbers(obj: object) -> list[float]:
    if isinstance(obj, dict):
        return [v for value in obj.values() for v in _numbers(value)]
    return [float(obj)] if isinstance(obj, int | float) and not isinstance(obj, bool) else []

"""The chain's angles as array maths (pronate.metrics.angles): exact answers, the sign
conventions under mirroring, and one implementation behind the offline series
(pronate.metrics.frontal_series), the live frame (pronate.app.live.reading) and the centre of
mass."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pronate.metrics import angles
from pronate.metrics import frontal_series as series_of
from pronate.metrics.com import com_of, segmental_com
from pronate.metrics.uncertainty import ANGLE_METRICS
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS, MIRROR_ORDER

coordinate = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)
frames_of_points = arrays(np.float64, (3, len(KEYPOINTS), 2), elements=coordinate)


def _series(points: np.ndarray, plane: tuple[str, str] = ("lateral", "vertical")) -> xr.DataArray:
    return xr.DataArray(
        points,
        dims=("time", "keypoint", "plane"),
        coords={"keypoint": list(KEYPOINTS), "plane": list(plane)},
    )


def test_exact_angles_of_a_valgus_left_knee() -> None:
    # left hip at lateral 0.1, knee 0.05 medial (toward -lateral) at half height.
    hip, knee, ankle = np.array([0.1, 1.0]), np.array([0.05, 0.5]), np.array([0.1, 0.0])
    femur = float(angles.segment_angle(hip, knee, side="left"))
    tibia = float(angles.segment_angle(knee, ankle, side="left"))
    assert femur == pytest.approx(np.degrees(np.arctan2(0.05, 0.5)))
    assert tibia == pytest.approx(-femur)
    assert float(angles.knee_fppa_of(hip, knee, ankle, side="left")) == pytest.approx(2 * femur)
    assert float(angles.knee_fppa_of(hip, knee, ankle, side="right")) == pytest.approx(-2 * femur)
    straight = np.array([0.1, 0.5])
    assert float(angles.knee_fppa_of(hip, straight, ankle, side="left")) == 0.0


def test_exact_pelvis_and_trunk_angles() -> None:
    left_hip, right_hip = np.array([0.1, 1.1]), np.array([-0.1, 0.9])
    assert float(angles.obliquity_of(left_hip, right_hip)) == pytest.approx(45.0)
    shoulders = (np.array([0.2, 1.5]), np.array([0.0, 1.5]))
    lean = float(angles.trunk_lean_of(*shoulders, left_hip, right_hip))
    assert lean == pytest.approx(np.degrees(np.arctan2(0.1, 0.5)))


def test_the_live_angles_are_the_uncertainty_tables_angles() -> None:
    assert set(angles.FRAME_ANGLES) == set(ANGLE_METRICS)


@settings(max_examples=60, deadline=None)
@given(frames_of_points)
def test_offline_series_and_frame_angles_are_one_implementation(points: np.ndarray) -> None:
    series = _series(points)
    per_frame = [angles.frame_angles(points[i]) for i in range(len(points))]
    offline = {
        "pelvic_obliquity_deg": series_of.pelvic_obliquity(series),
        "trunk_lean_deg": series_of.trunk_lean(series),
    }
    for side in angles.SIDES:
        offline[f"knee_fppa_{side}_deg"] = series_of.knee_fppa(series, side=side)
        offline[f"femur_frontal_{side}_deg"] = series_of.femur_frontal(series, side=side)
        offline[f"tibia_frontal_{side}_deg"] = series_of.tibia_frontal(series, side=side)
    for name, da in offline.items():
        assert da.dims == ("time",)
        np.testing.assert_array_equal(da.values, [f[name] for f in per_frame])


@settings(max_examples=40, deadline=None)
@given(frames_of_points)
def test_plane_order_of_a_series_does_not_matter(points: np.ndarray) -> None:
    swapped = _series(points[..., ::-1].copy(), plane=("vertical", "lateral"))
    for side in angles.SIDES:
        a = series_of.knee_fppa(_series(points), side=side).values
        np.testing.assert_array_equal(a, series_of.knee_fppa(swapped, side=side).values)


@settings(max_examples=60, deadline=None)
@given(frames_of_points)
def test_mirroring_the_picture_swaps_the_sides_and_flips_pelvis_and_trunk(
    points: np.ndarray,
) -> None:
    """Sign conventions written once: the mirror image of a body (lateral negated, left and
    right labels swapped) has the same knee and segment angles on the other side, and
    the opposite pelvic obliquity and trunk lean."""
    mirrored = points[:, list(MIRROR_ORDER)] * np.array([-1.0, 1.0])
    a, b = angles.frame_angles(points), angles.frame_angles(mirrored)
    for part in ("knee_fppa", "femur_frontal", "tibia_frontal"):
        _same_angle(b[f"{part}_left_deg"], a[f"{part}_right_deg"])
        _same_angle(b[f"{part}_right_deg"], a[f"{part}_left_deg"])
    _same_angle(b["pelvic_obliquity_deg"], -a["pelvic_obliquity_deg"])
    _same_angle(b["trunk_lean_deg"], -a["trunk_lean_deg"])


def _same_angle(a: np.ndarray, b: np.ndarray) -> None:
    """Equal as directions (-180 and 180 are one angle: points that coincide)."""
    np.testing.assert_allclose((a - b + 180.0) % 360.0 - 180.0, 0.0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (2, len(KEYPOINTS), 3), elements=coordinate))
def test_com_of_one_frame_is_segmental_com(points: np.ndarray) -> None:
    points[0, KEYPOINT_INDEX["left_heel"]] = np.nan  # a stand-in: the ankle
    da = xr.DataArray(
        points,
        dims=("time", "keypoint", "space"),
        coords={"keypoint": list(KEYPOINTS), "space": ["x", "y", "z"]},
    )
    series = segmental_com(da)
    assert series.dims == ("time", "space")
    for i in range(2):
        np.testing.assert_allclose(com_of(points[i]), series.values[i], rtol=1e-12, atol=1e-9)
    assert np.isfinite(series.values).all()
    points[1, KEYPOINT_INDEX["left_knee"]] = np.nan  # no stand-in for a knee
    assert np.isnan(com_of(points[1])).all()

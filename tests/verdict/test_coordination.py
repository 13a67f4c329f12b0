"""Vector coding of femur against tibia: exact answers on hand-made series."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pronate.series import interpolate_interior as fill_gaps
from pronate.series import moving_average as smooth
from pronate.verdict.coordination import (
    PHASES,
    circular_mean_deg,
    coupling_angles,
    coupling_phase,
    femur_tibia_coordination,
    peak_lag,
    peak_time,
    phase_shares,
    step_coupling,
    xcorr_lag,
)

RAMP = np.linspace(0.0, 10.0, 11)


def bump(t: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Raised-cosine bump of height 1 centred at ``centre``, zero outside its width."""
    x = np.clip((t - centre) / width + 0.5, 0.0, 1.0)
    return 0.5 * (1 - np.cos(2 * np.pi * x))


@pytest.mark.parametrize(
    ("x", "y", "angle", "phase"),
    [
        (RAMP, RAMP, 45.0, "in_phase"),  # both move together
        (-RAMP, -RAMP, 225.0, "in_phase"),  # both move back together
        (np.zeros(11), RAMP, 90.0, "tibia_dominant"),  # x constant
        (np.zeros(11), -RAMP, 270.0, "tibia_dominant"),
        (RAMP, np.zeros(11), 0.0, "femur_dominant"),  # y constant
        (-RAMP, np.zeros(11), 180.0, "femur_dominant"),
        (RAMP, -RAMP, 315.0, "anti_phase"),  # x = -y
        (-RAMP, RAMP, 135.0, "anti_phase"),
    ],
)
def test_coupling_angle_exact(x, y, angle, phase):
    gamma = coupling_angles(x, y)
    assert gamma == pytest.approx(np.full(10, angle))
    assert phase_shares(gamma)[phase] == 100.0
    assert circular_mean_deg(gamma) == pytest.approx(angle % 360.0)


@pytest.mark.parametrize(
    ("angle", "phase"),
    [
        (0.0, "femur_dominant"),
        (22.4999, "femur_dominant"),
        (22.5, "in_phase"),
        (67.4999, "in_phase"),
        (67.5, "tibia_dominant"),
        (112.5, "anti_phase"),
        (157.5, "femur_dominant"),
        (202.5, "in_phase"),
        (247.5, "tibia_dominant"),
        (292.5, "anti_phase"),
        (337.5, "femur_dominant"),
        (359.9, "femur_dominant"),
        (360.0, "femur_dominant"),
    ],
)
def test_chang_bins(angle, phase):
    assert coupling_phase(angle) == phase


def test_undefined_angles():
    assert coupling_phase(float("nan")) is None
    still = coupling_angles(np.ones(5), np.ones(5))
    assert np.isnan(still).all()
    assert all(np.isnan(v) for v in phase_shares(still).values())
    assert np.isnan(circular_mean_deg(still))


def test_steps_below_min_step_have_no_angle():
    x = np.array([0.0, 0.01, 1.01])
    gamma = coupling_angles(x, x, min_step=0.1)
    assert np.isnan(gamma[0])
    assert gamma[1] == pytest.approx(45.0)


def test_circular_mean_wraps_and_cancels():
    assert circular_mean_deg(np.array([350.0, 10.0])) == pytest.approx(0.0, abs=1e-9)
    assert circular_mean_deg(np.array([80.0, 100.0, np.nan])) == pytest.approx(90.0)
    assert np.isnan(circular_mean_deg(np.array([90.0, 270.0])))


def test_phase_shares_count_frames():
    gamma = np.array([45.0, 45.0, 90.0, 135.0, np.nan])
    shares = phase_shares(gamma)
    assert shares == {
        "in_phase": 50.0,
        "anti_phase": 25.0,
        "femur_dominant": 0.0,
        "tibia_dominant": 25.0,
    }
    assert sum(shares.values()) == pytest.approx(100.0)
    assert tuple(shares) == PHASES


def test_step_coupling_of_a_phase():
    x = np.array([0.0, 1.0, 4.0, 2.0])
    y = np.array([0.0, 3.0, 4.0, 9.0])
    assert step_coupling(x, y, start=0, stop=2) == pytest.approx(45.0)
    assert step_coupling(x, y, start=2, stop=3) == pytest.approx(np.degrees(np.arctan2(5, -2)))


def test_peak_times_and_lags():
    t = np.arange(0.0, 3.0, 0.01)
    femur = bump(t, 1.0, 1.0)
    tibia = bump(t, 1.3, 1.0)
    assert peak_time(t, femur) == pytest.approx(1.0)
    assert peak_time(t, femur, top_fraction=0.2) == pytest.approx(1.0, abs=1e-9)
    assert peak_lag(t, femur, tibia) == pytest.approx(0.3)
    assert peak_lag(t, femur, tibia, top_fraction=0.2) == pytest.approx(0.3, abs=1e-9)
    assert xcorr_lag(t, femur, tibia, max_lag_s=0.5) == pytest.approx(0.3)
    assert xcorr_lag(t, tibia, femur, max_lag_s=0.5) == pytest.approx(-0.3)
    # A segment that does not move has no peak.
    assert np.isnan(peak_lag(t, femur, np.zeros_like(t), min_range=1e-6))
    assert np.isnan(xcorr_lag(t, femur, np.zeros_like(t), max_lag_s=0.5))
    assert np.isnan(peak_time(t, np.full_like(t, np.nan)))


def test_peak_centroid_ignores_ripples_on_a_flat_top():
    t = np.arange(0.0, 2.0, 0.01)
    v = bump(t, 1.0, 1.6)
    v[95] += 0.02  # a ripple 5 samples before the top
    assert peak_time(t, v) == pytest.approx(0.95)
    assert peak_time(t, v, top_fraction=0.2) == pytest.approx(1.0, abs=0.01)


def test_fill_and_smooth():
    v = np.array([np.nan, 1.0, np.nan, 3.0, np.nan])
    assert np.array_equal(fill_gaps(v), np.array([np.nan, 1.0, 2.0, 3.0, np.nan]), equal_nan=True)
    s = smooth(np.array([0.0, 0.0, 3.0, 0.0, 0.0]), size=3)
    assert s == pytest.approx([0.0, 1.0, 1.0, 1.0, 0.0])
    assert smooth(np.array([1.0, 2.0]), size=1) == pytest.approx([1.0, 2.0])


def test_knee_valgus_in_rhythm_is_in_phase():
    """Femur and tibia carrying the knee medially together (tibia_frontal decreasing)."""
    t = np.arange(0.0, 1.4, 1 / 30)
    b = bump(t, 0.7, 1.4)
    c = femur_tibia_coordination(t, 4 * b, -4 * b, peak=int(np.argmax(b)), smooth_s=0.0)
    assert c.loading_coupling_deg == pytest.approx(45.0)
    assert c.loading_phase == "in_phase"
    assert c.phase_pct["in_phase"] == 100.0
    assert c.coupling_mean_deg == pytest.approx(45.0)  # loading phase only
    assert c.peak_lag_s == pytest.approx(0.0, abs=1e-9)
    assert c.xcorr_lag_s == 0.0
    assert c.femur_range_deg == pytest.approx(4.0, abs=0.01)
    assert c.tibia_range_deg == pytest.approx(4.0, abs=0.01)


def test_hip_driven_valgus_is_femur_dominant_and_tibia_lag_is_found():
    t = np.arange(0.0, 1.4, 1 / 60)
    femur = 16.5 * bump(t, 0.55, 1.1)
    tibia = -5.5 * bump(t, 0.85, 1.1)
    c = femur_tibia_coordination(t, femur, tibia, peak=int(np.argmax(femur)), smooth_s=0.0)
    assert c.loading_phase == "femur_dominant"
    assert c.peak_lag_s == pytest.approx(0.3, abs=1 / 60)
    assert c.xcorr_lag_s == pytest.approx(0.3, abs=1 / 60)


def test_tibia_undoing_the_femur_is_anti_phase():
    t = np.arange(0.0, 1.0, 0.02)
    b = bump(t, 0.5, 1.0)
    c = femur_tibia_coordination(t, 5 * b, 5 * b, peak=25, smooth_s=0.0)
    assert c.loading_coupling_deg == pytest.approx(315.0)
    assert c.loading_phase == "anti_phase"
    assert c.phase_pct["anti_phase"] == 100.0


ANGLES = st.floats(-50, 50, allow_subnormal=False)
"""Segment angles in degrees; a subnormal step (5e-324) would vanish when scaled."""


@settings(max_examples=50, deadline=None)
@given(
    st.lists(ANGLES, min_size=3, max_size=30),
    st.lists(ANGLES, min_size=3, max_size=30),
    st.floats(0.1, 10),
)
def test_coupling_is_scale_free_and_swapping_reflects_it(xs, ys, scale):
    n = min(len(xs), len(ys))
    x, y = np.array(xs[:n]), np.array(ys[:n])
    g = coupling_angles(x, y)
    assert np.allclose(coupling_angles(scale * x, scale * y), g, equal_nan=True, atol=1e-6)
    swapped = coupling_angles(y, x)
    ok = np.isfinite(g)
    diff = (swapped[ok] - (90.0 - g[ok])) % 360.0
    assert np.all(np.minimum(diff, 360.0 - diff) < 1e-6)

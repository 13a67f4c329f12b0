"""The +/- of every number and the three-way status of a criterion."""

from __future__ import annotations

import pytest

from pronate.metrics import uncertainty as u
from pronate.verdict.assessment import Criterion


def test_table_lookup_by_model_and_metric() -> None:
    assert u.uncertainty_of("knee_fppa_left_deg", model="mediapipe-pose-lite") == 11.5
    assert u.uncertainty_of("tibia_frontal_right_deg", model="mediapipe-pose-heavy") == 6.0
    assert u.uncertainty_of("ankle_medial_shift_left_norm", model="x") == 0.1
    assert u.uncertainty_of("stance", model="heavy") is None
    assert u.criterion_uncertainty("knee_fppa_in_band", model="full") == 10.0
    assert u.criterion_uncertainty("femur_tibia_lag", model="full") is None


@pytest.mark.parametrize(
    ("value", "passed", "sigma", "status"),
    [
        (20.0, False, 2.0, "failed"),
        (17.5, False, 2.0, "uncertain"),
        (16.0, True, 2.0, "uncertain"),
        (10.0, True, 2.0, "passed"),
        (10.0, True, None, "passed"),
        (float("nan"), None, 2.0, "unmeasured"),
    ],
)
def test_status_is_uncertain_within_sigma_of_the_threshold(value, passed, sigma, status) -> None:
    assert u.status(value, 16.8, passed, sigma=sigma) == status
    c = Criterion("knee_fppa_in_band", value, 16.8, passed, sigma)
    assert c.as_dict()["status"] == status and c.as_dict()["uncertainty"] == sigma


def test_range_thresholds_use_both_bounds() -> None:
    assert u.status(23.0, (22.5, 67.5), True, sigma=1.0) == "uncertain"
    assert u.status(45.0, (22.5, 67.5), True, sigma=1.0) == "passed"

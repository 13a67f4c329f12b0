"""The verdict's probability: the criteria read again within their +/- (exact answers on
hand-made metrics, properties of the shares)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_assessment import chain, judge, make_metrics, moment

from pronate.outputs.summary import assessment_dict, settle_words
from pronate.verdict.assessment import VERDICTS


def test_exact_readings_give_the_measured_verdict_for_sure():
    a = judge(make_metrics(**chain("left")), moment("left"))
    assert a.verdict == a.measured_verdict == "pronation"
    assert a.odds is not None and a.odds.shares == {"pronation": 1.0}
    assert a.odds.deciding == []


def test_a_clear_collapse_is_decided_within_its_uncertainty():
    """Peak FPPA 30 deg, 13 deg beyond the band's 16.8, read with +/- 5 deg: collapse in
    nearly every draw (P(FPPA < 16.8) = 0.4 %)."""
    a = judge(make_metrics(sigma=5.0, **chain("left", fppa=30.0)), moment("left"))
    assert a.measured_verdict == "collapse"
    assert a.verdict == "collapse"
    assert a.odds is not None and a.odds.shares["collapse"] >= 0.98


def test_a_borderline_valgus_movement_is_uncertain_with_its_shares():
    """A 4-deg valgus movement against the 3-deg criterion, +/- 5 deg: pronation when it
    passes, partial when it fails -- about 60/40, so no verdict reaches 80 %."""
    a = judge(make_metrics(sigma=5.0, **chain("left", fppa=4.0)), moment("left"))
    assert a.measured_verdict == "pronation"
    assert a.verdict == "uncertain"
    assert a.odds is not None
    assert set(a.odds.shares) <= {"pronation", "partial", "collapse"}
    assert 0.4 < a.odds.shares["pronation"] < 0.8
    assert "knee_valgus_movement" in a.odds.deciding
    event = assessment_dict(a)
    assert event["verdict"] == "uncertain"
    assert event["probability"] == a.odds.shares[a.odds.likely]
    assert event["likely"][0]["verdict"] == a.odds.likely
    words = settle_words(a, {"subject_height_px": 180.0})
    assert words is not None
    assert "knee valgus movement" in words and "film closer" in words and "180 px" in words


def test_the_draws_are_repeatable():
    metrics = make_metrics(sigma=5.0, **chain("left", fppa=4.0))
    a, b = judge(metrics, moment("left")), judge(metrics, moment("left"))
    assert a.odds is not None and b.odds is not None
    assert a.odds.shares == b.odds.shares


@settings(max_examples=25, deadline=None)
@given(
    fppa=st.floats(-10.0, 40.0),
    sigma=st.floats(0.0, 15.0),
    shift=st.floats(-0.5, 1.0),
    side=st.sampled_from(["left", "right"]),
)
def test_shares_are_a_distribution_over_the_verdicts(fppa, sigma, shift, side):
    a = judge(
        make_metrics(stance=side, sigma=sigma, **chain(side, fppa=fppa, shift=shift)), moment(side)
    )
    assert a.odds is not None
    assert sum(a.odds.shares.values()) == pytest.approx(1.0)
    assert set(a.odds.shares) <= set(VERDICTS)
    assert a.verdict in VERDICTS
    if a.verdict != "uncertain":
        assert a.odds.shares[a.verdict] >= 0.8
    if sigma == 0.0:
        assert a.verdict == a.measured_verdict
    assert np.isfinite(list(a.odds.shares.values())).all()

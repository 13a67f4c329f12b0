"""The evidence formatter: units, a precision that matches the ±, thresholds with their
direction, statuses in words, the headline naming the criteria that decided the verdict
(issue 22: "knee valgus movement −17.09 ± 10 | 3.0 | failed" and a headline naming
criteria that were uncertain or unmeasured while the failed ones were pelvic)."""

from __future__ import annotations

from typing import Any

import pytest

from pronate.outputs.evidence import (
    decimals,
    evidence_rows,
    headline,
    key_rows,
    kind_words,
    metric_rows,
    movement_of,
    quality_lines,
    threshold_text,
    value_text,
    verdict_title,
    verdict_words,
)
from pronate.outputs.summary import format_summary


def criterion(name: str, value: Any, sigma: Any, threshold: Any, passed: Any, status: str) -> dict:
    return {
        "name": name,
        "value": value,
        "uncertainty": sigma,
        "threshold": threshold,
        "passed": passed,
        "status": status,
    }


def stance(verdict: str = "partial") -> dict[str, Any]:
    """The moment of the issue: pelvic criteria failed, knee ones uncertain or unmeasured."""
    return {
        "side": "left",
        "kind": "single_leg_stance",
        "start_s": 0.5,
        "peak_s": 1.0,
        "end_s": 1.5,
        "verdict": verdict,
        "legs": {"left": verdict},
        "criteria": [
            criterion("com_inside_base", 0.31, 0.15, 0.0, True, "passed"),
            criterion("xcom_inside_base", -0.1, 0.2, 0.0, False, "uncertain"),
            criterion("pelvis_over_foot", 0.04, 0.1, 0.2, False, "failed"),
            criterion("pelvis_loaded_side_up", -13.2, 11.0, 1.0, False, "failed"),
            criterion("knee_valgus_movement", 4.1, 10.0, 3.0, True, "uncertain"),
            criterion("knee_fppa_in_band", 2.87, 10.0, [-10.0, 16.8], True, "uncertain"),
            criterion("femur_tibia_coupling", 209.72, None, [22.5, 67.5], None, "unmeasured"),
            criterion("femur_tibia_lag", 0.05, None, 0.2, True, "passed"),
            criterion("foot_pronation", None, 0.1, 0.02, None, "unmeasured"),
        ],
    }


@pytest.mark.parametrize(
    ("sigma", "digits"), [(10.0, 0), (11.5, 0), (2.7, 1), (6.0, 0), (0.15, 2), (0.1, 2), (None, 3)]
)
def test_decimals_match_the_uncertainty(sigma: Any, digits: int) -> None:
    assert decimals(sigma, 3) == digits


def test_values_have_units_and_the_precision_of_their_uncertainty() -> None:
    assert value_text("knee_valgus_movement", -17.09, 10.0) == "−17° ± 10°"
    assert value_text("pelvis_level", 2.87, 11.0) == "3° ± 11°"
    assert value_text("com_inside_base", 0.123, 0.15) == "0.12 ± 0.15 foot lengths"
    assert value_text("femur_tibia_lag", 0.049, None) == "0.05 s"
    assert value_text("femur_tibia_coupling_left", 209.72, None) == "210°"
    assert value_text("knee_fppa_in_band", None, 10.0) == "–"
    assert value_text("knee_fppa_left_deg", -0.2, 10.0) == "0° ± 10°"  # no "−0"


def test_thresholds_have_their_direction() -> None:
    assert threshold_text("knee_valgus_movement", 3.0) == "≥ 3°"
    assert threshold_text("pelvis_level", 3.0) == "≤ 3°"
    assert threshold_text("com_inside_base", 0.0) == "> 0 foot lengths"
    assert threshold_text("knee_fppa_in_band_right", [-10.0, 16.8]) == "inside −10° to 16.8°"
    assert threshold_text("pelvis_centred", 0.25) == "≤ 0.25 hip widths"


def test_rows_in_words() -> None:
    rows = {r.name: r for r in evidence_rows(stance())}
    knee = rows["knee_valgus_movement"]
    assert (knee.value, knee.threshold, knee.status_text) == (
        "4° ± 10°",
        "≥ 3°",
        "too close to call (within its ±)",
    )
    assert rows["pelvis_loaded_side_up"].status_text == "not met"
    assert rows["com_inside_base"].status_text == "met"
    assert rows["foot_pronation"].status_text == "not measured"
    assert not rows["foot_pronation"].counts and rows["pelvis_over_foot"].counts
    assert all("_" not in r.label for r in rows.values())


def test_the_headline_names_the_criteria_that_decided_the_verdict() -> None:
    text = headline(stance("partial"))
    assert text.startswith("Partial — ")
    assert "the pelvis did not hike (−13° ± 11°, needs ≥ 1°)" in text
    assert "the pelvis did not shift over the standing foot" in text
    for unsure in ("knee", "rhythm", "coupling", "centre of mass"):
        assert unsure not in text  # uncertain and unmeasured criteria did not decide it
    collapse = stance("collapse")
    collapse["criteria"][5] = criterion(
        "knee_fppa_in_band", 24.2, 10.0, [-10, 16.8], False, "failed"
    )
    assert headline(collapse) == (
        "Collapse — beyond the normal band: the knee angle at the peak was outside the normal "
        "band (24° ± 10°, needs inside −10° to 16.8°)"
    )
    assert headline(stance("pronation")).startswith(
        "Pronation — every link of the chain that counts was met; too close to call: knee "
        "movement toward the midline (4° ± 10°, needs ≥ 3°; too close to call)"
    )


def test_a_two_leg_moment_names_each_leg_when_they_differ() -> None:
    squat = {
        "side": "both",
        "kind": "squat",
        "verdict": "partial",
        "legs": {"left": "pronation", "right": "partial"},
        "criteria": [
            criterion("pelvis_level", 1.0, 11.0, 3.0, True, "uncertain"),
            criterion("knee_fppa_in_band_left", 5.0, 10.0, [-10, 16.8], True, "uncertain"),
            criterion("knee_fppa_in_band_right", -14.0, 10.0, [-10, 16.8], False, "uncertain"),
        ],
    }
    text = headline(squat)
    assert text.startswith("Partial — left leg pronation")
    assert "right leg partial (right leg: the knee angle at the peak was outside" in text
    assert [r.label.split(":")[0] for r in key_rows(squat)] == [
        "Left leg",
        "Right leg",
        "Pelvis tilt (size)",
    ]


def test_an_unknown_verdict_is_shown_by_name() -> None:
    assert verdict_title("undecided_yet") == "Undecided yet"
    assert verdict_words("undecided_yet") == "Undecided yet"
    assert headline(stance("undecided_yet")).startswith("Undecided yet — the pelvis did not")
    assert verdict_words("uncertain") == "Uncertain: not decided within the ± of the measurement"
    assert verdict_words("pronation") == "Pronation: the chain is there"
    assert verdict_title(None) == "No loading moment"


def test_unmeasurable_says_why_and_where_to_film() -> None:
    event = {"verdict": "unmeasurable", "reason": "side view", "placement_hint": "film the front"}
    assert headline(event) == "Not measurable — side view; to measure, film the front"


def test_metrics_of_a_captured_frame() -> None:
    rows = metric_rows(
        {"knee_fppa_left_deg": 5.04, "com_x_px": 300.0, "trunk_lean_deg": None},
        {"knee_fppa_left_deg": 10.0},
    )
    assert [(r.label, r.value) for r in rows] == [("Left knee angle (FPPA, + inward)", "5° ± 10°")]


def test_kinds_and_movements() -> None:
    assert movement_of("single_leg_squat") == movement_of("single_leg_stance") == "single_leg"
    assert movement_of("squat") == "squat" and movement_of("walking_stance") == "walking"
    assert kind_words("squat") == "two-leg squat"
    assert kind_words("step_down") == "step-down"


def test_quality_and_the_terminal_table() -> None:
    summary = {
        "view": "front",
        "view_confidence": "normal",
        "frames": 90,
        "fps": 30.0,
        "quality": {"confidence": "lower", "warnings": ["the subject is only 158 px tall"]},
        "events": [stance("partial")],
        "sides": {},
    }
    assert quality_lines(summary) == [
        "Confidence of the verdicts: lower, because of what follows",
        "The subject is only 158 px tall",
    ]
    table = format_summary(summary)
    assert "quality: Confidence of the verdicts: lower" in table
    assert "partial — the pelvis did not shift over the standing foot (0.04 ± 0.10 hip widths" in (
        table
    )


def test_missing_in_a_two_leg_squat_names_the_knee_the_rule_read() -> None:
    """The rule reads the knee's movement even where it is only informative."""
    squat = {
        "side": "both",
        "kind": "squat",
        "verdict": "missing",
        "legs": {"left": "missing", "right": "missing"},
        "criteria": [
            criterion("pelvis_centred", 0.3, 0.1, 0.25, False, "uncertain"),
            criterion("knee_valgus_movement_left", -8.0, 10.0, 3.0, False, "failed"),
            criterion("knee_valgus_movement_right", -9.0, 10.0, 3.0, False, "failed"),
        ],
    }
    text = headline(squat)
    assert text.startswith("Missing — left leg: the knee did not move toward the midline (−8°")
    assert "the pelvis was not centred between the feet (0.30 ± 0.10 hip widths" in text

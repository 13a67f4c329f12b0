"""The thresholds table: documented defaults anchored in the literature, TOML overrides."""

from __future__ import annotations

import pytest

from pronate.errors import ConfigError
from pronate.verdict import thresholds as thresholds_module
from pronate.verdict.thresholds import Thresholds, load_thresholds, override, threshold_names


def test_every_threshold_is_in_the_documented_table():
    doc = thresholds_module.__doc__ or ""
    table = doc[doc.index("Table of defaults") :]
    for name in threshold_names():
        assert f"\n{name} " in table, name
        value = getattr(Thresholds(), name)
        row = next(line for line in table.splitlines() if line.startswith(f"{name} "))
        assert float(row.split()[1]) == value, name


def test_every_threshold_is_described_in_the_class_docstring():
    doc = Thresholds.__doc__ or ""
    for name in threshold_names():
        assert f"    {name}\n" in doc, name


def test_defaults_follow_the_published_anchors():
    th = Thresholds()
    # Munro 2012: healthy single-leg squat FPPA 8.4 +/- 5.1 deg; knee pain 16.8 deg.
    assert th.fppa_max_deg == pytest.approx(8.4 + 1.645 * 5.1, abs=0.05)
    assert th.fppa_max_deg == 16.8
    # A valgus movement must beat the 2-D FPPA SEM (2.7-3.0 deg) ...
    assert 2.7 <= th.valgus_change_min_deg <= 3.0
    # ... and a left-right difference the smallest detectable difference (7.5-8.9 deg).
    assert 7.5 <= th.asymmetry_fppa_deg <= 8.9
    # Hof 2005 and the base-of-support definition: margins are positive inside.
    assert th.com_margin_min == 0.0
    assert th.xcom_margin_min == 0.0


def test_no_config_gives_the_defaults():
    assert load_thresholds(None) == Thresholds()


def test_toml_overrides_a_subset(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("fppa_max_deg = 18.6\nvalgus_change_min_deg = 4\n")
    th = load_thresholds(path)
    assert th.fppa_max_deg == 18.6
    assert th.valgus_change_min_deg == 4.0
    assert isinstance(th.valgus_change_min_deg, float)
    assert th.pelvis_shift_min == Thresholds().pelvis_shift_min


def test_unknown_key_names_the_key(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("fppa_max_deg = 18.6\nfpa_max = 3\n")
    with pytest.raises(ConfigError, match="'fpa_max'"):
        load_thresholds(path)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('fppa_max_deg = "high"\n', "must be a number"),
        ("fppa_max_deg = true\n", "must be a number"),
        ("[fppa_max_deg]\nx = 1\n", "must be a number"),
        ("fppa_max_deg = nan\n", "finite"),
        ("rep_min_depth = -0.1\n", "positive"),
        ("max_nan_fraction = 1.5\n", r"\[0, 1\]"),
        ("in_phase_min_pct = 120\n", r"\[0, 100\]"),
        ("fppa_max_deg = \n", "not valid TOML"),
    ],
)
def test_bad_values_are_config_errors(tmp_path, text, pattern):
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=pattern):
        load_thresholds(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_thresholds(tmp_path / "nope.toml")


def test_override_is_pure():
    base = Thresholds()
    changed = override(base, {"lag_max_s": 0.3})
    assert changed.lag_max_s == 0.3
    assert base.lag_max_s == 0.2
    with pytest.raises(ConfigError, match="'nope'"):
        override(base, {"nope": 1.0})


def test_as_dict_round_trips():
    th = Thresholds(fppa_max_deg=12.0)
    assert Thresholds(**th.as_dict()) == th

"""Exact-answer tests of the keypoint clean-up (:mod:`pronate.pose.filtering`)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pronate.errors import ConfigError, SchemaError
from pronate.pose import schema
from pronate.pose.config import FilterConfig
from pronate.pose.filtering import (
    MAD_TO_SIGMA,
    NYQUIST_FRACTION,
    clean_pose_dataset,
    effective_cutoff,
    fill_gaps,
    hampel,
    lowpass,
    mask_low_confidence,
    sampling_rate,
)
from pronate.pose.keypoints import KEYPOINTS

N_KP = len(KEYPOINTS)


def series(values: np.ndarray, t: np.ndarray | None = None, fps: float = 60.0) -> xr.DataArray:
    """A DataArray with dims (time, channel); 1-D values become one channel."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    if t is None:
        t = np.arange(v.shape[0]) / fps
    return xr.DataArray(
        v,
        dims=("time", "channel"),
        coords={"time": t, "channel": np.arange(v.shape[1])},
        attrs={"units": "px"},
    )


def make_ds(n: int = 120, fps: float = 60.0, t: np.ndarray | None = None, seed: int = 0):
    rng = np.random.default_rng(seed)
    time_s = np.arange(n) / fps if t is None else t
    position = 100 + rng.normal(0, 1, (n, N_KP, 3)).cumsum(axis=0)
    world = rng.normal(0, 0.01, (n, N_KP, 3)).cumsum(axis=0)
    confidence = rng.uniform(0.6, 1.0, (n, N_KP))
    return schema.make_pose_dataset(
        position=position,
        confidence=confidence,
        world=world,
        time_s=time_s,
        fps=fps,
        source_video="synthetic.mp4",
        model="test",
        image_width=640,
        image_height=480,
    )


# --- mask_low_confidence ---------------------------------------------------------------


def test_mask_broadcasts_over_space_and_keeps_the_rest():
    ds = make_ds(n=10)
    conf = ds["confidence"].copy()
    conf[3, 5] = 0.2
    conf[7, 0] = np.nan
    conf[4, 2] = 0.5  # exactly at the threshold: kept
    before = ds["position"].values.copy()
    out = mask_low_confidence(ds["position"], conf, min_confidence=0.5)
    assert out.dims == ds["position"].dims
    assert np.isnan(out.values[3, 5, :]).all()
    assert np.isnan(out.values[7, 0, :]).all()
    keep = np.ones(out.shape, bool)
    keep[3, 5, :] = keep[7, 0, :] = False
    np.testing.assert_array_equal(out.values[keep], before[keep])
    assert np.isnan(out.values).sum() == 6
    np.testing.assert_array_equal(ds["position"].values, before)  # input untouched
    assert out.attrs["units"] == "px"


def test_mask_works_whatever_the_dims_order():
    ds = make_ds(n=5)
    conf = ds["confidence"].copy()
    conf[2, 1] = 0.0
    pos = ds["position"].transpose("space", "keypoint", "time")
    out = mask_low_confidence(pos, conf.transpose("keypoint", "time"), min_confidence=0.5)
    assert out.dims == ("space", "keypoint", "time")
    assert np.isnan(out.sel(time=out.time[2]).isel(keypoint=1)).all()
    assert int(np.isnan(out).sum()) == 3


def test_mask_rejects_confidence_with_foreign_dims():
    pos = series(np.zeros(4))
    conf = xr.DataArray(np.ones((4, 2)), dims=("time", "person"))
    with pytest.raises(SchemaError):
        mask_low_confidence(pos, conf, min_confidence=0.5)


# --- fill_gaps -------------------------------------------------------------------------


def ramp_with_gap(n: int, start: int, k: int, fps: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    truth = 3.0 + 0.7 * np.arange(n)
    x = truth.copy()
    x[start : start + k] = np.nan
    return truth, x


@pytest.mark.parametrize("k", [1, 5, 14])
def test_fill_short_gap_exactly_linear(k):
    # At 60 fps a gap of k missing samples spans (k + 1) / 60 s; 14 -> 0.25 s, filled.
    truth, x = ramp_with_gap(40, 10, k)
    da = series(x)
    out = fill_gaps(da, max_gap_s=0.25)
    np.testing.assert_allclose(out.values[:, 0], truth, rtol=0, atol=1e-12)
    # Valid samples bit-identical, input untouched.
    valid = np.isfinite(x)
    np.testing.assert_array_equal(out.values[valid, 0], x[valid])
    assert np.isnan(da.values[10 : 10 + k, 0]).all()


def test_fill_leaves_long_gap_nan():
    _, x = ramp_with_gap(40, 10, 15)  # spans 16 / 60 s > 0.25 s
    out = fill_gaps(series(x), max_gap_s=0.25)
    np.testing.assert_array_equal(np.isnan(out.values[:, 0]), np.isnan(x))
    np.testing.assert_array_equal(out.values[~np.isnan(x), 0], x[~np.isnan(x)])


def test_fill_zero_fills_nothing():
    _, x = ramp_with_gap(20, 5, 1)
    out = fill_gaps(series(x), max_gap_s=0.0)
    assert np.isnan(out.values[5, 0])


def test_fill_keeps_leading_and_trailing_nan():
    x = np.array([np.nan, np.nan, 1.0, np.nan, 3.0, np.nan])
    out = fill_gaps(series(x), max_gap_s=10.0)
    np.testing.assert_allclose(
        out.values[:, 0], [np.nan, np.nan, 1.0, 2.0, 3.0, np.nan], atol=1e-12
    )


def test_fill_uses_real_timestamps():
    # Non-uniform times: the fill is linear in time, not in sample index.
    t = np.array([0.0, 0.01, 0.05, 0.06, 0.10])
    x = np.array([0.0, np.nan, np.nan, np.nan, 10.0])
    out = fill_gaps(series(x, t=t), max_gap_s=0.1)
    np.testing.assert_allclose(out.values[:, 0], [0.0, 1.0, 5.0, 6.0, 10.0], atol=1e-12)
    # Duration is the span between the bracketing samples (0.1 s here), not k / fps.
    assert np.isnan(fill_gaps(series(x, t=t), max_gap_s=0.09).values[1:4, 0]).all()


def test_fill_columns_independently():
    x = np.array([[0.0, 0.0], [np.nan, 5.0], [2.0, np.nan], [3.0, np.nan], [4.0, np.nan]])
    out = fill_gaps(series(x, fps=10.0), max_gap_s=0.2)
    np.testing.assert_allclose(out.values[:, 0], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(out.values[:, 1], [0, 5, np.nan, np.nan, np.nan])


def test_fill_rejects_negative_gap():
    with pytest.raises(ConfigError):
        fill_gaps(series(np.zeros(3)), max_gap_s=-1.0)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.integers(2, 60),
        elements=st.one_of(st.just(np.nan), st.floats(-1e3, 1e3)),
    ),
    st.floats(0, 0.5),
)
def test_fill_invariants(x, max_gap_s):
    out = fill_gaps(series(x), max_gap_s=max_gap_s).values[:, 0]
    valid = np.isfinite(x)
    np.testing.assert_array_equal(out[valid], x[valid])  # valid samples untouched
    filled = ~valid & np.isfinite(out)
    for i in np.flatnonzero(filled):
        lo = x[:i][np.isfinite(x[:i])][-1]
        hi = x[i + 1 :][np.isfinite(x[i + 1 :])][0]
        assert min(lo, hi) - 1e-9 <= out[i] <= max(lo, hi) + 1e-9
    # Leading / trailing NaN stay NaN.
    if valid.any():
        first, last = np.flatnonzero(valid)[[0, -1]]
        assert np.isnan(out[:first]).all() and np.isnan(out[last + 1 :]).all()
    else:
        assert np.isnan(out).all()


# --- hampel ----------------------------------------------------------------------------


def test_hampel_replaces_spike_by_window_median_and_nothing_else():
    rng = np.random.default_rng(1)
    x = 0.5 * np.arange(50) + rng.normal(0, 0.01, 50)
    x[20] += 40.0
    out = hampel(series(x), window=7, n_sigma=2.0).values[:, 0]
    assert out[20] == np.median(x[17:24])
    assert out[20] != x[20]
    others = np.arange(50) != 20
    np.testing.assert_array_equal(out[others], x[others])  # bit-identical


def test_hampel_on_clean_ramp_is_identity():
    x = 0.3 * np.arange(30) - 4
    out = hampel(series(x), window=7, n_sigma=2.0).values[:, 0]
    np.testing.assert_array_equal(out, x)


def test_hampel_threshold_is_n_sigma_robust_sigma():
    base = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    # With the centre at d (>3), window sorted = [-3,-2,-1,1,2,3,d] -> median 1;
    # |w - 1| = [4,3,2,d-1,0,1,2] -> sorted [0,1,2,2,3,4,d-1] -> MAD 2 (for d >= 5),
    # so the centre is an outlier iff d - 1 > 2 * 1.4826 * 2.
    sigma = 1.4826 * 2.0
    assert MAD_TO_SIGMA == 1.4826
    for d, flagged in ((1 + 2 * sigma - 1e-6, False), (1 + 2 * sigma + 1e-6, True)):
        x = base.copy()
        x[3] = d
        out = hampel(series(x), window=7, n_sigma=2.0).values[3, 0]
        assert out == (1.0 if flagged else d)


def test_hampel_is_nan_aware_and_keeps_nan():
    x = np.full(21, 5.0)
    x[[3, 4, 12]] = np.nan
    x[10] = 100.0
    out = hampel(series(x), window=7, n_sigma=2.0).values[:, 0]
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
    assert out[10] == 5.0


def test_hampel_constant_stays_constant_and_edges_handled():
    x = np.full(12, 2.5)
    x[0] = 9.0  # spike at the very first sample: truncated window [9, 2.5, 2.5, 2.5]
    out = hampel(series(x), window=7, n_sigma=2.0).values[:, 0]
    np.testing.assert_array_equal(out, np.full(12, 2.5))


def test_hampel_treats_inf_as_missing():
    x = np.full(9, 1.0)
    x[4] = np.inf
    out = hampel(series(x), window=7, n_sigma=2.0).values[:, 0]
    np.testing.assert_array_equal(out, x)


def test_hampel_window_one_is_identity_and_bad_params_rejected():
    x = np.array([0.0, 100.0, 0.0])
    np.testing.assert_array_equal(hampel(series(x), window=1, n_sigma=2.0).values[:, 0], x)
    for window in (0, 4):
        with pytest.raises(ConfigError):
            hampel(series(x), window=window, n_sigma=2.0)
    with pytest.raises(ConfigError):
        hampel(series(x), window=3, n_sigma=0.0)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.integers(1, 40),
        elements=st.one_of(st.just(np.nan), st.floats(-1e3, 1e3)),
    ),
    st.sampled_from([3, 5, 7, 9]),
)
def test_hampel_output_is_input_or_window_median(x, window):
    out = hampel(series(x), window=window, n_sigma=2.0).values[:, 0]
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
    half = window // 2
    assert not np.isinf(out).any()
    for i in np.flatnonzero(np.isfinite(x) & (out != x)):
        w = x[max(0, i - half) : i + half + 1]
        assert out[i] == np.nanmedian(w)


# --- lowpass ---------------------------------------------------------------------------


def test_sampling_rate_from_time_coordinate_median():
    t = np.cumsum(np.r_[0.0, np.full(10, 1 / 30), [2 / 30], np.full(10, 1 / 30)])
    assert sampling_rate(series(np.zeros(t.size), t=t)) == pytest.approx(30.0)
    with pytest.raises(SchemaError):
        sampling_rate(series(np.zeros(1)))


def test_lowpass_constant_and_ramp_unchanged():
    n = 300
    const = np.full(n, 7.25)
    ramp = 2.0 + 0.05 * np.arange(n)
    out = lowpass(series(np.c_[const, ramp]), cutoff_hz=6.0, order=4).values
    np.testing.assert_allclose(out[:, 0], const, rtol=0, atol=1e-9)
    np.testing.assert_allclose(out[:, 1], ramp, rtol=0, atol=1e-5)


def sine_gain(freq: float, fps: float = 60.0, cutoff: float = 6.0, seconds: float = 20.0):
    t = np.arange(int(seconds * fps)) / fps
    x = np.sin(2 * np.pi * freq * t)
    y = lowpass(series(x, t=t), cutoff_hz=cutoff, order=4).values[:, 0]
    core = slice(int(2 * fps), -int(2 * fps))  # away from the ends
    return np.abs(y[core]).max() / np.abs(x[core]).max()


def test_lowpass_passes_1hz_and_stops_20hz():
    assert abs(sine_gain(1.0) - 1.0) < 0.01
    assert sine_gain(20.0) < 0.05


def test_lowpass_is_zero_lag():
    t = np.arange(600) / 60
    x = np.sin(2 * np.pi * 2.0 * t)
    y = lowpass(series(x, t=t), cutoff_hz=6.0, order=4).values[:, 0]
    core = slice(120, -120)
    # Peaks stay where they are: correlation is maximal at lag 0.
    lags = range(-3, 4)
    corr = [np.dot(np.roll(y, lag)[core], x[core]) for lag in lags]
    assert int(np.argmax(corr)) == 3


@pytest.mark.parametrize(("freq", "order"), [(3.0, 4), (6.0, 4), (12.0, 4), (12.0, 8)])
def test_lowpass_gain_matches_zero_lag_butterworth(freq, order):
    # Digital Butterworth of order n = order / 2 run twice: gain
    # 1 / (1 + (tan(pi f / fs) / tan(pi fc / fs)) ** (2 n)); -6 dB (0.5) at the cut-off.
    fs, fc = 60.0, 6.0
    ratio = np.tan(np.pi * freq / fs) / np.tan(np.pi * fc / fs)
    expected = 1 / (1 + ratio**order)
    t = np.arange(int(30 * fs)) / fs
    x = np.sin(2 * np.pi * freq * t)
    y = lowpass(series(x, t=t), cutoff_hz=fc, order=order).values[:, 0]
    core = slice(int(3 * fs), -int(3 * fs))
    gain = np.dot(y[core], x[core]) / np.dot(x[core], x[core])
    assert gain == pytest.approx(expected, rel=2e-3)


def test_lowpass_order_changes_the_response():
    # 12 Hz at 60 fps, cut-off 6 Hz: higher order attenuates more (the order is used).
    g2 = sine_gain(12.0, cutoff=6.0)
    t = np.arange(1200) / 60
    x = np.sin(2 * np.pi * 12.0 * t)
    y8 = lowpass(series(x, t=t), cutoff_hz=6.0, order=8).values[120:-120, 0]
    assert np.abs(y8).max() < g2 / 2


def test_cutoff_clamped_below_nyquist(caplog):
    assert effective_cutoff(6.0, 60.0) == 6.0
    assert effective_cutoff(40.0, 60.0) == NYQUIST_FRACTION * 30.0
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    with caplog.at_level(logging.WARNING, logger="pronate.pose.filtering"):
        y = lowpass(series(x), cutoff_hz=100.0, order=4).values[:, 0]
    assert "Nyquist" in caplog.text
    assert np.isfinite(y).all()
    assert not np.array_equal(y, x)  # a clamped filter still filters (a little)
    with pytest.raises(ConfigError):
        effective_cutoff(0.0, 60.0)


def test_lowpass_does_not_bleed_across_nan():
    # Two constant runs at very different levels, separated by NaN: each stays exact.
    x = np.r_[np.full(50, 1.0), np.full(5, np.nan), np.full(50, 1000.0)]
    y = lowpass(series(x), cutoff_hz=6.0, order=4).values[:, 0]
    np.testing.assert_array_equal(np.isnan(y), np.isnan(x))
    np.testing.assert_allclose(y[:50], 1.0, atol=1e-9)
    np.testing.assert_allclose(y[55:], 1000.0, atol=1e-9)


def test_lowpass_short_runs():
    # A single sample is left as it is; runs shorter than the padding are filtered with
    # reduced padding: a constant stays constant, a zig-zag is smoothed.
    x = np.r_[np.nan, 4.0, np.nan, 2.0, 2.0, 2.0, np.nan, 0.0, 10.0, 0.0, 10.0, 0.0, np.nan]
    y = lowpass(series(x), cutoff_hz=6.0, order=4).values[:, 0]
    np.testing.assert_array_equal(np.isnan(y), np.isnan(x))
    assert y[1] == 4.0
    np.testing.assert_allclose(y[3:6], 2.0, atol=1e-12)
    zigzag = y[7:12]
    assert np.isfinite(zigzag).all()
    assert np.ptp(zigzag) < 0.5 * np.ptp(x[7:12])


def test_lowpass_rejects_bad_order():
    for order in (0, 3):
        with pytest.raises(ConfigError):
            lowpass(series(np.zeros(10)), cutoff_hz=6.0, order=order)


def test_lowpass_non_uniform_timestamps_use_median_rate():
    # Jittered timestamps around 60 fps: the filter runs at the median rate, and a
    # 1 Hz sine still passes while 20 Hz is stopped.
    rng = np.random.default_rng(4)
    n = 1200
    t = np.cumsum(np.r_[0.0, 1 / 60 + rng.uniform(-0.002, 0.002, n - 1)])
    x = np.sin(2 * np.pi * 1.0 * t) + np.sin(2 * np.pi * 20.0 * t)
    y = lowpass(series(x, t=t), cutoff_hz=6.0, order=4).values[:, 0]
    core = slice(120, -120)
    err = y[core] - np.sin(2 * np.pi * 1.0 * t[core])
    assert np.abs(err).max() < 0.1
    fs = sampling_rate(series(x, t=t))
    assert fs == pytest.approx(1 / np.median(np.diff(t)))
    y_fs = lowpass(series(x, t=t), cutoff_hz=6.0, order=4, fs=fs).values[:, 0]
    np.testing.assert_array_equal(y, y_fs)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(2, 80), elements=st.floats(-100, 100)),
    st.floats(-5, 5).filter(lambda a: abs(a) > 1e-3),
    st.floats(-100, 100),
)
def test_lowpass_is_affine_equivariant(x, a, b):
    f = lowpass(series(x), cutoff_hz=6.0, order=4).values[:, 0]
    g = lowpass(series(a * x + b), cutoff_hz=6.0, order=4).values[:, 0]
    np.testing.assert_allclose(g, a * f + b, atol=1e-6 * (1 + abs(b) + abs(a) * 100))


# --- purity ----------------------------------------------------------------------------


def test_functions_do_not_modify_inputs():
    x = np.r_[np.arange(10.0), np.nan, np.nan, 50.0, np.arange(13.0, 40.0)]
    da = series(x)
    before = da.copy(deep=True)
    fill_gaps(da, max_gap_s=1.0)
    hampel(da, window=7, n_sigma=2.0)
    lowpass(da, cutoff_hz=6.0, order=4)
    xr.testing.assert_identical(da, before)


# --- clean_pose_dataset ----------------------------------------------------------------


def test_clean_pose_dataset_pipeline():
    ds = make_ds(n=240)
    conf = ds["confidence"].values.copy()
    conf[100:103, 25] = 0.1  # 3 low-confidence frames of the left knee: filled
    conf[150:200, 26] = 0.1  # 50 frames of the right knee: left NaN
    ds["confidence"] = (ds["confidence"].dims, conf)
    ds["position"][60, 27, 0] += 500.0  # a spike of the left ankle
    before = ds.copy(deep=True)

    out = clean_pose_dataset(ds)

    xr.testing.assert_identical(ds, before)  # input untouched
    schema.validate_pose_dataset(out)
    xr.testing.assert_identical(out["position_raw"].rename("position"), ds["position"])
    xr.testing.assert_identical(out["world_raw"].rename("world"), ds["world"])
    xr.testing.assert_identical(out["confidence"], ds["confidence"])
    assert out["position"].attrs["units"] == "px" and out["world"].attrs["units"] == "m"
    pos = out["position"].values
    assert np.isfinite(pos[100:103, 25]).all()
    assert np.isnan(pos[150:200, 26]).all() and np.isnan(out["world"].values[150:200, 26]).all()
    assert np.isfinite(pos[:150, 26]).all() and np.isfinite(pos[200:, 26]).all()
    assert abs(pos[60, 27, 0] - ds["position"].values[60, 27, 0]) > 400  # spike gone
    assert np.isnan(pos).sum() == 50 * 3

    (entry,) = schema.processing_log(out)
    assert entry["step"] == "clean"
    p = entry["params"]
    cfg = FilterConfig()
    assert p["min_confidence"] == cfg.min_confidence
    assert p["max_gap_s"] == cfg.max_gap_s
    assert p["hampel_window"] == cfg.hampel_window
    assert p["hampel_n_sigma"] == cfg.hampel_n_sigma
    assert p["order"] == cfg.order
    assert p["cutoff_hz"] == p["cutoff_hz_used"] == cfg.cutoff_hz
    assert p["cutoff_clamped"] is False
    assert p["sampling_rate_hz"] == pytest.approx(60.0)


def test_clean_logs_the_clamped_cutoff():
    ds = make_ds(n=60, fps=10.0)
    out = clean_pose_dataset(ds, FilterConfig(cutoff_hz=8.0))
    p = schema.processing_log(out)[-1]["params"]
    assert p["cutoff_hz"] == 8.0
    assert p["cutoff_hz_used"] == pytest.approx(NYQUIST_FRACTION * 5.0)
    assert p["cutoff_clamped"] is True


def test_clean_twice_restarts_from_raw():
    ds = make_ds(n=90)
    once = clean_pose_dataset(ds, FilterConfig(cutoff_hz=3.0))
    twice = clean_pose_dataset(once, FilterConfig(cutoff_hz=3.0))
    xr.testing.assert_identical(twice["position"], once["position"])
    xr.testing.assert_identical(twice["position_raw"].rename("position"), ds["position"])
    assert [e["step"] for e in schema.processing_log(twice)] == ["clean", "clean"]


def test_clean_with_non_uniform_timestamps():
    rng = np.random.default_rng(5)
    n = 300
    t = np.cumsum(np.r_[0.0, 1 / 30 + rng.uniform(-0.003, 0.003, n - 1)])
    ds = make_ds(n=n, fps=30.0, t=t)
    out = clean_pose_dataset(ds)
    assert schema.processing_log(out)[-1]["params"]["sampling_rate_hz"] == pytest.approx(
        1 / np.median(np.diff(t))
    )
    np.testing.assert_array_equal(out["time"].values, t)


def test_the_clean_up_never_reaches_across_a_jump_of_the_clock():
    """Issue 24: a 10-s hole in the timestamps was filtered across, as if the frames on
    its two sides were neighbours. Each side is cleaned as a clip of its own."""
    t = np.concatenate([np.arange(60) / 30, 12 + np.arange(60) / 30])
    ds = make_ds(n=120, fps=30.0, t=t)
    position = ds["position"].values.copy()
    position[60:] += 300.0  # the subject stands elsewhere after the pause
    ds["position"] = (ds["position"].dims, position)
    whole = clean_pose_dataset(ds)
    before = clean_pose_dataset(ds.isel(time=slice(0, 60)))
    after = clean_pose_dataset(ds.isel(time=slice(60, None)))
    np.testing.assert_allclose(whole["position"].values[:60], before["position"].values)
    np.testing.assert_allclose(whole["position"].values[60:], after["position"].values)

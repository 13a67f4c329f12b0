"""Clean-up of keypoint time series: masking, gap filling, outlier rejection, low-pass.

Every function here is pure: it takes an :class:`xarray.DataArray` with a ``time``
dimension (and a ``time`` coordinate in seconds), works along ``time`` independently for
every other element (keypoint, space, ...), and returns a new DataArray with the same
dims, coordinates and attributes. Inputs are never modified. Missing samples are NaN
(any non-finite value counts as missing).

:func:`clean_pose_dataset` chains the steps on a pose dataset (see :mod:`pronate.pose.schema`)
with the defaults of :class:`pronate.pose.config.FilterConfig`:

1. :func:`mask_low_confidence` -- keypoints below a confidence threshold become NaN;
2. :func:`fill_gaps` -- short interior gaps are filled by linear interpolation in time;
3. :func:`hampel` -- isolated outliers are replaced by their window median;
4. :func:`lowpass` -- zero-lag Butterworth low-pass on each NaN-free run of samples.

A clip whose clock jumps (:func:`pronate.io.timeline.find_holes`: nothing was recorded
there) is cleaned in parts, one between jumps: no step reaches across a jump.
"""

from __future__ import annotations

import itertools
import logging
import math
from typing import Any

import numpy as np
import xarray as xr
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import butter, sosfiltfilt

from pronate.errors import ConfigError, SchemaError
from pronate.io.timeline import find_holes
from pronate.pose import schema
from pronate.pose.config import FilterConfig
from pronate.series import frame_rate, true_runs

__all__ = [
    "DEFAULT_CONFIG",
    "MAD_TO_SIGMA",
    "NYQUIST_FRACTION",
    "clean_pose_dataset",
    "effective_cutoff",
    "fill_gaps",
    "hampel",
    "lowpass",
    "mask_low_confidence",
    "sampling_rate",
]

_log = logging.getLogger(__name__)

MAD_TO_SIGMA = 1.4826
"""Scale from the median absolute deviation to the standard deviation of a normal law."""

DEFAULT_CONFIG = FilterConfig()
"""The default clean-up parameters (frozen, safe to share)."""

NYQUIST_FRACTION = 0.99
"""A low-pass cut-off at or above Nyquist is clamped to this fraction of Nyquist."""

# Relative slack when comparing a gap's duration with ``max_gap_s``, so that timestamps
# such as k / fps, which are not exact in floating point, compare as intended.
_GAP_RTOL = 1e-9

# Minimum padding of sosfiltfilt in periods of the cut-off (see :func:`lowpass`).
_PAD_CUTOFF_PERIODS = 3


def mask_low_confidence(
    position: xr.DataArray, confidence: xr.DataArray, *, min_confidence: float
) -> xr.DataArray:
    """Set positions to NaN where the keypoint's confidence is below a threshold.

    Parameters
    ----------
    position
        Positions, e.g. dims (time, keypoint, space).
    confidence
        Confidences whose dims are a subset of those of ``position``, e.g.
        (time, keypoint); broadcast over the others (``space``).
    min_confidence
        Samples with ``confidence < min_confidence`` become NaN. A NaN confidence
        counts as below the threshold.

    Returns
    -------
    xarray.DataArray
        A copy of ``position`` (same dims order, coordinates and attributes) with the
        low-confidence samples set to NaN.
    """
    missing = set(confidence.dims) - set(position.dims)
    if missing:
        raise SchemaError(f"confidence has dims {sorted(map(str, missing))} not in position")
    keep = (confidence >= min_confidence).broadcast_like(position).transpose(*position.dims)
    data = np.where(keep.values, position.values, np.nan)
    return position.copy(data=data)


def fill_gaps(da: xr.DataArray, *, max_gap_s: float) -> xr.DataArray:
    """Fill short interior runs of NaN by linear interpolation in time.

    The duration of a gap is the time between the two valid samples that bracket it,
    ``t[after] - t[before]``, read from the ``time`` coordinate, so variable frame rates
    are handled. At a steady frame rate a gap of ``k`` missing samples lasts
    ``(k + 1) / fps``; e.g. at 60 fps, ``max_gap_s=0.25`` fills up to 14 missing samples.
    Filled values lie on the straight line between the bracketing samples, at the
    missing samples' own timestamps.

    Parameters
    ----------
    da
        Data with a ``time`` dimension and coordinate (seconds, increasing).
    max_gap_s
        Longest gap, in seconds, that is filled; ``0`` fills nothing.

    Returns
    -------
    xarray.DataArray
        A copy of ``da`` with short gaps filled. Valid samples are unchanged
        (bit-identical); longer gaps and leading or trailing NaN stay NaN.
    """
    if not max_gap_s >= 0:
        raise ConfigError(f"max_gap_s must be >= 0, got {max_gap_s}")
    t = _time_values(da)
    x, restore = _as_time_columns(da)
    out = x.copy()
    n_time = x.shape[0]
    if n_time < 3 or max_gap_s == 0:
        return restore(out)
    valid = np.isfinite(x)
    index = np.arange(n_time)[:, None]
    before = np.maximum.accumulate(np.where(valid, index, -1), axis=0)
    after = np.minimum.accumulate(np.where(valid, index, n_time)[::-1], axis=0)[::-1]
    interior = ~valid & (before >= 0) & (after < n_time)
    rows, cols = np.nonzero(interior)
    i0 = before[rows, cols]
    i1 = after[rows, cols]
    span = t[i1] - t[i0]
    short = span <= max_gap_s * (1 + _GAP_RTOL)
    rows, cols, i0, i1, span = rows[short], cols[short], i0[short], i1[short], span[short]
    w = (t[rows] - t[i0]) / span
    out[rows, cols] = (1 - w) * x[i0, cols] + w * x[i1, cols]
    return restore(out)


def hampel(da: xr.DataArray, *, window: int, n_sigma: float) -> xr.DataArray:
    """Replace outliers by the median of a centred moving window (Hampel filter).

    For each sample, the window holds the ``window`` samples centred on it. With ``m``
    the median of the window and ``s = 1.4826 * median(|window - m|)`` a robust standard
    deviation, a sample with ``|x - m| > n_sigma * s`` is replaced by ``m``. Statistics
    are computed on the input (the filter is not recursive) and ignore NaN. Near the
    ends of the series, and next to NaN, the window simply holds fewer valid samples
    (it is truncated, not shifted). NaN samples stay NaN. When the window's MAD is 0
    (e.g. a constant signal), any sample that differs from the median is an outlier.

    Parameters
    ----------
    da
        Data with a ``time`` dimension.
    window
        Full window length in samples; odd and >= 1 (1 leaves the data unchanged).
    n_sigma
        Threshold in robust standard deviations; > 0.

    Returns
    -------
    xarray.DataArray
        A copy of ``da`` in which outliers hold their window median; all other samples
        are bit-identical to the input.
    """
    if window < 1 or window % 2 == 0:
        raise ConfigError(f"hampel window must be an odd number >= 1, got {window}")
    if not n_sigma > 0:
        raise ConfigError(f"hampel n_sigma must be > 0, got {n_sigma}")
    x, restore = _as_time_columns(da)
    out = x.copy()
    if window == 1 or x.size == 0:
        return restore(out)
    half = window // 2
    finite = np.isfinite(x)
    padded = np.pad(np.where(finite, x, np.nan), ((half, half), (0, 0)), constant_values=np.nan)
    windows = sliding_window_view(padded, window, axis=0)  # (time, column, window)
    median = _nanmedian_last(windows)
    sigma = MAD_TO_SIGMA * _nanmedian_last(np.abs(windows - median[..., None]))
    outlier = finite & (np.abs(x - median) > n_sigma * sigma)
    out[outlier] = median[outlier]
    return restore(out)


def sampling_rate(da: xr.DataArray) -> float:
    """Sampling rate in Hz of ``da`` (:func:`pronate.series.frame_rate` of its times).

    The median interval is robust to the jitter and occasional dropped frames of
    variable-frame-rate video.

    Raises
    ------
    SchemaError
        If ``da`` has fewer than two samples or no ``time`` coordinate.
    """
    t = _time_values(da)
    if t.size < 2:
        raise SchemaError("need at least two samples to know the sampling rate")
    if not float(np.median(np.diff(t))) > 0:
        raise SchemaError("time coordinate must be strictly increasing")
    return frame_rate(t)


def effective_cutoff(cutoff_hz: float, fs: float) -> float:
    """The cut-off :func:`lowpass` uses: ``cutoff_hz``, clamped below Nyquist.

    A cut-off at or above ``NYQUIST_FRACTION * fs / 2`` becomes exactly that value.
    """
    if not cutoff_hz > 0:
        raise ConfigError(f"cutoff_hz must be > 0, got {cutoff_hz}")
    if not fs > 0:
        raise ConfigError(f"sampling rate must be > 0, got {fs}")
    return min(float(cutoff_hz), NYQUIST_FRACTION * fs / 2)


def lowpass(
    da: xr.DataArray, *, cutoff_hz: float, order: int, fs: float | None = None
) -> xr.DataArray:
    """Zero-lag Butterworth low-pass along ``time``, on each NaN-free run separately.

    A Butterworth low-pass of order ``order // 2`` is run forwards and backwards
    (:func:`scipy.signal.sosfiltfilt`), which gives zero phase lag and an effective
    order of ``order``. The cut-off is the design cut-off of each pass, where the
    zero-lag response is -6 dB (no two-pass correction). A cut-off at or above Nyquist
    is clamped by :func:`effective_cutoff` (a warning is logged; :func:`clean_pose_dataset`
    records the value used).

    Samples are treated as evenly spaced at ``fs``; with variable frame rate this is the
    median rate (:func:`sampling_rate`), so jitter of the timestamps is ignored.

    The filter never bridges NaN: each maximal run of finite samples is filtered on its
    own, with odd-extension padding of ``max(scipy's default, 3 cut-off periods)``
    samples, reduced to ``len(run) - 1`` for shorter runs. A run of a single sample is
    left as it is. NaN stay NaN.

    Parameters
    ----------
    da
        Data with a ``time`` dimension and coordinate (seconds).
    cutoff_hz
        Cut-off frequency in Hz; > 0.
    order
        Effective (two-pass) filter order; even and >= 2.
    fs
        Sampling rate in Hz; ``None`` reads it from the ``time`` coordinate with
        :func:`sampling_rate`.

    Returns
    -------
    xarray.DataArray
        The filtered copy of ``da``.
    """
    if order < 2 or order % 2:
        raise ConfigError(f"filter order must be an even number >= 2, got {order}")
    x, restore = _as_time_columns(da)
    out = x.copy()
    if x.shape[0] < 2 or x.shape[1] == 0:
        return restore(out)
    rate = sampling_rate(da) if fs is None else float(fs)
    cutoff = effective_cutoff(cutoff_hz, rate)
    if cutoff < cutoff_hz:
        _log.warning(
            "low-pass cut-off %.3g Hz is at or above Nyquist (%.3g Hz); using %.3g Hz",
            cutoff_hz,
            rate / 2,
            cutoff,
        )
    sos = butter(order // 2, cutoff, btype="low", fs=rate, output="sos")
    default_pad = 3 * (2 * len(sos) + 1)  # sosfiltfilt's default for a low-pass
    pad = max(default_pad, math.ceil(_PAD_CUTOFF_PERIODS * rate / cutoff))
    valid = np.isfinite(x)
    # Columns with the same NaN pattern share their runs: filter them together.
    patterns, group = np.unique(valid.T, axis=0, return_inverse=True)
    for g, pattern in enumerate(patterns):
        cols = np.flatnonzero(group.ravel() == g)
        for start, stop in true_runs(pattern):
            n = stop - start
            if n < 2:
                continue
            block = x[start:stop, cols]
            out[start:stop, cols] = sosfiltfilt(sos, block, axis=0, padlen=min(pad, n - 1))
    return restore(out)


def clean_pose_dataset(ds: xr.Dataset, config: FilterConfig = DEFAULT_CONFIG) -> xr.Dataset:
    """Clean ``position`` and ``world`` of a pose dataset; keep the raw values.

    Applies, to both variables, :func:`mask_low_confidence` (with the dataset's
    ``confidence``), :func:`fill_gaps`, :func:`hampel` and :func:`lowpass`, in this order.
    The values before clean-up are kept as ``position_raw`` / ``world_raw``. If the
    dataset already holds raw values (it was cleaned before), clean-up starts again from
    them, so cleaning twice equals cleaning once with the last parameters. The sampling
    rate is that of the ``time`` coordinate (:func:`sampling_rate`), or the ``fps``
    attribute when there are fewer than two frames.

    A ``clean`` entry is appended to the processing log with all parameters, the
    sampling rate and the cut-off actually used.

    Parameters
    ----------
    ds
        A pose dataset (see :mod:`pronate.pose.schema`).
    config
        Clean-up parameters; by default those of :class:`~pronate.pose.config.FilterConfig`.

    Returns
    -------
    xarray.Dataset
        A new, validated pose dataset; ``confidence`` is unchanged.
    """
    rate = sampling_rate(ds["position"]) if ds.sizes["time"] >= 2 else float(ds.attrs["fps"])
    cutoff = effective_cutoff(config.cutoff_hz, rate)
    out = ds.copy()
    cuts = [0, *(hole.index for hole in find_holes(ds["time"].values)), ds.sizes["time"]]
    for name in ("position", "world"):
        raw = ds[f"{name}_raw"] if f"{name}_raw" in ds else ds[name]
        parts = [
            _clean(
                raw.isel(time=slice(a, b)),
                ds["confidence"].isel(time=slice(a, b)),
                config=config,
                rate=rate,
            )
            for a, b in itertools.pairwise(cuts)
        ]
        out[f"{name}_raw"] = raw.copy()
        out[name] = parts[0] if len(parts) == 1 else xr.concat(parts, dim="time")
    params: dict[str, Any] = {
        "min_confidence": config.min_confidence,
        "max_gap_s": config.max_gap_s,
        "hampel_window": config.hampel_window,
        "hampel_n_sigma": config.hampel_n_sigma,
        "cutoff_hz": config.cutoff_hz,
        "order": config.order,
        "sampling_rate_hz": rate,
        "cutoff_hz_used": cutoff,
        "cutoff_clamped": cutoff < config.cutoff_hz,
    }
    return schema.validate_pose_dataset(schema.with_log_entry(out, "clean", **params))


# --- helpers -------------------------------------------------------------------------


def _clean(
    raw: xr.DataArray, confidence: xr.DataArray, *, config: FilterConfig, rate: float
) -> xr.DataArray:
    """The steps of :func:`clean_pose_dataset` on one part of a series."""
    clean = mask_low_confidence(raw, confidence, min_confidence=config.min_confidence)
    clean = fill_gaps(clean, max_gap_s=config.max_gap_s)
    clean = hampel(clean, window=config.hampel_window, n_sigma=config.hampel_n_sigma)
    return lowpass(clean, cutoff_hz=config.cutoff_hz, order=config.order, fs=rate)


def _time_values(da: xr.DataArray) -> np.ndarray:
    if "time" not in da.dims or "time" not in da.coords:
        raise SchemaError("data needs a 'time' dimension with a coordinate in seconds")
    return np.asarray(da["time"].values, dtype=np.float64)


def _as_time_columns(
    da: xr.DataArray,
) -> tuple[np.ndarray, Any]:
    """Return the data as a float (time, columns) array and a function that rebuilds a
    DataArray like ``da`` from such an array."""
    if "time" not in da.dims:
        raise SchemaError("data needs a 'time' dimension")
    moved = da.transpose("time", ...)
    shape = moved.shape
    x = np.asarray(moved.values, dtype=np.float64).reshape(shape[0], -1)

    def restore(values: np.ndarray) -> xr.DataArray:
        return moved.copy(data=values.reshape(shape)).transpose(*da.dims)

    return x, restore


def _nanmedian_last(a: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN (NaN where all are NaN); exact, vectorised."""
    s = np.sort(a, axis=-1)  # NaN sort last
    n = np.isfinite(s).sum(axis=-1)
    lo = np.maximum((n - 1) // 2, 0)[..., None]
    hi = np.maximum(n // 2, 0)[..., None]
    low = np.take_along_axis(s, lo, axis=-1)[..., 0]
    high = np.take_along_axis(s, hi, axis=-1)[..., 0]
    med = np.where(lo[..., 0] == hi[..., 0], low, (low + high) / 2)
    return np.where(n > 0, med, np.nan)

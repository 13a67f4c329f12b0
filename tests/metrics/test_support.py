"""The base of support and the margin of a point inside it (pronate.metrics.support)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from pronate.metrics.support import FOOT_WIDTH_PER_LENGTH, bos_margin
from pronate.pose.keypoints import KEYPOINTS


def _lateral(**values: float) -> xr.DataArray:
    data = np.zeros((1, len(KEYPOINTS)))
    for name, v in values.items():
        data[0, KEYPOINTS.index(name)] = v
    return xr.DataArray(data, dims=("time", "keypoint"), coords={"keypoint": list(KEYPOINTS)})


def test_bos_margin_inside_outside_and_none() -> None:
    lateral = _lateral(left_heel=0.1, left_foot_index=0.12, right_heel=-0.1, right_foot_index=-0.12)
    half = 0.5 * FOOT_WIDTH_PER_LENGTH * 0.25
    yes, no = xr.DataArray([True], dims="time"), xr.DataArray([False], dims="time")
    x = xr.DataArray([0.0], dims="time")
    both = bos_margin(x, lateral, contact_left=yes, contact_right=yes, foot_length=0.25)
    assert float(both[0]) == pytest.approx((0.12 + half) / 0.25)
    left = bos_margin(x, lateral, contact_left=yes, contact_right=no, foot_length=0.25)
    assert float(left[0]) == pytest.approx((0.0 - (0.1 - half)) / 0.25)
    assert float(left[0]) < 0
    none = bos_margin(x, lateral, contact_left=no, contact_right=no, foot_length=0.25)
    assert np.isnan(float(none[0]))

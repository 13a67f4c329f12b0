"""Subject size and keypoint confidence: said in plain words, verdicts marked lower."""

from __future__ import annotations

import numpy as np

from pronate.camera.quality import MIN_SUBJECT_PX, assess_quality, subject_height_px
from synthetic import Camera, render_pose, simulate


def _scaled(pose, factor: float):
    out = pose.copy(deep=True)
    out["position"].values[..., :2] *= factor
    out.attrs["image_width"] = int(pose.attrs["image_width"] * factor)
    out.attrs["image_height"] = int(pose.attrs["image_height"] * factor)
    return out


def test_small_subject_is_said_with_its_size() -> None:
    pose = render_pose(simulate(), Camera(yaw_deg=0.0))
    big = assess_quality(pose)
    assert big["confidence"] == "normal" and big["warnings"] == []
    height = subject_height_px(pose)
    small = assess_quality(_scaled(pose, 0.8 * MIN_SUBJECT_PX / height))
    assert small["confidence"] == "lower"
    assert f"{0.8 * MIN_SUBJECT_PX:.0f} px tall" in small["warnings"][0]


def test_unsure_legs_and_an_empty_clip() -> None:
    pose = render_pose(simulate(), Camera(yaw_deg=0.0))
    unsure = pose.copy(deep=True)
    unsure["confidence"].values[:] = 0.3
    got = assess_quality(unsure)
    assert got["confidence"] == "lower" and "0.30" in got["warnings"][-1]
    empty = pose.copy(deep=True)
    empty["position"].values[:] = np.nan
    empty["confidence"].values[:] = np.nan
    assert assess_quality(empty)["subject_height_px"] is None
    assert len(assess_quality(empty)["warnings"]) == 2

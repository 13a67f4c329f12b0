"""Tests of the segmental centre of mass."""

import numpy as np
import pytest

from pronate.errors import InputError
from pronate.metrics.com import DE_LEVA_1996, com_weights, fill_for_com, segmental_com, world_com
from pronate.pose.keypoints import mirror_name
from synthetic import Camera, render_pose, simulate


@pytest.mark.parametrize("sex", ["female", "male", "mean"])
def test_weights_sum_to_one_and_are_symmetric(sex: str) -> None:
    w = com_weights(sex=sex)
    assert float(w.sum()) == pytest.approx(1.0)
    for name in w["keypoint"].values:
        assert float(w.sel(keypoint=mirror_name(str(name)))) == pytest.approx(
            float(w.sel(keypoint=name))
        )


def test_tables_sum_to_body_mass() -> None:
    assert sum(s.mass_male for s in DE_LEVA_1996) == pytest.approx(1.0, abs=1e-3)
    assert sum(s.mass_female for s in DE_LEVA_1996) == pytest.approx(1.0, abs=1e-3)


def test_unknown_sex_raises() -> None:
    with pytest.raises(InputError):
        com_weights(sex="other")


def test_world_com_is_invariant_to_label_swap_and_near_pelvis() -> None:
    skeleton = simulate()
    pose = render_pose(skeleton, Camera(yaw_deg=180.0))
    com = world_com(pose)
    assert com.dims == ("time", "space")
    # centre of mass of a standing adult: a few cm from the hip midpoint (world origin)
    assert float(np.abs(com.isel(time=0)).max()) < 0.15
    direct = segmental_com(skeleton["points"]).isel(time=0).values
    assert direct[2] == pytest.approx(0.93 + 0.0, abs=0.12)  # about hip height


def test_unseen_light_segments_take_stand_ins() -> None:
    """An unseen ear, hand point or toe takes a stand-in; an unseen knee does not."""
    pose = render_pose(simulate(), Camera(yaw_deg=0.0))
    exact = segmental_com(pose["position"]).values
    position = pose["position"].copy()
    for name in ("right_ear", "left_index", "left_pinky", "right_foot_index"):
        position.loc[{"keypoint": name}] = np.nan
    filled = fill_for_com(position)
    assert np.array_equal(
        filled.sel(keypoint="right_ear").values, position.sel(keypoint="left_ear").values
    )
    assert np.array_equal(
        filled.sel(keypoint="left_index").values, position.sel(keypoint="left_thumb").values
    )
    com = segmental_com(position).values
    assert np.isfinite(com).all()
    assert np.abs(com - exact)[..., :2].max() < 5.0  # px at 500 px/m: under 1 cm
    position.loc[{"keypoint": "left_knee"}] = np.nan
    assert np.isnan(segmental_com(position).values[..., :2]).all()

"""Tests of the segmental centre of mass."""

import numpy as np
import pytest

from pronate.com import DE_LEVA_1996, com_weights, segmental_com, world_com
from pronate.errors import InputError
from pronate.keypoints import mirror_name
from pronate.synthetic import Camera, render_pose, simulate


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

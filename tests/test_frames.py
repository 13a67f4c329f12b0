"""Tests of reference frames, views and labels."""

import numpy as np
import pytest

from pronate.frames import classify_yaw, mirror_image, rotate2d, swap_sides, upright_image
from pronate.synthetic import Camera, render_pose, simulate


@pytest.mark.parametrize(
    ("yaw", "view"),
    [
        (0, "front"),
        (24, "front"),
        (-24, "front"),
        (30, "oblique"),
        (90, "left"),
        (-90, "right"),
        (150, "oblique"),
        (180, "back"),
        (-170, "back"),
        (120, "oblique"),
        (70, "left"),
    ],
)
def test_classify_yaw(yaw: float, view: str) -> None:
    assert classify_yaw(yaw) == view


def test_rotate_counter_clockwise() -> None:
    assert np.allclose(rotate2d(np.array([1.0, 0.0]), angle_deg=90), [0.0, 1.0])


def test_upright_image_is_centred_and_y_up() -> None:
    uv = upright_image(np.array([[10.0, 0.0]]), width=20, height=10, roll_deg=0)
    assert np.allclose(uv, [[0.0, 5.0]])


def test_swap_and_mirror_are_involutions() -> None:
    pose = render_pose(simulate(), Camera(yaw_deg=20))
    for f in (swap_sides, mirror_image):
        back = f(f(pose))
        assert np.allclose(back["position"].values, pose["position"].values)
        assert np.allclose(back["world"].values, pose["world"].values)

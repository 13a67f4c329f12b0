"""``--pick X,Y`` and ``--pick TIME:X,Y``, as the command line and the workspace's jobs
carry them."""

from __future__ import annotations

import argparse

import pytest

from pronate.app.cli_input import PickPoint, check_pick, pick_point
from pronate.app.workspace.queue import JobSettings
from pronate.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("640,360", PickPoint(640.0, 360.0, None)),
        ("3:1122,728", PickPoint(1122.0, 728.0, 3.0)),
        ("0.5:10.5,20", PickPoint(10.5, 20.0, 0.5)),
    ],
)
def test_pick_is_x_y_or_time_x_y(text: str, expected: PickPoint) -> None:
    assert pick_point(text) == expected


@pytest.mark.parametrize("text", ["3:", "x:1,2", "-1:1,2", "nan:1,2", "1:2:3,4", "1,2,3"])
def test_a_bad_pick_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        pick_point(text)


def test_a_timed_pick_outside_the_frame_is_refused_with_the_frame_size() -> None:
    with pytest.raises(InputError, match="outside the frame: the video is 640x480"):
        check_pick(PickPoint(700, 10, 2.0), width=640, height=480)
    check_pick(PickPoint(600, 10, 2.0), width=640, height=480)


def test_a_job_carries_its_pick_and_only_then() -> None:
    plain = JobSettings(model="full")
    assert "pick" not in plain.to_json()  # jobs made before picks keep their settings
    picked = JobSettings(model="full", pick=(10.0, 20.0, 1.5))
    assert JobSettings.from_json(picked.to_json()) == picked
    assert JobSettings.from_json(plain.to_json()) == plain

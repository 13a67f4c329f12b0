"""The pose-dataset schema: construction, validation, provenance, file round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pronate.errors import InputError, SchemaError
from pronate.io.tables import write_keypoints_csv
from pronate.pose.keypoints import KEYPOINTS, MIRROR_ORDER, mirror_name
from pronate.pose.schema import (
    load_pose_dataset,
    make_pose_dataset,
    processing_log,
    save_pose_dataset,
    validate_pose_dataset,
    with_log_entry,
)


def small(n: int = 4):
    rng = np.random.default_rng(0)
    return make_pose_dataset(
        position=rng.random((n, 33, 3)) * 100,
        confidence=rng.random((n, 33)),
        world=rng.random((n, 33, 3)),
        time_s=np.arange(n) / 30.0,
        fps=30.0,
        source_video="clip.mp4",
        model="mediapipe-pose-heavy",
        image_width=640,
        image_height=480,
    )


def test_dims_coords_and_attrs():
    ds = small()
    assert ds["position"].dims == ("time", "keypoint", "space")
    assert list(ds["keypoint"].values) == list(KEYPOINTS)
    assert list(ds["space"].values) == ["x", "y", "z"]
    assert isinstance(ds.attrs["fps"], float)
    assert list(ds["frame"].values) == [0, 1, 2, 3]


def test_round_trip_through_netcdf(tmp_path):
    ds = with_log_entry(small(), "track", model="heavy")
    path = save_pose_dataset(ds, tmp_path / "pose.nc")
    back = load_pose_dataset(path)
    np.testing.assert_array_equal(back["position"].values, ds["position"].values)
    assert back.attrs["fps"] == 30.0
    assert processing_log(back) == [{"step": "track", "params": {"model": "heavy"}}]


def test_log_entries_accumulate_without_touching_the_input():
    ds = small()
    out = with_log_entry(with_log_entry(ds, "a", x=1), "b", y=np.float64(2.0))
    assert [e["step"] for e in processing_log(out)] == ["a", "b"]
    assert processing_log(ds) == []
    json.loads(out.attrs["processing_log"])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda ds: ds.drop_vars("world"), "no variable 'world'"),
        (lambda ds: ds.assign_coords(time=ds["time"].values[::-1]), "strictly increasing"),
        (lambda ds: ds.assign_attrs(fps="30"), "fps"),
        (lambda ds: ds.assign(confidence=ds["confidence"] * 3), "confidence"),
        (lambda ds: ds.assign_attrs(processing_log="{"), "JSON"),
    ],
)
def test_violations_are_named(mutate, message):
    with pytest.raises(SchemaError, match=message):
        validate_pose_dataset(mutate(small()))


def test_loading_a_non_dataset_is_an_input_error(tmp_path):
    bad = tmp_path / "pose.nc"
    bad.write_text("nope")
    with pytest.raises(InputError):
        load_pose_dataset(bad)
    with pytest.raises(InputError, match="no such file"):
        load_pose_dataset(tmp_path / "missing.nc")


def test_keypoints_csv_layout(tmp_path):
    ds = small(3)
    path = write_keypoints_csv(ds, tmp_path / "keypoints.csv")
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    assert header[:5] == ["frame", "time_s", "nose_x", "nose_y", "nose_conf"]
    assert len(header) == 2 + 33 * 3
    assert len(lines) == 4
    row = lines[2].split(",")
    assert float(row[header.index("left_knee_y")]) == pytest.approx(
        ds["position"].sel(keypoint="left_knee", space="y").values[1], rel=1e-5
    )


def test_mirror_names_pair_up():
    assert mirror_name("left_knee") == "right_knee"
    assert mirror_name("mouth_right") == "mouth_left"
    assert mirror_name("nose") == "nose"
    order = np.array(MIRROR_ORDER)
    assert np.all(order[order] == np.arange(33))  # an involution
    assert KEYPOINTS[MIRROR_ORDER[KEYPOINTS.index("left_heel")]] == "right_heel"

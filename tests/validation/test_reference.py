"""Reference reading and projection, checked against answers computed by hand."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from pronate.errors import InputError
from pronate.pose.keypoints import KEYPOINTS
from pronate.pose.schema import validate_pose_dataset
from pronate.validation.reference import (
    Camera,
    convert_axes,
    marker_keypoint_pairs,
    parse_axes,
    project,
    read_calibration,
    read_trc,
    reference_pose_dataset,
    select_camera,
)

SHARED = Path(__file__).parents[2] / ".." / "shared" / "data"
BALANCING = SHARED / "pose2sim_balancing"

F, CX, CY = 1000.0, 500.0, 400.0

# A standing skeleton in TRC axes (Y up), metres, every point in the plane x = 0.
SKELETON_TRC = {
    "RHip": (0.0, 1.0, -0.1),
    "LHip": (0.0, 1.0, 0.1),
    "RKnee": (0.0, 0.55, -0.1),
    "LKnee": (0.0, 0.55, 0.1),
    "RAnkle": (0.0, 0.1, -0.1),
    "LAnkle": (0.0, 0.1, 0.1),
    "RHeel": (0.0, 0.05, -0.12),
    "LHeel": (0.0, 0.05, 0.12),
    "Neck": (0.0, 1.5, 0.0),
    "Nose": (0.0, 1.6, 0.0),
}


def level_camera(*, shift_x: float = 0.0) -> Camera:
    """World Z up; camera at (shift_x, -4, 1) looking along +Y, level, no distortion.

    camera = R @ world + t with R = rot_x(90 deg): (X, Y, Z) -> (X, -Z, Y), t = (-shift_x, 1, 4).
    A TRC point (x, y, z) (world (z, x, y)) is at camera (z - shift_x, 1 - y, x + 4).
    """
    return Camera(
        name="level",
        image_size=(1000, 800),
        matrix=np.array([[F, 0.0, CX], [0.0, F, CY], [0.0, 0.0, 1.0]]),
        distortions=np.zeros(4),
        rotation=np.array([np.pi / 2, 0.0, 0.0]),
        translation=np.array([-shift_x, 1.0, 4.0]),
    )


def expected_pixel(trc_point: tuple[float, float, float]) -> tuple[float, float]:
    x, y, z = trc_point
    depth = x + 4.0
    return F * z / depth + CX, F * (1.0 - y) / depth + CY


def skeleton_trc(n_frames: int = 3) -> xr.DataArray:
    markers = list(SKELETON_TRC)
    data = np.repeat(np.array([SKELETON_TRC[m] for m in markers])[None], n_frames, axis=0)
    return xr.DataArray(
        data,
        dims=("time", "marker", "space"),
        coords={
            "time": ("time", (np.arange(n_frames) + 1) / 60.0),
            "frame": ("time", np.arange(1, n_frames + 1)),
            "marker": markers,
            "space": ["x", "y", "z"],
        },
        attrs={"data_rate": 60.0, "source": "synthetic.trc"},
    )


# ------------------------------------------------------------------------ TRC


def write_trc(path: Path, rows: list[list[str]], *, markers: list[str], units: str) -> None:
    coords = "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(markers) + 1))
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
        "OrigDataStartFrame\tOrigNumFrames",
        f"100\t100\t{len(rows)}\t{len(markers)}\t{units}\t100\t0\t{len(rows)}",
        "Frame#\tTime\t" + "\t\t\t".join(markers) + "\t\t",
        "\t\t" + coords,
        "",
        *["\t".join(row) for row in rows],
    ]
    path.write_text("\n".join(lines) + "\n")


def test_trc_round_trip_converts_units_and_keeps_gaps(tmp_path: Path) -> None:
    path = tmp_path / "walk.trc"
    rows = [
        ["1", "0.01", "1000", "2000", "-3000", "4", "5", "6"],
        ["2", "0.02", "1100", "2100", "-3100", "", "", ""],
        ["3", "0.03", "1200", "2200", "-3200"],  # trailing marker missing altogether
    ]
    write_trc(path, rows, markers=["RHip", "LHip"], units="mm")

    trc = read_trc(path)

    assert trc.dims == ("time", "marker", "space")
    assert list(trc["marker"].values) == ["RHip", "LHip"]
    np.testing.assert_allclose(trc["time"].values, [0.01, 0.02, 0.03])
    assert list(trc["frame"].values) == [1, 2, 3]
    np.testing.assert_allclose(trc.sel(marker="RHip").values[:, 0], [1.0, 1.1, 1.2])
    np.testing.assert_allclose(trc.sel(marker="LHip").values[0], [0.004, 0.005, 0.006])
    assert np.isnan(trc.sel(marker="LHip").values[1:]).all()
    assert trc.attrs["data_rate"] == 100.0
    assert trc.attrs["units"] == "m"


def test_trc_in_metres_is_not_scaled(tmp_path: Path) -> None:
    path = tmp_path / "m.trc"
    write_trc(path, [["1", "0", "0.5", "1.5", "2.5"]], markers=["Nose"], units="m")
    np.testing.assert_allclose(read_trc(path).values[0, 0], [0.5, 1.5, 2.5])


@pytest.mark.parametrize(
    "content",
    ["", "just some text\nwithout a header\n", "DataRate\tUnits\n100\tm\nFrame#\tTime\n"],
)
def test_trc_that_is_not_one_is_an_input_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.trc"
    path.write_text(content)
    with pytest.raises(InputError):
        read_trc(path)


def test_trc_with_text_in_data_or_unknown_units_is_an_input_error(tmp_path: Path) -> None:
    bad_value = tmp_path / "value.trc"
    write_trc(bad_value, [["1", "0", "1", "oops", "3"]], markers=["Nose"], units="m")
    bad_units = tmp_path / "units.trc"
    write_trc(bad_units, [["1", "0", "1", "2", "3"]], markers=["Nose"], units="furlong")
    for path in (bad_value, bad_units, tmp_path / "missing.trc"):
        with pytest.raises(InputError):
            read_trc(path)


# ----------------------------------------------------------------------- axes


def test_axes_zxy_maps_trc_y_up_to_world_z_up() -> None:
    np.testing.assert_array_equal(convert_axes(np.array([1.0, 2.0, 3.0])), [3.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("axes", "expected"),
    [("xyz", [1.0, 2.0, 3.0]), ("x-zy", [1.0, -3.0, 2.0]), ("-y+xz", [-2.0, 1.0, 3.0])],
)
def test_other_axes(axes: str, expected: list[float]) -> None:
    np.testing.assert_array_equal(convert_axes(np.array([1.0, 2.0, 3.0]), axes=axes), expected)


def test_axes_work_on_stacks_and_keep_nan() -> None:
    pts = np.arange(12.0).reshape(2, 2, 3)
    pts[1, 1] = np.nan
    out = convert_axes(pts, axes="zxy")
    np.testing.assert_array_equal(out[0, 0], [2.0, 0.0, 1.0])
    assert np.isnan(out[1, 1]).all()


@pytest.mark.parametrize("axes", ["xxy", "xy", "abc", "zxyz", "x--yz", ""])
def test_bad_axes_are_an_input_error(axes: str) -> None:
    with pytest.raises(InputError):
        parse_axes(axes)


# ---------------------------------------------------------------- calibration

CALIB = """
[cam_01]
name = "cam_01"
size = [ 1000.0, 800.0]
matrix = [ [ 1000.0, 0.0, 500.0], [ 0.0, 1000.0, 400.0], [ 0.0, 0.0, 1.0]]
distortions = [ -0.01, 0.002, 0.0, 0.0]
rotation = [ 1.5707963267948966, 0.0, 0.0]
translation = [ 0.0, 1.0, 4.0]
fisheye = false

[second]
size = [ 640, 480]
matrix = [ [ 500.0, 0.0, 320.0], [ 0.0, 500.0, 240.0], [ 0.0, 0.0, 1.0]]
distortions = [ 0.0, 0.0, 0.0, 0.0]
rotation = [ [ 1.0, 0.0, 0.0], [ 0.0, 0.0, -1.0], [ 0.0, 1.0, 0.0]]
translation = [ 0.1, 0.2, 0.3]
fisheye = true

[metadata]
adjusted = false
error = 0.0
"""


def test_calibration_parses_cameras_and_skips_metadata(tmp_path: Path) -> None:
    path = tmp_path / "Calib.toml"
    path.write_text(CALIB)

    cams = read_calibration(path)

    assert list(cams) == ["cam_01", "second"]
    cam = cams["cam_01"]
    assert cam.image_size == (1000, 800)
    np.testing.assert_array_equal(cam.matrix, [[1000, 0, 500], [0, 1000, 400], [0, 0, 1]])
    np.testing.assert_array_equal(cam.distortions, [-0.01, 0.002, 0.0, 0.0])
    np.testing.assert_array_equal(cam.translation, [0.0, 1.0, 4.0])
    assert not cam.fisheye
    second = cams["second"]
    assert second.fisheye and second.image_size == (640, 480)
    # a rotation given as a 3x3 matrix is turned into its Rodrigues vector
    np.testing.assert_allclose(second.rotation, [np.pi / 2, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(second.rotation_matrix, level_camera().rotation_matrix, atol=1e-12)


@pytest.mark.parametrize(
    "content",
    [
        "not = [toml",
        "[metadata]\nerror = 0.0\n",
        "[cam]\nmatrix = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]\n",
        CALIB.replace("translation = [ 0.0, 1.0, 4.0]", "translation = [ 0.0, 1.0]"),
        CALIB.replace("size = [ 1000.0, 800.0]", 'size = "big"'),
    ],
)
def test_bad_calibration_is_an_input_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "Calib.toml"
    path.write_text(content)
    with pytest.raises(InputError):
        read_calibration(path)


def test_select_camera_ignores_case_and_separators() -> None:
    cams = {"cam_01": level_camera(), "cam_03": level_camera(shift_x=1.0)}
    assert select_camera(cams, "cam01") is cams["cam_01"]
    assert select_camera(cams, "CAM-03") is cams["cam_03"]
    with pytest.raises(InputError, match="cam_01, cam_03"):
        select_camera(cams, "cam02")


# ----------------------------------------------------------------- projection


def test_projection_matches_the_pinhole_model() -> None:
    world = convert_axes(np.array([SKELETON_TRC["LHip"], SKELETON_TRC["RAnkle"], (1.0, 2.0, 0.5)]))
    px = project(world, level_camera())
    expected = [expected_pixel(SKELETON_TRC["LHip"]), expected_pixel(SKELETON_TRC["RAnkle"])]
    np.testing.assert_allclose(px[:2], expected, atol=1e-9)
    np.testing.assert_allclose(px[2], [F * 0.5 / 5.0 + CX, F * -1.0 / 5.0 + CY], atol=1e-9)


def test_projection_applies_radial_distortion() -> None:
    cam = level_camera()
    k1 = -0.05
    distorted = replace(cam, distortions=np.array([k1, 0.0, 0.0, 0.0]))
    world = convert_axes(np.array([0.0, 0.2, 0.8]))  # camera (0.8, 0.8, 4)
    x = y = 0.2
    factor = 1 + k1 * (x * x + y * y)
    np.testing.assert_allclose(
        project(world, distorted), [F * x * factor + CX, F * y * factor + CY], atol=1e-9
    )


def test_projection_is_nan_safe_and_drops_points_behind_the_camera() -> None:
    world = np.array([[[0.0, 0.0, 1.0], [np.nan, 0.0, 1.0]], [[0.0, -5.0, 1.0], [0.0, 0.0, 1.0]]])
    px = project(world, level_camera())
    assert px.shape == (2, 2, 2)
    np.testing.assert_allclose(px[0, 0], [CX, CY])
    assert np.isnan(px[0, 1]).all()
    assert np.isnan(px[1, 0]).all()  # world y = -5 is 1 m behind the camera
    np.testing.assert_allclose(px[1, 1], [CX, CY])
    assert np.isnan(project(np.full((3, 3), np.nan), level_camera())).all()


def test_fisheye_projection_puts_the_optical_axis_at_the_principal_point() -> None:
    cam = level_camera()
    fisheye = replace(cam, fisheye=True)
    px = project(np.array([[0.0, 3.0, 1.0], [0.5, 3.0, 1.0]]), fisheye)
    np.testing.assert_allclose(px[0], [CX, CY], atol=1e-9)
    assert px[1, 0] > CX


# ------------------------------------------------------------ reference dataset


def test_marker_mapping_covers_pose2sim_names() -> None:
    markers = ["RHip", "LBigToe", "RSmallToe", "Neck", "Head", "Nose", "left_knee"]
    assert marker_keypoint_pairs(markers) == {
        "right_hip": "RHip",
        "left_foot_index": "LBigToe",
        "nose": "Nose",
        "left_knee": "left_knee",
    }
    with pytest.raises(InputError):
        marker_keypoint_pairs(["RHip", "right_hip"])


def test_reference_pose_dataset_projects_every_mapped_marker() -> None:
    trc = skeleton_trc()
    ds = reference_pose_dataset(trc, level_camera())

    validate_pose_dataset(ds)
    np.testing.assert_allclose(ds["time"].values, trc["time"].values)
    assert list(ds["frame"].values) == [1, 2, 3]
    assert ds.attrs["image_width"] == 1000 and ds.attrs["model"] == "reference"
    for keypoint, marker in marker_keypoint_pairs(list(SKELETON_TRC)).items():
        xy = ds["position"].sel(keypoint=keypoint, space=["x", "y"]).values
        np.testing.assert_allclose(xy, np.tile(expected_pixel(SKELETON_TRC[marker]), (3, 1)))
        assert (ds["confidence"].sel(keypoint=keypoint).values == 1.0).all()
    unmapped = [k for k in KEYPOINTS if k not in marker_keypoint_pairs(list(SKELETON_TRC))]
    assert np.isnan(ds["position"].sel(keypoint=unmapped).values).all()
    assert (ds["confidence"].sel(keypoint=unmapped).values == 0.0).all()


def test_reference_world_is_camera_frame_centred_between_hips() -> None:
    ds = reference_pose_dataset(skeleton_trc(), level_camera())
    world = ds["world"].isel(time=0)
    np.testing.assert_allclose(
        (world.sel(keypoint="left_hip") + world.sel(keypoint="right_hip")).values, 0, atol=1e-12
    )
    # y down in the camera frame: the knee is 0.45 m below the hip, at the same depth
    np.testing.assert_allclose(world.sel(keypoint="left_knee").values, [0.1, 0.45, 0.0], atol=1e-12)
    np.testing.assert_allclose(ds["position"].sel(space="z").isel(time=0).dropna("keypoint"), 0)


def test_reference_dataset_marks_missing_samples_absent() -> None:
    trc = skeleton_trc()
    trc[1, list(trc["marker"].values).index("LKnee")] = np.nan
    ds = reference_pose_dataset(trc, level_camera())
    assert np.isnan(ds["position"].sel(keypoint="left_knee").values[1]).all()
    assert ds["confidence"].sel(keypoint="left_knee").values.tolist() == [1.0, 0.0, 1.0]


def test_reference_without_any_blazepose_marker_is_an_input_error() -> None:
    trc = skeleton_trc().sel(marker=["Neck"])
    with pytest.raises(InputError):
        reference_pose_dataset(trc, level_camera())


# -------------------------------------------------------------------- real data


@pytest.mark.shared
@pytest.mark.skipif(not BALANCING.is_dir(), reason="needs ../shared/data")
def test_balancing_reference_projects_onto_cam01() -> None:
    trc = read_trc(BALANCING / "Balancing_for_IK.trc")
    cam = select_camera(read_calibration(BALANCING / "Calib_qualisys.toml"), "cam01")

    ds = reference_pose_dataset(trc, cam)

    assert trc.sizes == {"time": 100, "marker": 21, "space": 3}
    assert cam.image_size == (1088, 1920)
    hips = ds["position"].sel(keypoint=["left_hip", "right_hip"], space=["x", "y"]).values
    assert np.isfinite(hips).all()
    assert (hips[..., 0] >= 0).all() and (hips[..., 0] < 1088).all()
    assert (hips[..., 1] >= 0).all() and (hips[..., 1] < 1920).all()
    knee_y = ds["position"].sel(keypoint="left_knee", space="y").values
    ankle_y = ds["position"].sel(keypoint="left_ankle", space="y").values
    assert (ankle_y > knee_y).all()  # image y is down

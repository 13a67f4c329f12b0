"""``pronate validate``: the command on files, with exactly known answers.

A known skeleton (written as a Y-up TRC) is seen by a known camera (written as a Z-up
TOML calibration). "Tracking" that equals the projection through the same camera has
zero error; through the same camera moved sideways by ``d`` at depth ``Z``, every
keypoint at that depth is off by exactly ``f * d / Z`` pixels while the angles (knee
FPPA, pelvic obliquity) are unchanged. The tracked dataset is stamped like a video
(first frame at t = 0) while the TRC counts from frame 1, so the frame offset (-1) must
be found. Bad inputs give one line, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from pronate.app.cli import main
from pronate.errors import InputError
from pronate.pose.schema import load_pose_dataset, save_pose_dataset
from pronate.validation.command import VALIDATED_METRICS, check_image_size
from pronate.validation.reference import Camera, reference_pose_dataset

F = 1000.0
DEPTH = 4.0
FPS = 60.0
N_FRAMES = 90
WIDTH, HEIGHT = 800, 1000
NOSE_FORWARD = 0.1  # m toward the camera

# Y-up TRC: x away from the camera (depth = DEPTH + x), y up, z to the subject's left
# (image right: the subject faces the camera).
SKELETON = {
    "RShoulder": (0.0, 1.45, -0.18),
    "LShoulder": (0.0, 1.45, 0.18),
    "RElbow": (0.0, 1.15, -0.22),
    "LElbow": (0.0, 1.15, 0.22),
    "RWrist": (0.0, 0.9, -0.24),
    "LWrist": (0.0, 0.9, 0.24),
    "RHip": (0.0, 0.95, -0.1),
    "LHip": (0.0, 0.95, 0.1),
    "RKnee": (0.0, 0.5, -0.1),
    "LKnee": (0.0, 0.5, 0.1),
    "RAnkle": (0.0, 0.08, -0.1),
    "LAnkle": (0.0, 0.08, 0.1),
    "RHeel": (0.0, 0.03, -0.11),
    "LHeel": (0.0, 0.03, 0.11),
    "RBigToe": (-0.15, 0.0, -0.12),
    "LBigToe": (-0.15, 0.0, 0.12),
    "Nose": (-NOSE_FORWARD, 1.6, 0.0),
    "Neck": (0.0, 1.5, 0.0),  # no BlazePose twin: ignored
}
GROUP_KEYPOINTS = ("hips", "knees", "ankles", "heels")


def trc_points(*, zup: bool = False) -> tuple[list[str], np.ndarray]:
    """Markers and (time, marker, 3) metres: knees swinging medially, the pelvis tilting.

    ``zup``: the same points in a Z-up TRC (x, y, z) = world (x = lateral, y = depth,
    z = up), to be read with ``--axes xyz``.
    """
    markers = list(SKELETON)
    base = np.array([SKELETON[m] for m in markers])
    data = np.repeat(base[None], N_FRAMES, axis=0)
    phase = np.sin(2 * np.pi * np.arange(N_FRAMES) / 45.0)
    for side, sign in (("R", 1.0), ("L", -1.0)):  # medial: toward z = 0
        data[:, markers.index(f"{side}Knee"), 2] += sign * 0.04 * phase
    data[:, markers.index("LHip"), 1] += 0.02 * phase
    data[:, markers.index("RHip"), 1] -= 0.02 * phase
    data[:, :, 2] += 0.03 * np.sin(2 * np.pi * np.arange(N_FRAMES) / 70.0)[:, None]  # sway
    if zup:
        data = data[..., [2, 0, 1]]  # world = (TRC z, TRC x, TRC y)
    return markers, data


def write_trc(path: Path, *, zup: bool = False) -> Path:
    """A Pose2Sim-style TRC: Time = Frame# / rate, Frame# from 1."""
    markers, data = trc_points(zup=zup)
    coords = "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(markers) + 1))
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
        "OrigDataStartFrame\tOrigNumFrames",
        f"{FPS:g}\t{FPS:g}\t{N_FRAMES}\t{len(markers)}\tm\t{FPS:g}\t0\t{N_FRAMES}",
        "Frame#\tTime\t" + "\t\t\t".join(markers) + "\t\t",
        "\t\t" + coords,
        "",
    ]
    for i, row in enumerate(data):
        values = "\t".join(f"{v:.9f}" for v in row.ravel())
        lines.append(f"{i + 1}\t{(i + 1) / FPS:.9f}\t{values}")
    path.write_text("\n".join(lines) + "\n")
    return path


def camera(*, shift_x: float = 0.0, name: str = "cam_01") -> Camera:
    """Level camera DEPTH metres in front of the subject; ``shift_x`` moves it along its x."""
    return Camera(
        name=name,
        image_size=(WIDTH, HEIGHT),
        matrix=np.array([[F, 0.0, WIDTH / 2], [0.0, F, HEIGHT / 2], [0.0, 0.0, 1.0]]),
        distortions=np.zeros(4),
        rotation=np.array([np.pi / 2, 0.0, 0.0]),
        translation=np.array([-shift_x, 1.0, DEPTH]),
    )


def write_calibration(path: Path, *cameras: Camera) -> Path:
    """A Pose2Sim-style TOML calibration."""

    def arr(a: np.ndarray) -> str:
        return json.dumps(np.asarray(a).tolist())

    parts = []
    for cam in cameras:
        parts.append(
            f'[{cam.name}]\nname = "{cam.name}"\nsize = [{cam.image_size[0]:.1f}, '
            f"{cam.image_size[1]:.1f}]\nmatrix = {arr(cam.matrix)}\n"
            f"distortions = {arr(cam.distortions)}\nrotation = {arr(cam.rotation)}\n"
            f"translation = {arr(cam.translation)}\nfisheye = false\n"
        )
    parts.append("[metadata]\nadjusted = false\nerror = 0.0\n")
    path.write_text("\n".join(parts))
    return path


def write_tracked(
    path: Path, cam: Camera, *, image_size: tuple[int, int] = (WIDTH, HEIGHT)
) -> Path:
    """A pose dataset standing in for tracking: the skeleton seen by ``cam``, stamped like a
    video (frame 0 at t = 0), the same values raw and filtered."""
    markers, data = trc_points()
    trc = xr.DataArray(
        data,
        dims=("time", "marker", "space"),
        coords={
            "time": ("time", (np.arange(N_FRAMES) + 1) / FPS),
            "marker": markers,
            "space": ["x", "y", "z"],
        },
        attrs={"data_rate": FPS},
    )
    ds = reference_pose_dataset(trc, cam, image_size=image_size)
    ds = ds.assign_coords(
        time=("time", np.arange(N_FRAMES) / FPS), frame=("time", np.arange(N_FRAMES))
    )
    ds.attrs = {**ds.attrs, "model": "synthetic", "source_video": "synthetic.mp4"}
    ds["position_raw"] = ds["position"].copy()
    ds["world_raw"] = ds["world"].copy()
    return save_pose_dataset(ds, path)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "trc": write_trc(tmp_path / "trial.trc"),
        "calib": write_calibration(tmp_path / "calib.toml", camera(), camera(name="cam_02")),
        "out": tmp_path / "out",
    }


def validate(capsys, files: dict[str, Path], pose: Path, *extra: str) -> tuple[int, str, str]:
    args = ["validate", "--from", str(pose), "--reference", str(files["trc"])]
    args += ["--calibration", str(files["calib"]), "--camera", "cam01", "-o", str(files["out"])]
    code = main([*args, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def report_of(files: dict[str, Path]) -> dict:
    text = (files["out"] / "validation.json").read_text()
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str) -> float:
    raise AssertionError(f"validation.json holds {name}")


# ------------------------------------------------------------- known answers


def test_perfect_tracking_has_zero_error(capsys, files, tmp_path):
    pose = write_tracked(tmp_path / "perfect.nc", camera())

    code, out, err = validate(capsys, files, pose)

    assert code == 0, err
    report = report_of(files)
    assert report["frames"]["frame_offset"] == -1  # TRC frame 1 is video frame 0
    assert report["frames"]["frame_offset_source"] == "estimated"
    assert report["frames"]["paired"] == N_FRAMES
    assert report["inputs"]["camera"] == "cam_01"
    for label in ("raw", "filtered"):
        result = report["position"][label]
        assert set(result["groups"]) == set(GROUP_KEYPOINTS)
        for stats in [*result["groups"].values(), *result["keypoints"].values()]:
            assert stats["median_px"] == pytest.approx(0.0, abs=1e-6)
            assert stats["p90_px"] == pytest.approx(0.0, abs=1e-6)
        metrics = report["metrics"][label]
        assert set(metrics) == set(VALIDATED_METRICS)
        for stats in metrics.values():
            assert stats["n"] == N_FRAMES
            assert stats["mae"] == pytest.approx(0.0, abs=1e-6)
            assert stats["r"] == pytest.approx(1.0, abs=1e-9)
    for word in ("hips", "knees", "knee_fppa_left_deg", "pelvic_obliquity_deg", "estimated"):
        assert word in out
    assert f"wrote {files['out'] / 'validation.json'}" in out


def test_shifted_camera_gives_the_known_error_and_the_same_angles(capsys, files, tmp_path):
    d = 0.02
    pose = write_tracked(tmp_path / "shifted.nc", camera(shift_x=d))

    code, _, err = validate(capsys, files, pose, "--frame-offset", "-1")

    assert code == 0, err
    report = report_of(files)
    assert report["frames"]["frame_offset_source"] == "given"
    thigh_px = F * (0.95 - 0.5) / DEPTH
    assert report["thigh_length_px"] == pytest.approx(thigh_px, rel=0.05)  # knees swing
    expected = F * d / DEPTH  # 5 px
    for label in ("raw", "filtered"):
        result = report["position"][label]
        for stats in result["groups"].values():
            assert stats["median_px"] == pytest.approx(expected, abs=1e-6)
            assert stats["p90_px"] == pytest.approx(expected, abs=1e-6)
        nose = result["keypoints"]["nose"]
        assert nose["median_px"] == pytest.approx(F * d / (DEPTH - NOSE_FORWARD), abs=1e-6)
        for stats in report["metrics"][label].values():
            assert stats["mae"] == pytest.approx(0.0, abs=1e-6)


def test_other_trc_axes_with_the_axes_option(capsys, files, tmp_path):
    pose = write_tracked(tmp_path / "perfect.nc", camera())
    files["trc"] = write_trc(tmp_path / "zup.trc", zup=True)

    code, _, err = validate(capsys, files, pose, "--axes", "xyz")
    assert code == 0, err
    hips = report_of(files)["position"]["raw"]["groups"]["hips"]
    assert hips["median_px"] == pytest.approx(0.0, abs=1e-6)

    code, _, err = validate(capsys, files, pose)  # default zxy: wrong for this file
    assert code == 0, err
    assert report_of(files)["position"]["raw"]["groups"]["hips"]["median_px"] > 50


def test_report_is_written_atomically_next_to_the_pose_by_default(capsys, files, tmp_path):
    folder = tmp_path / "session"
    folder.mkdir()
    pose = write_tracked(folder / "pose.nc", camera())
    args = ["validate", "--from", str(pose), "--reference", str(files["trc"])]
    args += ["--calibration", str(files["calib"]), "--camera", "cam_01"]

    assert main(args) == 0
    capsys.readouterr()
    assert sorted(p.name for p in folder.iterdir()) == ["pose.nc", "validation.json"]


def test_a_large_size_mismatch_is_a_warning_and_a_rotation_an_error(capsys, files, tmp_path):
    assert check_image_size((1080, 1920), (1088, 1920), camera="c") == []
    assert "calibrated on 1000x2000" in check_image_size((1080, 1920), (1000, 2000), camera="c")[0]
    with pytest.raises(InputError, match="rotated"):
        check_image_size((1920, 1080), (1088, 1920), camera="c")

    pose = write_tracked(tmp_path / "wide.nc", camera(), image_size=(HEIGHT, WIDTH))
    code, _, err = validate(capsys, files, pose)
    assert_clean_error(code, err, "rotated")
    assert not (files["out"] / "validation.json").exists()


# --------------------------------------------------------------- bad input


def assert_clean_error(code: int, err: str, pattern: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("pronate: error: ")
    assert pattern in lines[0]


@pytest.mark.parametrize(
    ("case", "pattern"),
    [
        ("missing trc", "no such file"),
        ("not a trc", "not a TRC file"),
        ("missing calibration", "no such file"),
        ("not toml", "not a TOML calibration"),
        ("unknown camera", "no camera 'cam09'"),
        ("bad axes", "bad axes"),
        ("missing pose", "no such file"),
        ("neither", "either VIDEO or --from"),
        ("both", "either VIDEO or --from"),
        ("missing video", "no such file"),
    ],
)
def test_bad_input_is_one_line(capsys, files, tmp_path, case, pattern):
    pose = write_tracked(tmp_path / "pose.nc", camera())
    trc, calib, cam, axes = files["trc"], files["calib"], "cam01", "zxy"
    source = ["--from", str(pose)]
    if case == "missing trc":
        trc = tmp_path / "nope.trc"
    elif case == "not a trc":
        trc = tmp_path / "notes.trc"
        trc.write_text("hello\nworld\n")
    elif case == "missing calibration":
        calib = tmp_path / "nope.toml"
    elif case == "not toml":
        calib = tmp_path / "bad.toml"
        calib.write_text("[cam_01\nmatrix = ")
    elif case == "unknown camera":
        cam = "cam09"
    elif case == "bad axes":
        axes = "xxz"
    elif case == "missing pose":
        source = ["--from", str(tmp_path / "nope.nc")]
    elif case == "neither":
        source = []
    elif case == "both":
        source = [str(tmp_path / "clip.mp4"), "--from", str(pose)]
    elif case == "missing video":
        source = [str(tmp_path / "nope.mp4")]
    args = ["validate", *source, "--reference", str(trc), "--calibration", str(calib)]
    args += ["--camera", cam, "--axes", axes, "-o", str(files["out"])]

    code = main(args)
    _, err = capsys.readouterr()

    assert_clean_error(code, err, pattern)
    assert not (files["out"] / "validation.json").exists()


def test_no_common_frame_is_one_line(capsys, files, tmp_path):
    late = load_pose_dataset(write_tracked(tmp_path / "late.nc", camera()))
    late = late.assign_coords(time=late["time"] + 100.0)
    save_pose_dataset(late, tmp_path / "late2.nc")

    code, _, err = validate(capsys, files, tmp_path / "late2.nc", "--frame-offset", "0")
    assert_clean_error(code, err, "no frame")


# ------------------------------------------------------------------- real


@pytest.mark.shared
@pytest.mark.model
def test_balancing_cam01_against_its_motion_capture(capsys, shared_data, tmp_path):
    folder = shared_data / "pose2sim_balancing"
    out = tmp_path / "v"
    args = ["validate", str(folder / "cam01.mp4"), "--reference"]
    args += [str(folder / "Balancing_for_IK.trc"), "--calibration"]
    args += [str(folder / "Calib_qualisys.toml"), "--camera", "cam01", "-o", str(out), "-q"]

    code = main(args)
    text, err = capsys.readouterr()

    assert code == 0, err
    report = json.loads((out / "validation.json").read_text())
    assert report["frames"]["frame_offset"] in (-1, 0)
    assert report["frames"]["paired"] >= 99
    assert {p.name for p in out.iterdir()} >= {"pose.nc", "keypoints.csv", "validation.json"}
    # Measured (heavy, filtered): hips 23, knees 12, ankles 16, heels 12 px median on a
    # ~210 px thigh; the bounds leave room for other CPUs' float differences.
    limits = {"hips": 35.0, "knees": 20.0, "ankles": 25.0, "heels": 20.0}
    for label in ("raw", "filtered"):
        groups = report["position"][label]["groups"]
        for name, limit in limits.items():
            assert groups[name]["median_px"] < limit, (label, name, groups[name])
            assert groups[name]["n"] >= 0.95 * groups[name]["n_reference"]
    # cam01 is oblique: no frontal metric is given (issue 8), so the agreement is empty,
    # and the image-plane error (the table of pronate.metrics.uncertainty) is measured instead
    filtered = report["metrics"]["filtered"]
    assert filtered["pelvic_obliquity_deg"]["n"] == 0
    plane = report["image_plane_error"]
    assert plane["knee_fppa_right_deg"]["n"] >= 95
    assert plane["knee_fppa_right_deg"]["rmse"] < 12.0
    assert plane["trunk_lean_deg"]["rmse"] < 5.0
    assert "not given in oblique and side views" in text
    assert "pixel error, filtered" in text

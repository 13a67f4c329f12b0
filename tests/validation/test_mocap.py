"""C3D reading, marker-to-keypoint mapping and the virtual frontal camera, checked with
hand-made trials whose answers are known exactly; and the Plug-in Gait sample."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from pronate.errors import InputError
from pronate.pose.keypoints import KEYPOINT_INDEX
from pronate.validation import mocap
from pronate.validation.accuracy import metrics_of as pose_metrics

ezc3d = pytest.importorskip("ezc3d")

RATE = 100.0
N = 120
UP = np.array([0.0, 1.0, 0.0])  # the synthetic lab is Y-up, unlike Vicon's Z-up
HEADING = np.radians(30.0)
FORWARD = np.array([math.cos(HEADING), 0.0, -math.sin(HEADING)])
LEFT = np.cross(UP, FORWARD)  # subject's left when facing FORWARD
SPEED = 1.3
HIP_HALF_WIDTH = 0.09


def write_c3d(
    path: Path,
    *,
    markers: Mapping[str, np.ndarray],
    angles: Mapping[str, np.ndarray] | None = None,
    events: Sequence[tuple[str, str, float]] = (),
    units: str = "mm",
    prefix: str = "S1:",
) -> Path:
    """Write a C3D with ezc3d: markers (T, 3) in ``units``, angles (T, 3) in degrees."""
    angles = dict(angles or {})
    names = list(markers) + list(angles)
    n = len(next(iter(markers.values())))
    points = np.ones((4, len(names), n))
    for i, name in enumerate(names):
        points[:3, i, :] = np.asarray({**markers, **angles}[name], dtype=np.float64).T
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [RATE]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = tuple(prefix + name for name in names)
    c3d["data"]["points"] = points
    c3d.add_parameter("POINT", "UNITS", [units])
    if angles:
        c3d.add_parameter("POINT", "ANGLES", [prefix + name for name in angles])
    if events:
        c3d.add_parameter("EVENT", "USED", [len(events)])
        c3d.add_parameter("EVENT", "CONTEXTS", [e[0] for e in events])
        c3d.add_parameter("EVENT", "LABELS", [e[1] for e in events])
        times = np.array([[0.0] * len(events), [e[2] for e in events]])
        c3d.add_parameter("EVENT", "TIMES", times)
    c3d.write(str(path))
    return path


def fppa_truth(
    hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, *, medial: np.ndarray
) -> np.ndarray:
    """180 - angle(hip, knee, ankle), positive when the knee is medial of the hip-ankle line."""
    a, b = hip - knee, ankle - knee
    cos = np.sum(a * b, axis=-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    angle = 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    off = knee - 0.5 * (hip + ankle)  # the line is vertical-ish; the offset tells the side
    return np.sign(np.sum(off * medial, axis=-1)) * angle


def walking_trial() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A skeleton gliding along FORWARD, every leg point in its frontal plane.

    Returns the markers (m, PiG names) and the truth: obliquity and FPPA per side (deg).
    """
    t = np.arange(N) / RATE
    floor = np.array([0.4, 0.0, 2.0]) + SPEED * t[:, None] * FORWARD
    centre = floor + 0.95 * UP
    theta = np.radians(5.0 * np.sin(2 * np.pi * t))
    lateral = HIP_HALF_WIDTH * (np.cos(theta)[:, None] * LEFT + np.sin(theta)[:, None] * UP)
    hips = {"L": centre + lateral, "R": centre - lateral}
    ankles = {"L": floor + 0.08 * LEFT + 0.08 * UP, "R": floor - 0.08 * LEFT + 0.08 * UP}
    medial = {"L": -LEFT, "R": LEFT}
    shift = {"L": 0.02 + 0.01 * np.sin(2 * np.pi * t), "R": np.full(N, -0.015)}
    markers: dict[str, np.ndarray] = {}
    truth = {"pelvic_obliquity_deg": np.degrees(theta)}
    for s, side in (("L", "left"), ("R", "right")):
        knee = 0.5 * (hips[s] + ankles[s]) + shift[s][:, None] * medial[s]
        markers[f"{s}FEP"] = hips[s]
        markers[f"{s}FEO"] = knee
        markers[f"{s}TIO"] = ankles[s]
        markers[f"{s}HEE"] = ankles[s] - 0.06 * FORWARD - 0.05 * UP
        markers[f"{s}TOE"] = ankles[s] + 0.14 * FORWARD - 0.06 * UP
        truth[f"knee_fppa_{side}_deg"] = fppa_truth(hips[s], knee, ankles[s], medial=medial[s])
    return markers, truth


@pytest.fixture
def walk(tmp_path: Path) -> tuple[mocap.C3DTrial, dict[str, np.ndarray]]:
    markers, truth = walking_trial()
    zeros = np.zeros(N)
    angles = {
        "LPelvisAngles": np.stack([zeros, truth["pelvic_obliquity_deg"], zeros], axis=1),
        "LKneeAngles": np.stack([zeros, -truth["knee_fppa_left_deg"], zeros], axis=1),
        "RKneeAngles": np.stack([zeros, -truth["knee_fppa_right_deg"], zeros], axis=1),
    }
    events = [
        ("Left", "Foot Strike", 0.2),
        ("Left", "Foot Off", 0.8),
        ("Right", "Foot Off", 0.3),
        ("Right", "Foot Strike", 0.7),
    ]
    path = write_c3d(
        tmp_path / "walk.c3d",
        markers={k: 1000.0 * v for k, v in markers.items()},
        angles=angles,
        events=events,
    )
    return mocap.read_c3d(path), truth


def metrics_of(pose: xr.Dataset) -> xr.Dataset:
    """Metrics of a virtual frontal view: the view and the (level) camera roll are known
    (all-NaN frames of real trials warn nothing)."""
    return pose_metrics(pose, view="front", roll_deg=0.0)


# ------------------------------------------------------------------------ reading


def test_read_c3d_converts_units_strips_prefixes_and_splits_angles(tmp_path: Path) -> None:
    knee = np.array([[100.0, 200.0, 300.0], [110.0, 210.0, 310.0]])
    knee[1, :] = np.nan
    angles = {"LKneeAngles": np.array([[10.0, -2.0, 5.0], [11.0, -3.0, 6.0]])}
    path = write_c3d(tmp_path / "a.c3d", markers={"LKNE": knee}, angles=angles)
    trial = mocap.read_c3d(path)
    assert list(trial.markers["marker"].values) == ["LKNE"]
    np.testing.assert_allclose(trial.markers.sel(marker="LKNE").values[0], [0.1, 0.2, 0.3])
    assert np.isnan(trial.markers.sel(marker="LKNE").values[1]).all()
    assert list(trial.angles["angle"].values) == ["LKneeAngles"]
    np.testing.assert_allclose(trial.angles.sel(angle="LKneeAngles").values, angles["LKneeAngles"])
    assert trial.rate == RATE
    np.testing.assert_allclose(trial.time_s, [0.0, 0.01])


def test_read_c3d_metre_units_and_events(tmp_path: Path) -> None:
    events = [("Right", "Foot Off", 0.03), ("Left", "Foot Strike", 0.01)]
    path = write_c3d(
        tmp_path / "m.c3d", markers={"RTOE": np.ones((4, 3))}, units="m", events=events
    )
    trial = mocap.read_c3d(path)
    np.testing.assert_allclose(trial.markers.values, 1.0)
    assert [(e.context, e.label) for e in trial.events] == [
        ("Left", "Foot Strike"),
        ("Right", "Foot Off"),
    ]
    assert trial.events[0].time_s == pytest.approx(0.01)


def test_read_c3d_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        mocap.read_c3d(tmp_path / "absent.c3d")
    garbage = tmp_path / "garbage.c3d"
    garbage.write_bytes(b"not a c3d file " * 100)
    with pytest.raises(InputError, match="not a readable C3D"):
        mocap.read_c3d(garbage)
    odd = write_c3d(tmp_path / "odd.c3d", markers={"LTOE": np.ones((3, 3))}, units="inch")
    with pytest.raises(InputError, match="unknown point units"):
        mocap.read_c3d(odd)


# ---------------------------------------------------------------------- keypoints


def test_harrington_exact_in_the_pelvis_frame() -> None:
    # ISB pelvis frame = lab: x anterior, y up, z right; PW = 250 mm, PD = 150 mm.
    lasi, rasi = np.array([0.0, 0.0, -0.125]), np.array([0.0, 0.0, 0.125])
    left, right = mocap.harrington_hip_centres(
        lasi=lasi, rasi=rasi, mid_psis=np.array([-0.15, 0.0, 0.0])
    )
    x, y, z = -0.24 * 150 - 9.9, -0.30 * 250 - 10.9, 0.33 * 250 + 7.3
    np.testing.assert_allclose(right, np.array([x, y, z]) / 1000, atol=1e-12)
    np.testing.assert_allclose(left, np.array([x, y, -z]) / 1000, atol=1e-12)


def test_harrington_moves_with_the_pelvis() -> None:
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rot = q * np.sign(np.linalg.det(q))
    shift = np.array([1.0, -2.0, 0.5])
    pelvis = [np.array([0.0, 0.0, -0.12]), np.array([0.0, 0.0, 0.13]), np.array([-0.16, 0.02, 0.0])]
    base = mocap.harrington_hip_centres(lasi=pelvis[0], rasi=pelvis[1], mid_psis=pelvis[2])
    moved = mocap.harrington_hip_centres(
        lasi=rot @ pelvis[0] + shift, rasi=rot @ pelvis[1] + shift, mid_psis=rot @ pelvis[2] + shift
    )
    for a, b in zip(base, moved, strict=True):
        np.testing.assert_allclose(rot @ a + shift, b, atol=1e-12)


def test_pig_keypoints_prefer_joint_centres_then_fall_back() -> None:
    t = 3
    pt = {
        name: np.full((t, 3), float(i))
        for i, name in enumerate(
            ["LFEO", "LKNE", "RKNE", "LWRA", "LWRB", "LASI", "RASI", "SACR", "RTIO"]
        )
    }
    pt["LASI"] = np.tile([0.1, 0.12, 1.0], (t, 1))
    pt["RASI"] = np.tile([0.1, -0.12, 1.0], (t, 1))
    pt["SACR"] = np.tile([-0.05, 0.0, 1.0], (t, 1))
    pt["RTIO"][:] = np.nan  # present but empty: the next candidate is used
    pt["RANK"] = np.full((t, 3), 9.0)
    points, used = mocap.pig_keypoints(pt)
    assert used["left_knee"] == "LFEO" and used["right_knee"] == "RKNE"
    assert used["right_ankle"] == "RANK"
    assert used["left_hip"] == used["right_hip"] == "harrington"
    assert used["left_wrist"] == "LWRA+LWRB"
    np.testing.assert_allclose(points[:, KEYPOINT_INDEX["left_wrist"]], (3.0 + 4.0) / 2)
    np.testing.assert_allclose(points[:, KEYPOINT_INDEX["right_ankle"]], 9.0)
    assert "left_ankle" not in used
    assert np.isnan(points[:, KEYPOINT_INDEX["left_ankle"]]).all()
    assert np.isnan(points[:, KEYPOINT_INDEX["nose"]]).all()
    left, right = points[0, KEYPOINT_INDEX["left_hip"]], points[0, KEYPOINT_INDEX["right_hip"]]
    assert left[1] > 0 > right[1]  # the regression puts each hip on its own side


def test_pig_keypoints_rejects_bad_input() -> None:
    with pytest.raises(InputError):
        mocap.pig_keypoints({})
    with pytest.raises(InputError, match="unknown keypoint"):
        mocap.pig_keypoints({"LTOE": np.zeros((2, 3))}, sources={"left_toe": ("LTOE",)})


# ------------------------------------------------------------------ virtual camera


def _keypoints() -> np.ndarray:
    markers, _ = walking_trial()
    points, _ = mocap.pig_keypoints(markers)
    return points


def test_vertical_axis_found_whatever_the_lab() -> None:
    points = _keypoints()
    np.testing.assert_array_equal(mocap.vertical_axis(points), UP)
    flipped = points[..., [0, 2, 1]] * np.array([1.0, 1.0, -1.0])  # up becomes -z
    np.testing.assert_array_equal(mocap.vertical_axis(flipped), [0.0, 0.0, -1.0])


@pytest.mark.parametrize("follow", [False, True])
def test_frontal_view_places_a_level_camera_ahead(follow: bool) -> None:
    points = _keypoints()
    time_s = np.arange(N) / RATE
    shifted, view = mocap.frontal_view(points, time_s=time_s, distance_m=8.0, follow=follow)
    np.testing.assert_allclose(view.forward, FORWARD, atol=1e-9)
    np.testing.assert_allclose(view.up, UP)
    assert view.speed_m_s == pytest.approx(SPEED)
    from pronate.validation.reference import camera_coordinates, project

    hips = 0.5 * (shifted[:, KEYPOINT_INDEX["left_hip"]] + shifted[:, KEYPOINT_INDEX["right_hip"]])
    depth = camera_coordinates(hips, view.camera)[:, 2]
    if follow:
        np.testing.assert_allclose(depth, 8.0, atol=1e-9)  # treadmill-like: constant distance
    else:
        assert depth.min() == pytest.approx(8.0)  # the walk ends 8 m from the camera
        assert np.all(np.diff(depth) < 0)  # walking towards it
    px = project(shifted, view.camera)
    width, height = view.camera.image_size
    mid_u = project(hips, view.camera)[:, 0]
    np.testing.assert_allclose(mid_u, width / 2, atol=1e-6)  # on the line of progression
    lhip, rhip = px[:, KEYPOINT_INDEX["left_hip"]], px[:, KEYPOINT_INDEX["right_hip"]]
    assert np.all(lhip[:, 0] > rhip[:, 0])  # facing the camera: the left hip is on the right
    finite = px[np.isfinite(px).all(axis=-1)]
    assert finite[:, 0].min() >= 0 and finite[:, 0].max() <= width
    assert finite[:, 1].min() >= 0 and finite[:, 1].max() <= height


def test_frontal_view_of_a_standing_subject_faces_them() -> None:
    points = _keypoints()[:1].repeat(10, axis=0)  # not moving
    _, view = mocap.frontal_view(points, time_s=np.arange(10) / RATE)
    np.testing.assert_allclose(view.forward, FORWARD, atol=1e-9)
    with pytest.raises(InputError, match="distance"):
        mocap.frontal_view(points, time_s=np.arange(10) / RATE, distance_m=0.0)


def test_synthetic_walk_gives_exact_obliquity_and_fppa(
    walk: tuple[mocap.C3DTrial, dict[str, np.ndarray]],
) -> None:
    trial, truth = walk
    pose, _ = mocap.frontal_pose_dataset(trial)
    assert pose.attrs["model"] == "c3d-virtual-frontal"
    metrics = metrics_of(pose)
    for name, expected in truth.items():
        # exact up to the C3D's float32 storage (~1e-4 mm on 2 m coordinates)
        np.testing.assert_allclose(metrics[name].values, expected, atol=1e-4, err_msg=name)
    assert np.abs(truth["knee_fppa_left_deg"]).max() > 2  # the test has something to find
    assert truth["knee_fppa_right_deg"].max() < -1  # right knee varus


def test_pig_reference_and_comparison_on_the_synthetic_walk(
    walk: tuple[mocap.C3DTrial, dict[str, np.ndarray]],
) -> None:
    trial, truth = walk
    reference = mocap.pig_reference(trial)
    np.testing.assert_allclose(reference["pelvic_obliquity_deg"], truth["pelvic_obliquity_deg"])
    np.testing.assert_allclose(reference["knee_valgus_right_deg"], truth["knee_fppa_right_deg"])
    assert reference["hip_rotation_left_deg"].attrs["source"] == "absent"
    pose, _ = mocap.frontal_pose_dataset(trial)
    stance = mocap.stance_masks(trial.events, trial.time_s)
    rows = mocap.compare_with_pig(metrics_of(pose), reference, stance=stance)
    assert [(r.metric, r.phase) for r in rows] == [
        ("pelvic_obliquity_deg", "trial"),
        ("knee_fppa_left_deg", "left stance"),
        ("knee_fppa_left_deg", "trial"),
        ("knee_fppa_right_deg", "right stance"),
        ("knee_fppa_right_deg", "trial"),
    ]
    for row in rows:
        assert row.agreement.mae_deg < 1e-4
    assert rows[0].agreement.r == pytest.approx(1.0)
    assert rows[1].agreement.n == 60  # the left stance [0.2, 0.8) at 100 Hz


def test_pig_reference_uses_the_right_pelvis_when_the_left_is_absent(tmp_path: Path) -> None:
    obliquity = np.array([[1.0, 3.0, 2.0], [1.0, -4.0, 2.0]])
    path = write_c3d(
        tmp_path / "r.c3d",
        markers={"RTOE": np.ones((2, 3))},
        angles={"RPelvisAngles": obliquity, "LKneeAngles": np.array([[20.0, 5.0, 0.0]] * 2)},
    )
    reference = mocap.pig_reference(mocap.read_c3d(path))
    np.testing.assert_allclose(reference["pelvic_obliquity_deg"], [-3.0, 4.0])
    np.testing.assert_allclose(reference["knee_valgus_left_deg"], [-5.0, -5.0])  # varus +5
    np.testing.assert_allclose(reference["knee_flexion_left_deg"], [20.0, 20.0])
    assert np.isnan(reference["knee_valgus_right_deg"]).all()


# ------------------------------------------------------------------ stance, stats


def test_stance_masks_from_events() -> None:
    time_s = np.round(np.arange(11) * 0.1, 10)
    events = [
        mocap.GaitEvent("Left", "Foot Strike", 0.1),
        mocap.GaitEvent("Left", "Foot Off", 0.5),
        mocap.GaitEvent("Left", "Foot Strike", 0.9),
        mocap.GaitEvent("Right", "Foot Off", 0.3),
        mocap.GaitEvent("Right", "Foot Strike", 0.45),
        mocap.GaitEvent("Right", "Foot Strike", 0.7),  # the off before it is missing
        mocap.GaitEvent("General", "Foot Strike", 0.0),
    ]
    masks = mocap.stance_masks(events, time_s)
    assert set(masks) == {"left", "right"}
    np.testing.assert_array_equal(np.flatnonzero(masks["left"]), [1, 2, 3, 4, 9, 10])
    np.testing.assert_array_equal(np.flatnonzero(masks["right"]), [0, 1, 2, 7, 8, 9, 10])
    assert mocap.stance_masks([], time_s) == {}


def test_agreement_exact() -> None:
    ours = np.array([1.0, 2.0, 3.0, np.nan, 7.0])
    ref = np.array([0.0, 2.0, 5.0, 1.0, 7.0])
    a = mocap.agreement(ours, ref, mask=np.array([True, True, True, True, False]))
    assert a.n == 3
    assert a.mae_deg == pytest.approx(1.0)
    assert a.bias_deg == pytest.approx(-1.0 / 3.0)
    assert a.r == pytest.approx(5.0 / math.sqrt(2.0 * 114.0 / 9.0))
    assert a.ours_range == (1.0, 3.0) and a.reference_range == (0.0, 5.0)
    empty = mocap.agreement(ours, ref, mask=np.zeros(5, bool))
    assert empty.n == 0 and math.isnan(empty.mae_deg) and math.isnan(empty.r)
    with pytest.raises(InputError):
        mocap.agreement(ours, ref[:3])


# ------------------------------------------------------------------ real sample


@pytest.mark.shared
def test_plug_in_gait_sample(shared_data: Path) -> None:
    """c3d.org sample 03: what we can honestly claim against Plug-in Gait.

    Pelvic obliquity is the same quantity in both (the hip line's tilt) and agrees to a
    quarter of a degree. The FPPA is a 2-D projection angle and PiG's knee varus/valgus
    a 3-D Cardan angle: they agree in stance on the left knee (r ~0.98, MAE ~0.2 deg),
    less on the right (r ~0.74, MAE ~1.4 deg), where the difference grows with knee
    flexion (PiG crosstalk from the knee axis, see bench/c3d_gait.py).
    """
    path = shared_data / "c3d_gait" / "gait-pig.c3d"
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    trial = mocap.read_c3d(path)
    markers = {str(m): trial.markers.sel(marker=m).values for m in ("LASI", "RASI")}
    reference = mocap.pig_reference(trial)
    # Convention: PiG LPelvisAngles obliquity is positive when the LEFT ASIS is higher
    # (the lab is Z-up, the subject's left +Y when walking along +X).
    d = markers["LASI"] - markers["RASI"]
    asis = np.degrees(np.arctan2(d[:, 2], d[:, 1]))
    assert mocap.agreement(asis, reference["pelvic_obliquity_deg"].values).r > 0.99

    pose, view = mocap.frontal_pose_dataset(trial)
    assert view.up.tolist() == [0.0, 0.0, 1.0]
    assert view.forward[0] > 0.99  # walking along +X
    assert 1.0 < view.speed_m_s < 1.7
    used = json.loads(pose.attrs["keypoint_sources"])
    assert used["left_hip"] == "LFEP" and used["left_knee"] == "LFEO"
    stance = mocap.stance_masks(trial.events, trial.time_s)
    rows = {
        (r.metric, r.phase): r.agreement
        for r in mocap.compare_with_pig(metrics_of(pose), reference, stance=stance)
    }
    obliquity = rows[("pelvic_obliquity_deg", "trial")]
    assert obliquity.n > 100
    assert obliquity.r > 0.99 and obliquity.mae_deg < 0.5 and abs(obliquity.bias_deg) < 0.5
    left = rows[("knee_fppa_left_deg", "left stance")]
    assert left.n > 50 and left.r > 0.9 and left.mae_deg < 0.5
    right = rows[("knee_fppa_right_deg", "right stance")]
    assert right.n > 30 and right.r > 0.5 and right.mae_deg < 2.0

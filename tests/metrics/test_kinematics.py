"""Tests of the per-frame metrics against the synthetic ground truth."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pronate.camera.body import observe
from pronate.camera.frames import swap_sides
from pronate.errors import InputError
from pronate.metrics.frontal_series import (
    femur_frontal,
    knee_fppa,
    pelvic_obliquity,
    tibia_frontal,
    trunk_lean,
)
from pronate.metrics.schema import METRIC_VARIABLES
from pronate.pose.keypoints import KEYPOINTS
from stages import facts, metrics_of, seen
from synthetic import (
    Camera,
    QuietStance,
    ground_truth,
    mirror_image,
    render_pose,
    simulate,
    single_leg,
)

SIDES = ("left", "right")
LEG_ANGLES = ("knee_fppa", "femur_frontal", "tibia_frontal")
NORMALISED = (
    "pelvis_shift_norm",
    "com_margin_norm",
    "xcom_margin_norm",
    "ankle_medial_shift_left_norm",
    "ankle_medial_shift_right_norm",
)
CAMERAS = {
    "front": Camera(yaw_deg=0.0, roll_deg=5.0),
    "back": Camera(yaw_deg=180.0, roll_deg=5.0),
}
# tolerances actually reached noise-free (see the module docstring of synthetic):
# (stance legs and pelvis/trunk deg, swing leg deg, normalised, xcom normalised)
TOLERANCE = {
    "front": (0.5, 0.5, 0.01, 0.01),
    "back": (0.5, 0.5, 0.01, 0.01),
}


@pytest.fixture(scope="module")
def skeleton() -> xr.Dataset:
    return simulate()


def _frontal(**points: tuple[float, float]) -> xr.DataArray:
    data = np.full((1, len(KEYPOINTS), 2), np.nan)
    for name, xy in points.items():
        data[0, KEYPOINTS.index(name)] = xy
    return xr.DataArray(
        data,
        dims=("time", "keypoint", "plane"),
        coords={"keypoint": list(KEYPOINTS), "plane": ["lateral", "vertical"]},
    )


@pytest.mark.parametrize("side", SIDES)
def test_valgus_sign_convention(side: str) -> None:
    medial = -1.0 if side == "left" else 1.0
    lat = 0.1 if side == "left" else -0.1
    pts = _frontal(
        **{
            f"{side}_hip": (lat, 1.0),
            f"{side}_knee": (lat + 0.05 * medial, 0.5),
            f"{side}_ankle": (lat, 0.0),
        }
    )
    fppa = float(knee_fppa(pts, side=side)[0])
    femur = float(femur_frontal(pts, side=side)[0])
    tibia = float(tibia_frontal(pts, side=side)[0])
    assert fppa > 0 and femur > 0 and tibia < 0
    assert fppa == pytest.approx(femur - tibia)
    assert femur == pytest.approx(np.degrees(np.arctan2(0.05, 0.5)))


def test_pelvis_and_trunk_sign_conventions() -> None:
    pts = _frontal(
        left_hip=(0.1, 1.02),
        right_hip=(-0.1, 1.0),
        left_shoulder=(0.3, 1.5),
        right_shoulder=(0.1, 1.5),
    )
    assert float(pelvic_obliquity(pts)[0]) > 0  # left hip higher
    assert float(trunk_lean(pts)[0]) > 0  # shoulders to the left of the hips


def _check_against_truth(
    metrics: xr.Dataset, truth: xr.Dataset, skeleton: xr.Dataset, tol: tuple[float, ...]
) -> None:
    stance_tol, swing_tol, norm_tol, xcom_tol = tol
    for side in SIDES:
        contact = skeleton[f"contact_{side}"].values
        for name in LEG_ANGLES:
            var = f"{name}_{side}_deg"
            err = np.abs(metrics[var].values - truth[var].values)
            assert err[contact].max() < stance_tol, var
            assert err[~contact].max() < swing_tol, var
    for var in ("pelvic_obliquity_deg", "trunk_lean_deg"):
        assert np.abs(metrics[var].values - truth[var].values).max() < stance_tol, var
    same = metrics["stance"].values == truth["stance"].values
    for var in NORMALISED:
        err = np.abs(metrics[var].values - truth[var].values)[same]
        limit = xcom_tol if var == "xcom_margin_norm" else norm_tol
        assert np.nanmax(err) < limit, var
        assert np.isnan(metrics[var].values[same]).sum() == np.isnan(truth[var].values[same]).sum()


@pytest.mark.parametrize("name", list(CAMERAS))
def test_metrics_match_truth(name: str, skeleton: xr.Dataset) -> None:
    camera = CAMERAS[name]
    body, metrics = seen(render_pose(skeleton, camera))
    truth = ground_truth(skeleton, camera=camera)
    assert list(metrics.data_vars) == list(METRIC_VARIABLES)
    assert facts(body)["view"] == ("oblique" if "oblique" in name else name)
    assert facts(body)["roll_deg"] == pytest.approx(camera.roll_deg, abs=0.2)
    assert facts(body)["labels_swapped"] == int(name == "back")
    assert (
        facts(body)["yaw_deg"] == pytest.approx(((camera.yaw_deg + 180) % 360) - 180, abs=1.0)
        or name == "back"
    )
    _check_against_truth(metrics, truth, skeleton, TOLERANCE[name])
    # stance side: right everywhere except within 2 frames of a contact change
    changes = np.flatnonzero(truth["stance"].values[1:] != truth["stance"].values[:-1])
    near = np.zeros(truth.sizes["time"], dtype=bool)
    for c in changes:
        near[max(0, c - 2) : c + 4] = True
    assert (metrics["stance"].values == truth["stance"].values)[~near].all()
    assert np.abs(metrics["com_x_px"] - truth["com_x_px"]).max() < 1.0
    assert np.abs(metrics["com_y_px"] - truth["com_y_px"]).max() < 1.0


@pytest.mark.parametrize("yaw", [90.0, -90.0])
def test_side_views(yaw: float, skeleton: xr.Dataset) -> None:
    camera = Camera(yaw_deg=yaw, roll_deg=5.0)
    body, metrics = seen(render_pose(skeleton, camera))
    truth = ground_truth(skeleton, camera=camera)
    assert facts(body)["view"] == ("left" if yaw > 0 else "right")
    assert facts(body)["frontal_valid"] == 0
    assert metrics["knee_fppa_left_deg"].isnull().all()
    assert metrics["pelvis_shift_norm"].isnull().all()
    for side in SIDES:
        var = f"knee_flexion_{side}_deg"
        assert np.abs(metrics[var] - truth[var]).max() < 0.5


def test_fppa_identity_on_measured_data(skeleton: xr.Dataset) -> None:
    metrics = metrics_of(render_pose(skeleton, Camera(yaw_deg=10.0, roll_deg=3.0)))
    for side in SIDES:
        lhs = metrics[f"knee_fppa_{side}_deg"]
        rhs = metrics[f"femur_frontal_{side}_deg"] - metrics[f"tibia_frontal_{side}_deg"]
        assert np.allclose(lhs, rhs, atol=1e-9)


def test_overrides_and_bad_input(skeleton: xr.Dataset) -> None:
    pose = render_pose(skeleton, Camera(yaw_deg=180.0))
    body, metrics = seen(pose, view="back", roll_deg=0.0, sex="female")
    assert facts(body)["view_source"] == "override"
    assert facts(body)["labels_swapped"] == 1
    assert facts(body)["roll_method"] == "override"
    assert metrics.attrs["sex"] == "female"
    with pytest.raises(InputError):
        metrics_of(pose, view="top")
    with pytest.raises(InputError):
        metrics_of(pose, sex="x")


def _single_leg_skeleton(side: str, kind: str) -> xr.Dataset:
    return simulate([QuietStance(duration_s=0.6), single_leg(side, kind)], fps=20.0)


SIGNED = ("pelvic_obliquity_deg", "pelvis_shift_norm", "trunk_lean_deg")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    side=st.sampled_from(SIDES),
    kind=st.sampled_from(["pronation", "missing", "collapse"]),
    yaw=st.sampled_from([0.0, 15.0, -20.0, 180.0, 165.0]),
    roll=st.floats(-6.0, 6.0),
)
def test_mirror_and_swap_gives_same_anatomy(side: str, kind: str, yaw: float, roll: float) -> None:
    pose = render_pose(_single_leg_skeleton(side, kind), Camera(yaw_deg=yaw, roll_deg=roll))
    original_body, original = seen(pose)
    mirrored_body, mirrored = seen(swap_sides(mirror_image(pose)))
    assert facts(mirrored_body)["view"] == facts(original_body)["view"]
    assert facts(mirrored_body)["roll_deg"] == pytest.approx(
        -facts(original_body)["roll_deg"], abs=1e-6
    )
    for var in METRIC_VARIABLES:
        a = original[var].values
        if var == "stance":
            swap = {"left": "right", "right": "left"}
            assert [swap.get(s, s) for s in mirrored[var].values] == list(a)
            continue
        twin = var.replace("left", "@").replace("right", "left").replace("@", "right")
        b = mirrored[twin].values
        if var in SIGNED:
            b = -b
        if var == "com_x_px":
            b = pose.attrs["image_width"] - b
        assert np.allclose(a, b, atol=1e-6, equal_nan=True), var


@settings(max_examples=6, deadline=None)
@given(side=st.sampled_from(SIDES), kind=st.sampled_from(["pronation", "collapse"]))
def test_front_and_back_views_agree(side: str, kind: str) -> None:
    skeleton = _single_leg_skeleton(side, kind)
    front = metrics_of(render_pose(skeleton, Camera(yaw_deg=0.0)))
    back = metrics_of(render_pose(skeleton, Camera(yaw_deg=180.0, roll_deg=4.0)))
    assert (front["stance"].values == back["stance"].values).all()
    # each view is within 0.5 deg of the truth; perspective errs in opposite directions
    for var in METRIC_VARIABLES:
        if var.endswith("_deg") and "flexion" not in var:
            assert np.abs(front[var] - back[var]).max() < 1.0, var
        elif var.endswith("_norm"):
            assert np.nanmax(np.abs(front[var] - back[var])) < 0.01, var


def test_noisy_keypoints_keep_stance(skeleton: xr.Dataset) -> None:
    camera = Camera(yaw_deg=0.0, roll_deg=5.0)
    body, metrics = seen(render_pose(skeleton, camera, noise_px=1.5, seed=3))
    truth = ground_truth(skeleton, camera=camera)
    assert facts(body)["roll_deg"] == pytest.approx(5.0, abs=1.0)
    agree = metrics["stance"].values == truth["stance"].values
    assert agree.mean() > 0.95


PITCHED = {
    "front": Camera(yaw_deg=0.0, pitch_deg=15.0, roll_deg=5.0),
    "back": Camera(yaw_deg=180.0, pitch_deg=15.0, roll_deg=5.0),
}


@pytest.mark.parametrize("name", list(PITCHED))
def test_camera_looking_down_plain_2d(name: str, skeleton: xr.Dataset) -> None:
    """A camera raised to look down by 15 deg: pitch and roll are found; the plain 2-D
    angles (no depth correction, issue 8) keep the perspective of the pitch, within 4 deg
    on the knee (below the stated FPPA uncertainty) and 0.5 deg on pelvis and trunk."""
    camera = PITCHED[name]
    body, metrics = seen(render_pose(skeleton, camera))
    truth = ground_truth(skeleton, camera=camera)
    assert facts(body)["pitch_deg"] == pytest.approx(camera.pitch_deg, abs=0.1)
    assert facts(body)["roll_deg"] == pytest.approx(camera.roll_deg, abs=0.2)
    for var, limit in (
        ("knee_fppa_left_deg", 4.0),
        ("knee_fppa_right_deg", 4.0),
        ("pelvic_obliquity_deg", 0.5),
        ("trunk_lean_deg", 0.5),
    ):
        err = np.abs(metrics[var].values - truth[var].values)
        assert np.nanmax(err) < limit, var


@pytest.mark.parametrize("yaw", [30.0, -30.0, 60.0, 135.0, -140.0])
def test_oblique_views_give_no_frontal_metrics(yaw: float, skeleton: xr.Dataset) -> None:
    """Oblique views: every frontal variable is NaN, the camera says why and where to
    stand instead; stance and knee flexion are still measured."""
    from pronate.metrics.frontal_series import FRONTAL_VARIABLES

    body, metrics = seen(render_pose(skeleton, Camera(yaw_deg=yaw, roll_deg=5.0)))
    assert facts(body)["view"] == "oblique" and facts(body)["frontal_valid"] == 0
    for var in FRONTAL_VARIABLES:
        assert metrics[var].isnull().all(), var
    assert (metrics["stance"].values != "none").mean() > 0.9
    assert metrics["knee_flexion_left_deg"].notnull().mean() > 0.9


def test_fppa_does_not_depend_on_roll(skeleton: xr.Dataset) -> None:
    """FPPA is an angle between two segments: a roll error cannot make it asymmetric;
    segment angles shift by the roll error with opposite medial signs."""
    pose = render_pose(skeleton, Camera(yaw_deg=0.0, roll_deg=2.0))
    a = metrics_of(pose, roll_deg=2.0)
    b = metrics_of(pose, roll_deg=-3.0)
    for side in SIDES:
        assert np.allclose(a[f"knee_fppa_{side}_deg"], b[f"knee_fppa_{side}_deg"], atol=1e-9)
    femur = b["femur_frontal_left_deg"] - a["femur_frontal_left_deg"]
    assert np.allclose(femur, -5.0, atol=0.3)
    assert np.allclose(b["femur_frontal_right_deg"] - a["femur_frontal_right_deg"], 5.0, atol=0.3)


def test_no_quiet_stance_means_no_roll_guess() -> None:
    """The clip starts with the weight shift: no quiet stance, so the roll is not
    estimated (0, method ``none``) and the neutral pelvis comes from double support."""
    skeleton = simulate([single_leg("left")], fps=30.0)
    body = observe(render_pose(skeleton, Camera(yaw_deg=0.0, roll_deg=5.0)))
    assert facts(body)["quiet_found"] == 0
    assert (facts(body)["roll_deg"], facts(body)["roll_method"]) == (0.0, "none")
    assert facts(body)["reference_frames"] == "both_feet"
    with_quiet_body = observe(
        render_pose(_single_leg_skeleton("left", "pronation"), Camera(roll_deg=5.0))
    )
    assert facts(with_quiet_body)["reference_frames"] == "quiet"
    assert facts(with_quiet_body)["roll_method"] == "body_axis"


def test_missing_frames_and_keypoints_are_quiet(skeleton: xr.Dataset) -> None:
    """Frames without the subject give NaN metrics and stance ``none``, without numpy
    warnings; an unseen hand or ear does not make the centre of mass undefined."""
    pose = render_pose(skeleton, Camera(yaw_deg=15.0))
    position, world = pose["position"].values.copy(), pose["world"].values.copy()
    position[100:110], world[100:110] = np.nan, np.nan
    hands = [KEYPOINTS.index(n) for n in ("left_index", "left_pinky", "right_ear")]
    position[:, hands], world[:, hands] = np.nan, np.nan
    pose["position"].values[:], pose["world"].values[:] = position, world
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics = metrics_of(pose)
    assert (metrics["stance"].values[100:110] == "none").all()
    assert metrics["knee_fppa_left_deg"][100:110].isnull().all()
    assert metrics["com_x_px"].notnull()[:100].all()
    assert metrics["com_margin_norm"].notnull().mean() > 0.8


# ----------------------------------------------------------------- real clips


def _mocap_frontal(trc: xr.DataArray) -> xr.DataArray:
    """Frontal-plane (lateral, vertical) mocap keypoints, metres: the TRC is Y up; the
    lateral axis is the trial's median horizontal right->left hip direction."""
    from pronate.camera.frames import as_plane
    from pronate.validation.reference import MARKER_TO_KEYPOINT

    pts = np.full((trc.sizes["time"], len(KEYPOINTS), 3), np.nan)
    for marker in trc["marker"].values:
        name = MARKER_TO_KEYPOINT.get(str(marker))
        if name:
            pts[:, KEYPOINTS.index(name)] = trc.sel(marker=marker).values
    hips = pts[:, KEYPOINTS.index("left_hip")] - pts[:, KEYPOINTS.index("right_hip")]
    axis = np.median(hips[:, [0, 2]], axis=0)
    axis /= np.linalg.norm(axis)
    lateral = pts[..., 0] * axis[0] + pts[..., 2] * axis[1]
    coords = xr.Dataset(coords={"time": trc["time"].values, "frame": ("time", trc["frame"].values)})
    return as_plane(
        np.stack([lateral, pts[..., 1]], axis=-1), coords.assign_coords(keypoint=list(KEYPOINTS))
    )


def _mocap_truth(trc: xr.DataArray, stance: np.ndarray) -> xr.Dataset:
    """Frontal metrics of the mocap itself, with the given stance (to compare geometry)."""
    from pronate.camera.body import neutral_frames
    from pronate.camera.stance import leg_length
    from pronate.metrics.frontal_series import frontal_metrics
    from pronate.metrics.kinematics import GRAVITY
    from pronate.metrics.support import FOOT_PER_LEG

    frontal = _mocap_frontal(trc)
    leg = leg_length(frontal.values)
    contact_l, contact_r = np.isin(stance, ("both", "left")), np.isin(stance, ("both", "right"))
    reference, _ = neutral_frames(np.zeros(len(stance), dtype=bool), contact_l, contact_r)

    def along(mask: np.ndarray) -> xr.DataArray:
        return xr.DataArray(mask, dims="time", coords={"time": frontal["time"].values})

    return frontal_metrics(
        frontal,
        neutral=along(reference),
        contact_left=along(contact_l),
        contact_right=along(contact_r),
        foot_length=FOOT_PER_LEG * leg,
        omega0=float(np.sqrt(GRAVITY / leg)),
    )


def _calibrated_view(trc: xr.DataArray, camera) -> tuple[float, float, float]:
    """(yaw, apparent roll at the pelvis, pitch) of a calibrated camera, degrees."""
    from pronate.validation.reference import convert_axes, project

    hips = convert_axes(trc.sel(marker=["LHip", "RHip"]).values)  # world: Z up
    pelvis = hips.mean(axis=1)
    lateral = hips[:, 0] - hips[:, 1]
    lateral[:, 2] = 0.0
    lateral /= np.linalg.norm(lateral, axis=1, keepdims=True)
    anterior = np.cross(lateral, [0.0, 0.0, 1.0])
    nose = convert_axes(trc.sel(marker="Nose").values) - pelvis
    anterior *= np.sign(np.median(np.sum(nose * anterior, axis=1)))
    centre = -camera.rotation_matrix.T @ camera.translation
    to_camera = centre - pelvis
    yaw = np.degrees(
        np.arctan2(np.sum(to_camera * lateral, axis=1), np.sum(to_camera * anterior, axis=1))
    )
    p = np.median(pelvis, axis=0)
    up = np.array([0.0, 0.0, 1.0])
    ends = project(np.stack([p - 0.9 * up, p + 0.6 * up])[None], camera)[0]
    d = ends[1] - ends[0]
    roll = float(np.degrees(np.arctan2(-d[0], -d[1])))
    forward = camera.rotation_matrix.T @ np.array([0.0, 0.0, 1.0])
    return float(np.median(yaw)), roll, float(np.degrees(np.arcsin(-forward[2])))


@pytest.mark.shared
@pytest.mark.parametrize("cam", ["cam01", "cam03"])
def test_oblique_geometry_on_projected_mocap(cam: str, balancing_mocap) -> None:
    """The mocap keypoints projected through the real, calibrated oblique cameras (which
    look down by 22-25 deg): view, yaw and pitch are found, and the view is called too
    oblique for frontal metrics (about 45 and 60 deg off the front / back axis)."""
    from pronate.validation.reference import reference_pose_dataset

    trc, cameras = balancing_mocap
    yaw, roll, pitch = _calibrated_view(trc, cameras[cam])
    pose = reference_pose_dataset(trc, cameras[cam])
    body, metrics = seen(pose, roll_deg=roll if cam == "cam01" else None)
    truth = _mocap_truth(trc, metrics["stance"].values)
    assert facts(body)["view"] == "oblique"
    assert facts(body)["yaw_deg"] == pytest.approx(yaw, abs=10.0)
    assert facts(body)["pitch_deg"] == pytest.approx(pitch, abs=2.0)

    def error(var: str) -> float:
        a, b = metrics[var].values, truth[var].values
        ok = np.isfinite(a) & np.isfinite(b)
        assert ok.mean() > 0.7, var
        return float(np.mean(np.abs(a[ok] - b[ok])))

    camera = json.loads(metrics.attrs["camera"])
    assert camera["frontal_measurable"] is False
    assert "around the client" in camera["placement_hint"]
    assert metrics["knee_fppa_left_deg"].isnull().all()


@pytest.mark.shared
def test_frontal_squat_fppa_is_plausible(tracked_clip) -> None:
    """Wide squat, knees out: FPPA near 0 standing, negative (varus-looking) at depth on
    both sides. The right knee flares visibly more in the video (about -60 vs -30 deg
    at the deepest frames, where the thigh points at the camera and FPPA exaggerates);
    FPPA does not depend on the roll, so the asymmetry is not a roll artefact."""
    body, metrics = seen(tracked_clip("frontal_squat"))
    quiet = metrics["time"].values <= facts(body)["quiet_end_s"]
    hip = tracked_clip("frontal_squat")["position"].sel(keypoint="left_hip", space="y").values
    deep = hip > np.nanpercentile(hip, 90)
    for side in SIDES:
        fppa = metrics[f"knee_fppa_{side}_deg"].values
        assert abs(np.nanmedian(fppa[quiet])) < 5.0, side
        assert np.nanmedian(fppa[deep]) < -10.0, side


@pytest.mark.shared
def test_balancing_oblique_clip_is_unmeasurable(tracked_clip) -> None:
    """cam01 sees him about 45 deg off his front: no frontal margin is claimed."""
    body, metrics = seen(tracked_clip("balancing_cam01"))
    assert facts(body)["view"] == "oblique"
    assert metrics["com_margin_norm"].isnull().all()
    assert (metrics["stance"].values[20:60] == "left").all()

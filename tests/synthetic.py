"""Synthetic ground truth: a scripted 3-D skeleton seen through pinhole cameras.

The skeleton has all 33 BlazePose keypoints, adult proportions (:class:`Body`), in metres,
in the *subject frame*: ``x`` anterior, ``y`` the subject's left, ``z`` up (right-handed),
floor at ``z = 0``. It moves through scripted moves: :class:`QuietStance`,
:class:`SingleLegLoading` (presets :func:`single_leg` ``pronation``, ``missing``,
``collapse``) and :class:`BilateralSquat`.

Leg segments are scripted by their frontal- and sagittal-plane inclinations: the
direction of a segment is ``(tan(sagittal), tan(frontal) * medial, -1)`` normalised, so
its orthographic projection on the frontal plane makes exactly the scripted frontal
angle. Knee valgus (the frontal effect of femur and tibia internal rotation) is
scripted as a medial femur inclination plus a lateral tibia inclination, in rhythm
(same time course) for a pronation chain, or with the tibia lagging for a collapse.
The loaded foot stays planted: each frame the whole body is translated so that the
planted heel(s) stay where they were in quiet stance.

:func:`render_pose` projects the skeleton through a :class:`Camera` and builds a pose
dataset, imitating a pose model: optional Gaussian pixel noise, face keypoints with low
confidence when the face is turned away, and (``mislabel_back=True``) left/right labels
given as if the model saw a face in back views.

:func:`ground_truth` gives the exact per-frame metrics (the variables of
:data:`pronate.metrics.schema.MEASURE_VARIABLES`): frontal metrics from the orthographic
projection of the 3-D skeleton on its frontal plane -- what a perfect 2-D measurement in
a frontal view gives -- and knee flexion from the orthographic sagittal projection. A
real camera adds perspective: a point nearer the camera by ``dz`` is magnified by
``d / (d - dz)`` and points off the camera's height are displaced vertically, so a knee
0.25 m in front of the hip in a squat bends the 2-D angles. On the default script the
worst 2-D FPPA error is about 1.2 deg at 6 m and falls as 1/d. The default
:class:`Camera` therefore stands 20 m away with a long focal length (10000 px, subject
~900 px tall) at 0.7 m (between knee and hip height): the perspective error of every
frontal angle stays below 0.4 deg in front/back views (checked by the tests); the truth
stays the orthographic value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Final, Protocol

import numpy as np
import xarray as xr

from pronate.camera import frames, stance
from pronate.camera.frames import as_plane
from pronate.camera.view import FACE
from pronate.metrics import frontal_series
from pronate.metrics.com import segmental_com
from pronate.metrics.kinematics import GRAVITY
from pronate.metrics.schema import MEASURE_VARIABLES
from pronate.metrics.support import FOOT_PER_LEG
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS, MIRROR_ORDER
from pronate.pose.schema import SPACE, make_pose_dataset

ANTERIOR: Final[np.ndarray] = np.array([1.0, 0.0, 0.0])
LEFT: Final[np.ndarray] = np.array([0.0, 1.0, 0.0])
UP: Final[np.ndarray] = np.array([0.0, 0.0, 1.0])
CONTACT_TRUTH_M: Final[float] = 0.01
"""A foot is in contact in the ground truth when its lowest point is below this height."""

SCRIPT_VARS: Final[tuple[str, ...]] = (
    "femur_frontal_left",
    "femur_frontal_right",
    "tibia_frontal_left",
    "tibia_frontal_right",
    "femur_sagittal_left",
    "femur_sagittal_right",
    "tibia_sagittal_left",
    "tibia_sagittal_right",
    "ankle_shift_left",
    "ankle_shift_right",
    "obliquity",
    "trunk_lean",
    "plant",
    "quiet",
)
"""Per-frame script: angles in degrees, ankle shifts in metres (medial of the foot),
``plant`` +1 left / -1 right / 0 both feet planted, ``quiet`` 1 in quiet stance."""

Script = dict[str, np.ndarray]


@dataclass(frozen=True, kw_only=True)
class Body:
    """Adult proportions in metres (roughly a 1.75 m adult)."""

    thigh_m: float = 0.43
    shank_m: float = 0.43
    ankle_height_m: float = 0.07
    heel_back_m: float = 0.06
    toe_out_deg: float = 7.0
    hip_width_m: float = 0.20
    trunk_m: float = 0.50
    shoulder_width_m: float = 0.38
    neck_m: float = 0.22
    upper_arm_m: float = 0.29
    forearm_m: float = 0.26
    hand_m: float = 0.09
    arm_abduction_deg: float = 12.0

    @property
    def leg_m(self) -> float:
        """Thigh + shank."""
        return self.thigh_m + self.shank_m

    @property
    def foot_m(self) -> float:
        """Heel-to-toe length, consistent with :data:`pronate.metrics.support.FOOT_PER_LEG`."""
        return FOOT_PER_LEG * self.leg_m


class Move(Protocol):
    """A scripted move: renders its per-frame script."""

    def render(self, *, fps: float, body: Body) -> Script:
        """Return the script (:data:`SCRIPT_VARS`) of this move."""
        ...


def _ramp(t: np.ndarray, *, start: float, end: float) -> np.ndarray:
    """Smooth (raised-cosine) step from 0 at ``start`` to 1 at ``end``."""
    x = np.clip((t - start) / max(end - start, 1e-9), 0.0, 1.0)
    return 0.5 * (1.0 - np.cos(np.pi * x))


def _bump(t: np.ndarray, *, start: float, end: float) -> np.ndarray:
    """Raised-cosine bump: 0 outside [start, end], 1 at the middle."""
    x = np.clip((t - start) / max(end - start, 1e-9), 0.0, 1.0)
    return 0.5 * (1.0 - np.cos(2.0 * np.pi * x))


def _empty(n: int) -> Script:
    return {name: np.zeros(n) for name in SCRIPT_VARS}


@dataclass(frozen=True, kw_only=True)
class QuietStance:
    """Standing still on both feet."""

    duration_s: float = 1.0

    def render(self, *, fps: float, body: Body) -> Script:
        """Return the script of this move."""
        script = _empty(max(1, round(self.duration_s * fps)))
        script["quiet"][:] = 1.0
        return script


@dataclass(frozen=True, kw_only=True)
class SingleLegLoading:
    """Shift onto one leg, lift the other foot, load (mini squat), and back.

    Attributes
    ----------
    side
        The loaded leg, ``left`` or ``right``.
    shift_m
        Lateral pelvis shift toward the loaded side, metres.
    trunk_lean_deg
        Trunk lean toward the loaded side.
    pelvis_hike_deg
        Pelvic obliquity at the peak of loading, positive = loaded side higher (hike),
        negative = drop.
    fppa_deg
        Peak knee valgus (FPPA) of the loaded leg.
    femur_share
        Part of the valgus carried by the femur (the rest by the tibia).
    tibia_lag_s
        Delay of the tibia's valgus movement behind the femur's.
    knee_flexion_deg
        Peak knee flexion of the loaded leg.
    ankle_shift_m
        Peak medial shift of the ankle over the foot (foot pronation).
    shift_s, lift_s, load_s
        Durations of the weight shift, of lifting the foot, and of the loading.
    """

    side: str = "left"
    shift_m: float = 0.10
    trunk_lean_deg: float = 3.0
    pelvis_hike_deg: float = 4.0
    fppa_deg: float = 8.0
    femur_share: float = 0.5
    tibia_lag_s: float = 0.0
    knee_flexion_deg: float = 30.0
    ankle_shift_m: float = 0.006
    shift_s: float = 0.6
    lift_s: float = 0.4
    load_s: float = 1.4

    def render(self, *, fps: float, body: Body) -> Script:
        """Return the script of this move."""
        total = 2 * (self.shift_s + self.lift_s) + self.load_s
        t = np.arange(round(total * fps)) / fps
        script = _empty(len(t))
        shift = _ramp(t, start=0, end=self.shift_s) - _ramp(
            t, start=total - self.shift_s, end=total
        )
        t0 = self.shift_s + self.lift_s
        lift = _ramp(t, start=self.shift_s, end=t0) - _ramp(
            t, start=total - t0, end=total - self.shift_s
        )
        femur = _bump(t, start=t0, end=t0 + self.load_s - self.tibia_lag_s)
        tibia = _bump(t, start=t0 + self.tibia_lag_s, end=t0 + self.load_s)
        tilt = np.degrees(np.arcsin(self.shift_m * shift / body.leg_m))
        s, o = self.side, "right" if self.side == "left" else "left"
        sign = 1.0 if s == "left" else -1.0
        script[f"femur_frontal_{s}"] = tilt + self.fppa_deg * self.femur_share * femur
        script[f"tibia_frontal_{s}"] = tilt - self.fppa_deg * (1 - self.femur_share) * tibia
        script[f"femur_sagittal_{s}"] = 0.5 * self.knee_flexion_deg * femur
        script[f"tibia_sagittal_{s}"] = 0.5 * self.knee_flexion_deg * femur
        script[f"ankle_shift_{s}"] = self.ankle_shift_m * tibia
        script[f"femur_frontal_{o}"] = -tilt
        script[f"tibia_frontal_{o}"] = -tilt
        script[f"femur_sagittal_{o}"] = 35.0 * lift
        script[f"tibia_sagittal_{o}"] = 35.0 * lift
        script["obliquity"] = sign * self.pelvis_hike_deg * femur
        script["trunk_lean"] = sign * self.trunk_lean_deg * shift
        script["plant"][:] = sign
        return script


def single_leg(side: str, kind: str = "pronation") -> SingleLegLoading:
    """A single-leg loading preset.

    Parameters
    ----------
    side
        The loaded leg.
    kind
        ``pronation``: weight shift over the foot, pelvis hike, 8 deg valgus in rhythm;
        ``missing``: no shift, no valgus; ``collapse``: 22 deg valgus, femur-dominant
        with the tibia 0.3 s late, pelvis drop.
    """
    if kind == "pronation":
        return SingleLegLoading(side=side)
    if kind == "missing":
        return SingleLegLoading(
            side=side,
            shift_m=0.015,
            trunk_lean_deg=0.0,
            pelvis_hike_deg=0.0,
            fppa_deg=0.0,
            ankle_shift_m=0.0,
        )
    if kind == "collapse":
        return SingleLegLoading(
            side=side,
            pelvis_hike_deg=-4.0,
            fppa_deg=22.0,
            femur_share=0.75,
            tibia_lag_s=0.3,
            knee_flexion_deg=40.0,
            ankle_shift_m=0.015,
        )
    raise ValueError(f"kind must be pronation, missing or collapse, got {kind!r}")


def _tibia_for_planted_ankle(
    *, femur_deg: np.ndarray, femur_sag_deg: np.ndarray, tibia_sag_deg: np.ndarray, body: Body
) -> np.ndarray:
    """Tibia frontal angle (deg) that keeps the ankle under its quiet-stance position."""
    tf, sf, st = (np.tan(np.radians(a)) for a in (femur_deg, femur_sag_deg, tibia_sag_deg))
    q = body.thigh_m * tf / np.sqrt(1 + tf**2 + sf**2)
    tb = q * np.sqrt(1 + st**2) / np.sqrt(body.shank_m**2 - q**2)
    return np.asarray(-np.degrees(np.arctan(tb)))


@dataclass(frozen=True, kw_only=True)
class BilateralSquat:
    """Squat repetitions on both feet with symmetric knee valgus."""

    reps: int = 2
    rep_s: float = 2.0
    pause_s: float = 0.3
    knee_flexion_deg: float = 60.0
    fppa_deg: float = 6.0

    def render(self, *, fps: float, body: Body) -> Script:
        """Return the script of this move."""
        period = self.rep_s + self.pause_s
        t = np.arange(round(self.reps * period * fps)) / fps
        b = _bump(t % period, start=0.0, end=self.rep_s)
        script = _empty(len(t))
        flex = self.knee_flexion_deg * b
        femur = 0.5 * self.fppa_deg * b
        for side in ("left", "right"):
            script[f"femur_sagittal_{side}"] = 0.55 * flex
            script[f"tibia_sagittal_{side}"] = 0.45 * flex
            script[f"femur_frontal_{side}"] = femur
            script[f"tibia_frontal_{side}"] = _tibia_for_planted_ankle(
                femur_deg=femur, femur_sag_deg=0.55 * flex, tibia_sag_deg=0.45 * flex, body=body
            )
        return script


def default_moves() -> tuple[Move, ...]:
    """A demonstration script: every kind of loading, with quiet stance between."""
    gap = QuietStance(duration_s=0.6)
    return (
        QuietStance(duration_s=1.0),
        single_leg("left", "pronation"),
        gap,
        single_leg("right", "pronation"),
        gap,
        single_leg("left", "missing"),
        gap,
        single_leg("right", "collapse"),
        gap,
        BilateralSquat(),
        gap,
    )


def _norm(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _col(a: np.ndarray) -> np.ndarray:
    return np.asarray(a)[:, None]


def _leg(script: Script, side: str, hip: np.ndarray, body: Body) -> dict[str, np.ndarray]:
    medial = -LEFT if side == "left" else LEFT
    rad = {
        k: np.tan(np.radians(script[f"{k}_{side}"]))
        for k in ("femur_frontal", "tibia_frontal", "femur_sagittal", "tibia_sagittal")
    }
    d_femur = _norm(
        _col(rad["femur_frontal"]) * medial + _col(rad["femur_sagittal"]) * ANTERIOR - UP
    )
    knee = hip + body.thigh_m * d_femur
    d_tibia = _norm(
        _col(rad["tibia_frontal"]) * medial - _col(rad["tibia_sagittal"]) * ANTERIOR - UP
    )
    ankle = knee + body.shank_m * d_tibia
    toe_out = np.radians(body.toe_out_deg)
    axis = np.cos(toe_out) * ANTERIOR - np.sin(toe_out) * medial
    foot = ankle - _col(script[f"ankle_shift_{side}"]) * medial - body.ankle_height_m * UP
    return {
        f"{side}_knee": knee,
        f"{side}_ankle": ankle,
        f"{side}_heel": foot - body.heel_back_m * axis,
        f"{side}_foot_index": foot + (body.foot_m - body.heel_back_m) * axis,
    }


def _upper_body(script: Script, centre: np.ndarray, body: Body) -> dict[str, np.ndarray]:
    lean = np.radians(script["trunk_lean"])
    axis = _col(np.sin(lean)) * LEFT + _col(np.cos(lean)) * UP
    across = _col(np.cos(lean)) * LEFT - _col(np.sin(lean)) * UP
    neck = centre + body.trunk_m * axis
    ear = neck + body.neck_m * axis
    p = {
        "left_ear": ear + 0.075 * across,
        "right_ear": ear - 0.075 * across,
        "nose": ear + 0.10 * ANTERIOR - 0.01 * axis,
        "mouth_left": ear + 0.085 * ANTERIOR - 0.05 * axis + 0.025 * across,
        "mouth_right": ear + 0.085 * ANTERIOR - 0.05 * axis - 0.025 * across,
    }
    for name, off in (("eye_inner", 0.02), ("eye", 0.033), ("eye_outer", 0.046)):
        p[f"left_{name}"] = ear + 0.08 * ANTERIOR + 0.03 * axis + off * across
        p[f"right_{name}"] = ear + 0.08 * ANTERIOR + 0.03 * axis - off * across
    abd = np.radians(body.arm_abduction_deg)
    for side, s in (("left", 1.0), ("right", -1.0)):
        shoulder = neck + s * 0.5 * body.shoulder_width_m * across
        arm = _norm(np.sin(abd) * s * across - np.cos(abd) * axis + 0.1 * ANTERIOR)
        elbow = shoulder + body.upper_arm_m * arm
        fore = _norm(arm + 0.3 * ANTERIOR)
        wrist = elbow + body.forearm_m * fore
        p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"] = shoulder, elbow, wrist
        p[f"{side}_index"] = wrist + body.hand_m * fore + 0.02 * ANTERIOR
        p[f"{side}_pinky"] = wrist + 0.85 * body.hand_m * fore - 0.02 * ANTERIOR + 0.01 * s * across
        p[f"{side}_thumb"] = wrist + 0.5 * body.hand_m * fore + 0.03 * ANTERIOR
    return p


def skeleton_points(script: Script, *, body: Body) -> np.ndarray:
    """Keypoints (time, 33, 3) of a script with the pelvis centre at the origin."""
    n = len(script["plant"])
    centre = np.zeros((n, 3))
    rho = np.radians(script["obliquity"])
    half = 0.5 * body.hip_width_m * (_col(np.cos(rho)) * LEFT + _col(np.sin(rho)) * UP)
    p: dict[str, np.ndarray] = {"left_hip": centre + half, "right_hip": centre - half}
    for side in ("left", "right"):
        p.update(_leg(script, side, p[f"{side}_hip"], body))
    p.update(_upper_body(script, centre, body))
    return np.stack([p[name] for name in KEYPOINTS], axis=1)


def _plant(points: np.ndarray, script: Script, body: Body) -> np.ndarray:
    """Translate each frame so the planted heel(s) stay at their quiet-stance place."""
    neutral = skeleton_points(_empty(1), body=body)[0]
    hl, hr = KEYPOINT_INDEX["left_heel"], KEYPOINT_INDEX["right_heel"]
    floor = np.array([0.0, 0.0, neutral[hl, 2]])
    target_l, target_r = neutral[hl] - floor, neutral[hr] - floor
    shift_l = target_l - points[:, hl]
    shift_r = target_r - points[:, hr]
    plant = _col(script["plant"])
    shift = np.where(plant > 0, shift_l, np.where(plant < 0, shift_r, 0.5 * (shift_l + shift_r)))
    return points + shift[:, None, :]


def simulate(
    moves: Sequence[Move] | None = None, *, fps: float = 30.0, body: Body | None = None
) -> xr.Dataset:
    """Run a script of moves and return the 3-D skeleton.

    Parameters
    ----------
    moves
        The moves, in order; :func:`default_moves` when None.
    fps
        Frame rate.
    body
        Proportions; :class:`Body` defaults when None.

    Returns
    -------
    xarray.Dataset
        ``points`` (time, keypoint, space) in metres in the subject frame, the script
        variables (time) of :data:`SCRIPT_VARS`, ``contact_left`` / ``contact_right``
        (bool, time); attrs ``fps`` and ``body`` (JSON).
    """
    body = body or Body()
    parts = [m.render(fps=fps, body=body) for m in (moves or default_moves())]
    script = {k: np.concatenate([p[k] for p in parts]) for k in SCRIPT_VARS}
    points = _plant(skeleton_points(script, body=body), script, body)
    n = points.shape[0]
    time_s = np.arange(n) / fps
    coords = {
        "time": time_s,
        "frame": ("time", np.arange(n)),
        "keypoint": list(KEYPOINTS),
        "space": list(SPACE),
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        "points": (("time", "keypoint", "space"), points)
    }
    data.update({k: (("time",), v) for k, v in script.items()})
    for side in ("left", "right"):
        feet = points[:, [KEYPOINT_INDEX[f"{side}_heel"], KEYPOINT_INDEX[f"{side}_foot_index"]], 2]
        data[f"contact_{side}"] = (("time",), feet.min(axis=1) < CONTACT_TRUTH_M)
    return xr.Dataset(
        data, coords=coords, attrs={"fps": float(fps), "body": json.dumps(asdict(body))}
    )


def body_of(skeleton: xr.Dataset) -> Body:
    """The :class:`Body` a skeleton was made with."""
    return Body(**json.loads(skeleton.attrs["body"]))


@dataclass(frozen=True, kw_only=True)
class Camera:
    """A pinhole camera looking horizontally at the subject.

    Attributes
    ----------
    yaw_deg
        Where the camera stands around the subject: 0 in front, 90 at the subject's left,
        -90 at the right, 180 behind (:mod:`pronate.camera.frames` convention).
    distance_m
        Horizontal distance from the subject's quiet-stance centre.
    height_m
        Height of the point the camera looks at, and of the camera itself when
        ``pitch_deg`` is 0.
    pitch_deg
        How far the camera looks down at that point (positive; it is raised by
        ``distance_m * tan(pitch_deg)``), as a tripod above the subject does.
    roll_deg
        Rotation of the camera about its optical axis; the scene appears rotated
        counter-clockwise on screen by this angle.
    focal_px
        Focal length in pixels.
    width, height
        Image size in pixels; the principal point is the image centre.
    """

    yaw_deg: float = 0.0
    distance_m: float = 20.0
    height_m: float = 0.7
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    focal_px: float = 10000.0
    width: int = 1920
    height: int = 1080

    def centre(self) -> np.ndarray:
        """Camera centre in the subject frame."""
        yaw = np.radians(self.yaw_deg)
        raise_m = self.distance_m * np.tan(np.radians(self.pitch_deg))
        return (
            self.distance_m * (np.cos(yaw) * ANTERIOR + np.sin(yaw) * LEFT)
            + (self.height_m + raise_m) * UP
        )

    def rotation(self) -> np.ndarray:
        """Rows: camera right, down and forward axes in the subject frame."""
        c = self.centre()
        forward = _norm(self.height_m * UP - c)
        right = _norm(np.cross(forward, UP))
        down = np.cross(forward, right)
        r = np.radians(self.roll_deg)
        return np.stack(
            [np.cos(r) * right + np.sin(r) * down, -np.sin(r) * right + np.cos(r) * down, forward]
        )

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """Subject-frame points (..., 3) -> camera frame (x right, y down, z forward)."""
        return np.asarray((points - self.centre()) @ self.rotation().T)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Subject-frame points (..., 3) -> pixels (..., 2), y down."""
        cam = self.to_camera(points)
        u = self.focal_px * cam[..., 0] / cam[..., 2] + self.width / 2
        v = self.focal_px * cam[..., 1] / cam[..., 2] + self.height / 2
        return np.stack([u, v], axis=-1)


def render_pose(
    skeleton: xr.Dataset,
    camera: Camera,
    *,
    noise_px: float = 0.0,
    seed: int = 0,
    mislabel_back: bool = True,
) -> xr.Dataset:
    """Project a skeleton into a pose dataset, imitating a pose model.

    Parameters
    ----------
    skeleton
        Output of :func:`simulate`.
    camera
        The camera.
    noise_px
        Standard deviation of Gaussian noise added to pixel x and y.
    seed
        Seed of the noise.
    mislabel_back
        In back views (camera behind the subject's frontal plane) label left and right as
        a model that believes it sees a face would.

    Returns
    -------
    xarray.Dataset
        A pose dataset; ``world`` is the skeleton in the camera's axes (x right, y down,
        z away) centred between the hips, like a pose model's world landmarks.
    """
    points = skeleton["points"].values
    uv = camera.project(points)
    if noise_px > 0:
        uv = uv + np.random.default_rng(seed).normal(0.0, noise_px, uv.shape)
    cam = camera.to_camera(points)
    hips = cam[:, [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]].mean(
        axis=1, keepdims=True
    )
    world = cam - hips
    depth = camera.focal_px * world[..., 2] / hips[..., 2]
    position = np.concatenate([uv, depth[..., None]], axis=-1)
    confidence = np.full(points.shape[:2], 0.95)
    face = [KEYPOINT_INDEX[n] for n in FACE]
    confidence[:, face] = np.clip(0.5 + 0.45 * np.cos(np.radians(camera.yaw_deg)), 0.05, 0.95)
    if mislabel_back and np.cos(np.radians(camera.yaw_deg)) < 0:
        order = list(MIRROR_ORDER)
        position, world, confidence = position[:, order], world[:, order], confidence[:, order]
    return make_pose_dataset(
        position=position,
        confidence=confidence,
        world=world,
        time_s=skeleton["time"].values,
        fps=float(skeleton.attrs["fps"]),
        source_video="synthetic",
        model="synthetic",
        image_width=camera.width,
        image_height=camera.height,
        extra_attrs={"synthetic_camera": json.dumps(asdict(camera))},
    )


def ground_truth(
    skeleton: xr.Dataset, *, camera: Camera | None = None, sex: str = "mean"
) -> xr.Dataset:
    """Exact per-frame metrics of a skeleton (the variables of ``MEASURE_VARIABLES``).

    Frontal metrics come from the orthographic projection on the subject's frontal plane
    (``y``, ``z``), knee flexion from the sagittal plane (``x``, ``z``), stance from the
    scripted contacts, the quiet-stance reference from the :class:`QuietStance` frames.
    ``com_x_px`` / ``com_y_px`` are the projection of the 3-D centre of mass through
    ``camera`` (NaN without a camera).
    """
    body = body_of(skeleton)
    pts = skeleton["points"]
    frontal = as_plane(pts.sel(space=["y", "z"]).values, skeleton)
    sagittal = as_plane(pts.sel(space=["x", "z"]).values, skeleton, plane=("a", "b"))
    c_l, c_r = skeleton["contact_left"], skeleton["contact_right"]
    out = frontal_series.frontal_metrics(
        frontal,
        neutral=skeleton["quiet"] > 0,
        contact_left=c_l,
        contact_right=c_r,
        foot_length=body.foot_m,
        omega0=float(np.sqrt(GRAVITY / body.leg_m)),
        sex=sex,
    )
    for side in ("left", "right"):
        out[f"knee_flexion_{side}_deg"] = frontal_series.knee_flexion(sagittal, side=side)
    com = segmental_com(pts, sex=sex).values
    com_px = camera.project(com) if camera is not None else np.full((len(com), 2), np.nan)
    out["com_x_px"] = ("time", com_px[:, 0])
    out["com_y_px"] = ("time", com_px[:, 1])
    out["stance"] = ("time", stance.stance_labels(c_l.values, c_r.values))
    return out[list(MEASURE_VARIABLES)]


def mirror_image(pose: xr.Dataset) -> xr.Dataset:
    """Return ``pose`` as seen in a mirror: ``x -> W - x``, world ``x -> -x``.

    Labels are left as they are, so the result shows a mirrored subject whose labels
    are wrong; :func:`swap_sides` makes them right again.
    """
    out = pose.copy()
    width = float(pose.attrs["image_width"])
    for name in frames.POINT_VARS:
        if name in out:
            values = out[name].values.copy()
            values[..., 0] = (
                width - values[..., 0] if name.startswith("position") else -values[..., 0]
            )
            out[name] = out[name].copy(data=values)
    return out

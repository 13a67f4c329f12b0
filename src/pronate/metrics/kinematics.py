"""Per-frame metrics of the pronation chain from a pose dataset.

:func:`compute_metrics` turns a pose dataset (:mod:`pronate.pose.schema`) into a *metrics
dataset*: an :class:`xarray.Dataset` along ``time`` (same ``time`` and ``frame``
coordinates as the pose) with one variable per column of ``timeseries.csv``
(:data:`METRIC_VARIABLES`). The reference frames, the view and the left/right labels
are described in :mod:`pronate.camera.frames`; the frontal series in
:mod:`pronate.metrics.frontal_series` (angles by :mod:`pronate.metrics.angles`); contact and base
of support in
:mod:`pronate.camera.stance`; the centre of mass in :mod:`pronate.metrics.com`.

Sign conventions (frontal plane, ``lateral`` toward the subject's left, ``vertical`` up;
medial is toward the other leg's hip):

- ``knee_fppa_{side}_deg`` = 180 - angle(hip, knee, ankle), positive when the knee is
  medial of the hip-ankle line (valgus), negative for varus.
- ``femur_frontal_{side}_deg``: hip -> knee against the downward vertical, positive
  when the knee is medial of the hip; ``tibia_frontal_{side}_deg``: knee -> ankle,
  positive when the ankle is medial of the knee. FPPA = femur - tibia.
- ``pelvic_obliquity_deg``: right -> left hip against horizontal, positive when the
  LEFT hip is higher.
- ``pelvis_shift_norm``: hip-midpoint lateral displacement from its position in the
  reference frames (:func:`reference_frames`: the quiet stance, else double support),
  in hip widths (reference frames), positive toward the left.
- ``trunk_lean_deg``: mid-hip -> mid-shoulder against vertical, positive toward the left.
- ``com_x_px``, ``com_y_px``: centre of mass in the original image pixels (y down).
- ``com_margin_norm`` / ``xcom_margin_norm``: lateral margin of the CoM / extrapolated
  CoM (Hof 2005: x + v / omega0, omega0 = sqrt(g / l), l = leg length in metres from the
  world landmarks) inside the base of support, in foot lengths, positive inside.
- ``ankle_medial_shift_{side}_norm`` (experimental foot-pronation proxy): ankle lateral
  offset medial of the heel-toe midpoint, minus its reference-frames value, in foot
  lengths.
- ``knee_flexion_{side}_deg`` = 180 - angle(hip, knee, ankle) in the sagittal plane:
  from the image in side views, from the level world landmarks in oblique views, NaN in
  front and back views.

Frontal metrics are NaN in side views. In oblique views they rest on the model's depth
estimate (world landmarks): on the balancing trial the heavy model makes the subject's
turn look 15-20 deg smaller than the mocap and hardly sees his lean in depth, so pelvis
shift and margins there are rough (perfect keypoints through the same cameras reproduce
the mocap's margins within 0.15 foot lengths).
"""

from __future__ import annotations

import json
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.camera import frames, stance
from pronate.camera.contact import foot_contact
from pronate.camera.estimate import Camera, estimate_camera, reference_frames
from pronate.errors import InputError
from pronate.metrics.angles import SIDES
from pronate.metrics.com import SEXES, segmental_com

# The frontal series are computed in pronate.metrics.frontal_series and found here, with
# compute_metrics (explicit re-exports).
from pronate.metrics.frontal_series import FRONTAL_VARIABLES as FRONTAL_VARIABLES
from pronate.metrics.frontal_series import femur_frontal as femur_frontal
from pronate.metrics.frontal_series import frontal_metrics as frontal_metrics
from pronate.metrics.frontal_series import hip_width as hip_width
from pronate.metrics.frontal_series import knee_flexion as knee_flexion
from pronate.metrics.frontal_series import knee_fppa as knee_fppa
from pronate.metrics.frontal_series import pelvic_obliquity as pelvic_obliquity
from pronate.metrics.frontal_series import tibia_frontal as tibia_frontal
from pronate.metrics.frontal_series import trunk_lean as trunk_lean
from pronate.pose.schema import validate_pose_dataset

GRAVITY: Final[float] = 9.81
DEFAULT_LEG_LENGTH_M: Final[float] = 0.86

METRIC_VARIABLES: Final[tuple[str, ...]] = (
    "knee_fppa_left_deg",
    "knee_fppa_right_deg",
    "femur_frontal_left_deg",
    "femur_frontal_right_deg",
    "tibia_frontal_left_deg",
    "tibia_frontal_right_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "pelvic_obliquity_deg",
    "pelvis_shift_norm",
    "trunk_lean_deg",
    "com_x_px",
    "com_y_px",
    "stance",
    "com_margin_norm",
    "xcom_margin_norm",
    "ankle_medial_shift_left_norm",
    "ankle_medial_shift_right_norm",
)
"""Data variables of a metrics dataset, in ``timeseries.csv`` column order."""


def _world_leg_length_m(world_up: np.ndarray) -> float:
    length = stance.leg_length(world_up)
    return length if np.isfinite(length) and length > 0.3 else DEFAULT_LEG_LENGTH_M


def _finite_or(value: float, default: float) -> float:
    return value if np.isfinite(value) and value > 0 else default


def _time_mask(pose: xr.Dataset, mask: np.ndarray) -> xr.DataArray:
    return xr.DataArray(
        mask,
        dims=("time",),
        coords={"time": pose["time"].values, "frame": ("time", pose["frame"].values)},
    )


def _contacts(uv: np.ndarray, time_s: np.ndarray, leg: float) -> tuple[np.ndarray, np.ndarray]:
    left, right = (foot_contact(uv, side=side, time_s=time_s, leg=leg) for side in SIDES)
    return left, right


def compute_metrics(
    pose: xr.Dataset,
    *,
    camera: Camera | None = None,
    view: str | None = None,
    roll_deg: float | None = None,
    sex: str = "mean",
) -> xr.Dataset:
    """Per-frame metrics of the pronation chain.

    Parameters
    ----------
    pose
        A pose dataset (:mod:`pronate.pose.schema`), labels as the model gave them.
    camera
        The camera (:func:`pronate.camera.estimate.estimate_camera`); estimated here from the pose
        alone (no scene lines) with ``view`` and ``roll_deg`` when None.
    view
        Override of the view (one of :data:`pronate.camera.frames.VIEWS`), without ``camera``.
    roll_deg
        Override of the camera roll in degrees, without ``camera``.
    sex
        ``female``, ``male`` or ``mean`` (de Leva table for the centre of mass).

    Returns
    -------
    xarray.Dataset
        The metrics dataset: variables :data:`METRIC_VARIABLES` along ``time`` and the
        attributes described in :func:`metrics_attrs`. Frontal variables are NaN unless
        ``camera.frontal_measurable`` (front and back views).

    Raises
    ------
    InputError
        For an unknown ``view`` or ``sex``.
    """
    validate_pose_dataset(pose)
    if sex not in SEXES:
        raise InputError(f"sex must be one of {SEXES}, got {sex!r}")
    if camera is None:
        camera = estimate_camera(pose, view=view, roll_deg=roll_deg)
    info = camera.view
    if info.labels_swapped:
        pose = frames.swap_sides(pose)
    width, height = float(pose.attrs["image_width"]), float(pose.attrs["image_height"])
    time_s = pose["time"].values
    uv = frames.upright_image(
        pose["position"].values, width=width, height=height, roll_deg=camera.roll_deg
    )
    world = frames.upright_world(pose["world"].values, roll_deg=camera.roll_deg)
    leg_px = stance.leg_length(uv)
    c_l, c_r = _contacts(uv, time_s, leg_px)
    quiet = stance.quiet_stance(uv, contact_left=c_l, contact_right=c_r, time_s=time_s, leg=leg_px)
    reference, reference_kind = reference_frames(quiet, c_l, c_r)
    level = frames.level_world(world, pitch_deg=camera.pitch_deg)
    leg_m = _world_leg_length_m(world)
    frontal_np = frames.frontal_points(uv, view=info.view)
    if not camera.frontal_measurable:
        frontal_np = np.full_like(frontal_np, np.nan)
    frontal = frames.as_plane(frontal_np, pose)
    foot_px = stance.FOOT_PER_LEG * leg_px
    metrics = frontal_metrics(
        frontal,
        quiet=_time_mask(pose, reference),
        contact_left=_time_mask(pose, c_l),
        contact_right=_time_mask(pose, c_r),
        foot_length=foot_px,
        omega0=float(np.sqrt(GRAVITY / leg_m)),
        sex=sex,
    )
    for side in SIDES:
        metrics[f"knee_flexion_{side}_deg"] = _knee_flexion(pose, uv, level, info, side)
    com_px = segmental_com(pose["position"], sex=sex)
    metrics["com_x_px"] = com_px.sel(space="x", drop=True)
    metrics["com_y_px"] = com_px.sel(space="y", drop=True)
    metrics["stance"] = _time_mask(pose, stance.stance_labels(c_l, c_r))
    metrics = metrics[list(METRIC_VARIABLES)]
    metrics.attrs = metrics_attrs(
        camera=camera,
        sex=sex,
        quiet=quiet,
        reference=reference,
        reference_kind=reference_kind,
        time_s=time_s,
        frontal=frontal,
        leg_px=leg_px,
        leg_m=leg_m,
    )
    metrics.attrs["model"] = str(pose.attrs.get("model", ""))
    _set_units(metrics)
    return metrics


def _knee_flexion(
    pose: xr.Dataset, uv: np.ndarray, world: np.ndarray, info: frames.ViewInfo, side: str
) -> xr.DataArray:
    if info.view in ("left", "right"):
        points = uv
    elif info.view == "oblique":
        points = frames.sagittal_world(world, yaw_deg=info.yaw_deg)
    else:
        points = np.full_like(uv, np.nan)
    return knee_flexion(frames.as_plane(points, pose, plane=("a", "b")), side=side)


def metrics_attrs(
    *,
    camera: Camera,
    sex: str,
    quiet: np.ndarray,
    reference: np.ndarray,
    reference_kind: str,
    time_s: np.ndarray,
    frontal: xr.DataArray,
    leg_px: float,
    leg_m: float,
) -> dict[str, Any]:
    """Attributes of a metrics dataset.

    ``view`` (str), ``view_source`` (``auto``/``override``), ``yaw_deg``, ``roll_deg``,
    ``roll_method`` (see :mod:`pronate.camera.estimate`), ``roll_confidence``, ``pitch_deg``,
    ``labels_swapped`` (int 0/1), ``sex``, ``quiet_found`` (int 0/1), ``quiet_start_s`` /
    ``quiet_end_s`` (first/last quiet-stance frame time, NaN if none), ``quiet_frames``
    (int), ``reference_frames`` (``quiet``, ``both_feet`` or ``all``: the frames that
    define the neutral pelvis and ankle positions, see
    :func:`pronate.camera.estimate.reference_frames`), ``hip_width_px`` (frontal, reference
    frames; NaN when not measurable), ``leg_length_px`` (thigh + shank in the
    roll-corrected image), ``foot_length_px`` (estimated from it, used for ``_norm``),
    ``leg_length_m`` (world landmarks, for Hof's omega0), ``px_per_m``,
    ``frontal_valid`` (int 0/1: frontal metrics measurable in this view), ``camera``
    (JSON of :meth:`pronate.camera.estimate.Camera.as_dict`).
    """
    ref_da = xr.DataArray(reference, dims=("time",), coords={"time": frontal["time"].values})
    has_quiet = bool(quiet.any())
    return {
        "view": camera.view.view,
        "view_source": camera.view.source,
        "yaw_deg": float(camera.view.yaw_deg),
        "roll_deg": float(camera.roll_deg),
        "roll_method": camera.roll_method,
        "roll_confidence": camera.roll_confidence,
        "pitch_deg": float(camera.pitch_deg),
        "labels_swapped": int(camera.view.labels_swapped),
        "sex": sex,
        "quiet_found": int(has_quiet),
        "quiet_start_s": float(time_s[quiet][0]) if has_quiet else float("nan"),
        "quiet_end_s": float(time_s[quiet][-1]) if has_quiet else float("nan"),
        "quiet_frames": int(quiet.sum()),
        "reference_frames": reference_kind,
        "hip_width_px": hip_width(frontal, quiet=ref_da),
        "leg_length_px": float(leg_px),
        "foot_length_px": float(stance.FOOT_PER_LEG * leg_px),
        "leg_length_m": float(leg_m),
        "px_per_m": float(camera.px_per_m),
        "frontal_valid": int(camera.frontal_measurable),
        "camera": json.dumps(camera.as_dict()),
    }


_UNITS: Final[dict[str, str]] = {"deg": "deg", "norm": "1", "px": "px"}


def _set_units(metrics: xr.Dataset) -> None:
    for name in metrics.data_vars:
        suffix = str(name).rsplit("_", 1)[-1]
        if suffix in _UNITS:
            metrics[name].attrs["units"] = _UNITS[suffix]

"""Per-frame metrics of the pronation chain, from the body as the camera sees it.

:func:`compute_metrics` turns the body as the camera sees it (:class:`pronate.camera.body.Body`,
made once by :func:`pronate.camera.body.observe`) into a *metrics dataset*
(:mod:`pronate.metrics.schema`): one variable per column of ``timeseries.csv``. The
coordinate frames are described in :mod:`pronate.camera.frames`, the view and the
left/right labels in :mod:`pronate.camera.view`; the frontal series in
:mod:`pronate.metrics.frontal_series` (angles by :mod:`pronate.metrics.angles`); contact
and base of support in :mod:`pronate.camera.stance`; the centre of mass in
:mod:`pronate.metrics.com`.

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
  neutral frames (:func:`pronate.camera.body.neutral_frames`: the quiet stance, else
  double support), in hip widths (neutral frames), positive toward the left.
- ``trunk_lean_deg``: mid-hip -> mid-shoulder against vertical, positive toward the left.
- ``com_x_px``, ``com_y_px``: centre of mass in the original image pixels (y down).
- ``com_margin_norm`` / ``xcom_margin_norm``: lateral margin of the CoM / extrapolated
  CoM (Hof 2005: x + v / omega0, omega0 = sqrt(g / l), l = leg length in metres from the
  world landmarks) inside the base of support, in foot lengths, positive inside.
- ``ankle_medial_shift_{side}_norm`` (experimental foot-pronation proxy): ankle lateral
  offset medial of the heel-toe midpoint, minus its neutral-frames value, in foot
  lengths.
- ``knee_flexion_{side}_deg`` = 180 - angle(hip, knee, ankle) in the sagittal plane:
  from the image in side views, from the level world landmarks in oblique views, NaN in
  front and back views.

Frontal metrics (every one but knee flexion and the centre of mass in pixels) are given in
front and back views only, NaN in oblique and side views (:mod:`pronate.camera.body`).
"""

from __future__ import annotations

import json
from typing import Final

import numpy as np
import xarray as xr

from pronate.camera import frames, stance
from pronate.camera.body import Body
from pronate.errors import InputError
from pronate.metrics.angles import SIDES
from pronate.metrics.com import SEXES, segmental_com
from pronate.metrics.frontal_series import (
    FRONTAL_VARIABLES,
    frontal_metrics,
    hip_width,
    knee_flexion,
)
from pronate.metrics.schema import METRIC_VARIABLES, set_units, validate_metrics_dataset
from pronate.metrics.support import FOOT_PER_LEG
from pronate.metrics.uncertainty import UNCERTAINTY_SUFFIX, frame_uncertainty

GRAVITY: Final[float] = 9.81
DEFAULT_LEG_LENGTH_M: Final[float] = 0.86
"""Leg length (m) for Hof's omega0 when the world landmarks give none above 0.3 m."""


def compute_metrics(body: Body, *, sex: str = "mean") -> xr.Dataset:
    """Per-frame metrics of the pronation chain.

    Parameters
    ----------
    body
        The body as the camera sees it (:func:`pronate.camera.body.observe`).
    sex
        ``female``, ``male`` or ``mean`` (de Leva table for the centre of mass).

    Returns
    -------
    xarray.Dataset
        The metrics dataset (:mod:`pronate.metrics.schema`), validated. Frontal variables
        are NaN unless ``body.camera.frontal_measurable`` (front and back views).

    Raises
    ------
    InputError
        For an unknown ``sex``.
    """
    if sex not in SEXES:
        raise InputError(f"sex must be one of {SEXES}, got {sex!r}")
    # What the camera stage gives, as labelled arrays along the pose's time.
    pose = body.pose
    camera = json.dumps(body.camera.as_dict())
    frontal = frames.as_plane(body.frontal, pose)
    sagittal = frames.as_plane(body.sagittal, pose, plane=("a", "b"))
    neutral = body.along_time(body.neutral)
    contact_left = body.along_time(body.contact_left)
    contact_right = body.along_time(body.contact_right)
    stance_labels = body.along_time(body.stance)
    leg_m = stance.leg_length(body.world)
    if not (np.isfinite(leg_m) and leg_m > 0.3):
        leg_m = DEFAULT_LEG_LENGTH_M
    foot_px = FOOT_PER_LEG * body.leg_px
    # The metrics.
    metrics = frontal_metrics(
        frontal,
        neutral=neutral,
        contact_left=contact_left,
        contact_right=contact_right,
        foot_length=foot_px,
        omega0=float(np.sqrt(GRAVITY / leg_m)),
        sex=sex,
    )
    for side in SIDES:
        metrics[f"knee_flexion_{side}_deg"] = knee_flexion(sagittal, side=side)
    com_px = segmental_com(pose["position"], sex=sex)
    metrics["com_x_px"] = com_px.sel(space="x", drop=True)
    metrics["com_y_px"] = com_px.sel(space="y", drop=True)
    metrics["stance"] = stance_labels
    model = str(pose.attrs.get("model", ""))
    values = {name: np.asarray(metrics[name].values) for name in FRONTAL_VARIABLES}
    sigmas = frame_uncertainty(body.frontal, values, leg_px=body.leg_px, model=model)
    for name, sigma in sigmas.items():
        metrics[name + UNCERTAINTY_SUFFIX] = ("time", sigma)
    metrics = metrics[list(METRIC_VARIABLES)]
    metrics.attrs = {
        "model": model,
        "sex": sex,
        "camera": camera,
        "hip_width_px": hip_width(frontal, neutral=neutral),
        "leg_length_px": float(body.leg_px),
        "foot_length_px": float(foot_px),
        "leg_length_m": float(leg_m),
        "neutral_frames": body.neutral_kind,
        "quiet_frames": int(body.quiet.sum()),
    }
    set_units(metrics)
    return validate_metrics_dataset(metrics)

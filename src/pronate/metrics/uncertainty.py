"""Measurement uncertainty of every reported number: one table, and how it is measured.

The "+/-" of a metric is the root-mean-square error of the same *image-plane* quantity
computed from pronate's keypoints and from the motion-capture keypoints projected into
the same camera (:func:`pronate.validation.accuracy.image_plane_errors`, printed by
``pronate validate``). It is the
error the pose model adds to a 2-D measurement, which is what a front or back view
reports; the perspective of a camera 15 deg above the hips adds at most 3-4 deg on the
knee (synthetic, ``tests/metrics/test_kinematics.py``), inside these figures.

:data:`TABLE` holds the figures measured with ``pronate validate`` on the balancing
trial's ``cam01`` (1080x1920, 60 fps, the subject ~1300 px tall), one row per model.
That camera is oblique (about 45 deg off his front): the hip line is foreshortened and
the hips are the model's worst points (20-35 px), so these figures are conservative
for front and back views, whose held-back clips are scored independently of this table. A criterion
whose value lies within its uncertainty of the threshold is ``uncertain``
(:func:`status`).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from pronate.metrics.frontal_series import FRONTAL_VARIABLES

ANGLE_METRICS: Final[tuple[str, ...]] = tuple(
    name for name in FRONTAL_VARIABLES if name.endswith("_deg")
)
"""Image-plane quantities whose error ``pronate validate`` measures."""

TABLE: Final[dict[str, dict[str, float]]] = {
    # pronate validate --camera cam_01 --model M (filtered keypoints), image-plane RMSE,
    # mean of left and right rounded up: heavy FPPA 11.0 / 9.0, femur 5.2 / 6.7,
    # tibia 6.5 / 4.6, obliquity 10.6, trunk 3.1; full 10.8 / 9.2, 5.3 / 6.3, 6.1 / 5.5,
    # 12.1, 3.2; lite 13.5 / 9.1, 5.0 / 5.2, 11.2 / 5.3, 18.1, 3.4.
    "heavy": {"knee_fppa": 10.0, "segment": 6.0, "pelvic_obliquity": 11.0, "trunk_lean": 3.5},
    "full": {"knee_fppa": 10.0, "segment": 6.0, "pelvic_obliquity": 12.0, "trunk_lean": 3.5},
    "lite": {"knee_fppa": 11.5, "segment": 7.0, "pelvic_obliquity": 18.0, "trunk_lean": 3.5},
}
"""Uncertainty (deg, 1 RMSE) per model and kind of angle; see the module docstring."""

NORM_UNCERTAINTY: Final[dict[str, float]] = {
    "pelvis_shift_norm": 0.1,
    "com_margin_norm": 0.15,
    "xcom_margin_norm": 0.2,
    "ankle_medial_shift_norm": 0.1,
}
"""Uncertainty of the normalised measures (hip widths / foot lengths): hip keypoints err
by ~20 px on a ~200 px hip width; the centre of mass sums many keypoints."""


def model_key(model: str) -> str:
    """``heavy``, ``full`` or ``lite`` of a model name like ``mediapipe-pose-heavy``."""
    for key in TABLE:
        if str(model).endswith(key):
            return key
    return "heavy"


def _kind(metric: str) -> str | None:
    if metric.startswith("knee_fppa"):
        return "knee_fppa"
    if metric.startswith(("femur_frontal", "tibia_frontal")):
        return "segment"
    if metric.startswith("pelvic_obliquity"):
        return "pelvic_obliquity"
    if metric.startswith("trunk_lean"):
        return "trunk_lean"
    return None


def uncertainty_of(metric: str, *, model: str) -> float | None:
    """The +/- of a per-frame metric (``timeseries.csv`` column), ``None`` if not stated."""
    kind = _kind(metric)
    if kind is not None:
        return TABLE[model_key(model)][kind]
    for name, value in NORM_UNCERTAINTY.items():
        stem = name.removesuffix("_norm")
        if metric == name or (metric.startswith(stem) and metric.endswith("_norm")):
            return value
    return None


CRITERION_METRIC: Final[dict[str, str]] = {
    "com_inside_base": "com_margin_norm",
    "xcom_inside_base": "xcom_margin_norm",
    "pelvis_over_foot": "pelvis_shift_norm",
    "pelvis_centred": "pelvis_shift_norm",
    "pelvis_loaded_side_up": "pelvic_obliquity_deg",
    "pelvis_level": "pelvic_obliquity_deg",
    "knee_valgus_movement": "knee_fppa_deg",
    "knee_fppa_in_band": "knee_fppa_deg",
    "foot_pronation": "ankle_medial_shift_norm",
}
"""The metric whose uncertainty a criterion's value carries (rhythm criteria: none)."""


def criterion_uncertainty(base_name: str, *, model: str) -> float | None:
    """The +/- of a criterion's value (name without a leg suffix)."""
    metric = CRITERION_METRIC.get(base_name)
    return None if metric is None else uncertainty_of(metric, model=model)


def status(
    value: float,
    threshold: float | tuple[float, float],
    passed: bool | None,
    *,
    sigma: float | None,
) -> str:
    """``passed``, ``failed``, ``uncertain`` (within ``sigma`` of a bound) or ``unmeasured``."""
    if passed is None or not np.isfinite(value):
        return "unmeasured"
    bounds = threshold if isinstance(threshold, tuple) else (threshold,)
    if sigma is not None and any(abs(value - b) < sigma for b in bounds):
        return "uncertain"
    return "passed" if passed else "failed"

"""Measurement uncertainty of every reported number: the error model, and how it is measured.

The "+/-" of a metric is one root-mean-square error of the same *image-plane* quantity
computed from pronate's keypoints and from the motion-capture keypoints projected into
the same camera (:func:`pronate.validation.accuracy.image_plane_errors`, printed by
``pronate validate``): the error the pose model adds to a 2-D measurement, which is what
a front or back view reports. The perspective of a camera 15 deg above the hips adds at
most 3-4 deg on the knee (synthetic, ``tests/metrics/test_kinematics.py``).

The error model, measured on the balancing trial's ``cam01`` (60 fps, 100 frames) and on
copies of it shrunk to a quarter and a seventh, inside a video-call window (crf 32, 30 fps)
and rotated by 10 deg (``bench/uncertainty.py``):

keypoints
    A keypoint's error is a fixed share of the subject's leg length, whatever the size of
    the picture: the hips 5 %, ankles 3.6 %, shoulders 3.5 %, heels 3 %, knees 2.9 %,
    toes 2.6 % (per axis, RMS) from a leg 356 px long down to one 50 px long, and in the
    call window alike. Neither the model's keypoint confidence nor the compression
    (up to crf 32) changed it; a client too small *and* compressed hard is simply lost.
angles
    An angle's error is then its keypoints' error over the length of its segments in the
    picture: :data:`TABLE` holds the angles' RMSE at cam01's geometry
    (:data:`CALIBRATION_GEOMETRY`: thigh 0.54, shank 0.37 of the leg length in the
    image), and :func:`angle_uncertainty` scales it frame by frame by how long the
    segments are in the picture: a leg seen whole gets a tighter +/-, a thigh pointing at
    the camera (a deep squat seen from the front) a wider one.
pelvis and trunk in front and back views
    cam01's hip line is seen 45 deg off and its pelvic obliquity errs by 10.6 deg there;
    frontal metrics are only given in front and back views, where the two hips are seen
    side by side. There the pelvic obliquity and the trunk lean of the front-view squat
    (``frontal_squat.mp4``: symmetric two-leg squats, hands on the head, so both are
    about 0 throughout) stay within 1.2-1.5 deg and 1.5-1.8 deg RMS of 0 in every copy
    of the clip (full size, a quarter and a seventh of it, in a call window, rotated by
    10 deg; ``bench/uncertainty.py``): an upper bound of their error. Their spread is
    heavy-tailed, so the RMS covers far more than 1 sigma (2.0 deg covered 89-96 % of the
    trunk's frames); :data:`FRONT_BACK_TABLE` holds the 68th percentile of
    ``|value| / (+/- per unit)`` over the five copies pooled (2,430 frames: 1.39 and 1.23,
    rounded up; heavy model; the other models in proportion to :data:`TABLE`), scaled by
    the hip line's and the trunk's length in the picture against
    the squat's (0.25 and 0.64 of the leg length).
normalised measures
    Pelvis shift, the centre-of-mass margins and the ankle shift are already in hip widths
    or foot lengths: :data:`NORM_UNCERTAINTY`.
keypoints that are no model's
    Motion capture, the reference pose datasets and scripted skeletons
    (:data:`EXACT_MODELS`) carry no +/-.

A criterion whose value lies within its uncertainty of the threshold is ``uncertain``
(:func:`status`); the verdict weighs them all (:mod:`pronate.verdict.probability`).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from pronate.metrics.frontal_series import FRONTAL_VARIABLES
from pronate.pose.keypoints import KEYPOINT_INDEX

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


CALIBRATION_GEOMETRY: Final[dict[str, float]] = {
    "thigh": 0.54,
    "shank": 0.37,
    "hip_line": 0.25,
    "trunk": 0.64,
}
"""Median image length of the segments behind the tables, in leg lengths: thigh and
shank of cam01 (:data:`TABLE`, the same at full size and a quarter of it), hip line and
trunk of the front-view squat (:data:`FRONT_BACK_TABLE`)."""

FRONT_BACK_TABLE: Final[dict[str, float]] = {"pelvic_obliquity": 1.4, "trunk_lean": 1.3}
"""The +/- (deg) of the pelvic obliquity and trunk lean in front and back views, heavy
model (see the module docstring)."""

EXACT_MODELS: Final[tuple[str, ...]] = ("reference", "c3d-virtual-frontal", "synthetic")
"""Keypoints that come from motion capture or a scripted skeleton, not from a pose model:
no +/-."""

SHORTEST_SHARE: Final[float] = 0.1
"""A segment shorter than this share of the leg length in the picture is taken as this
long: its angle's +/- grows at most tenfold (it points at the camera)."""

UNCERTAINTY_SUFFIX: Final[str] = "_unc"
"""The per-frame +/- of metric ``name`` is the metrics variable ``name + "_unc"``."""


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


def nominal_table(model: str) -> dict[str, float]:
    """The +/- (deg) of each kind of angle at the calibration geometry, for a model: the
    legs' from :data:`TABLE`, the pelvis' and trunk's from :data:`FRONT_BACK_TABLE`."""
    table = dict(TABLE[model_key(model)])
    for kind, heavy in FRONT_BACK_TABLE.items():
        table[kind] = round(heavy * table[kind] / TABLE["heavy"][kind], 1)
    return table


def uncertainty_of(metric: str, *, model: str) -> float | None:
    """The nominal +/- of a per-frame metric (``timeseries.csv`` column) at the calibration
    geometry; ``None`` if not stated, 0 for keypoints that are no model's."""
    if model in EXACT_MODELS:
        return 0.0 if _kind(metric) is not None or metric in NORM_UNCERTAINTY else None
    kind = _kind(metric)
    if kind is not None:
        return nominal_table(model)[kind]
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


def _length(points: np.ndarray, a: str, b: str, *, lateral_only: bool = False) -> np.ndarray:
    d = points[:, KEYPOINT_INDEX[a]] - points[:, KEYPOINT_INDEX[b]]
    return np.abs(d[:, 0]) if lateral_only else np.hypot(d[:, 0], d[:, 1])


def _stretch(length: np.ndarray, leg: float, part: str) -> np.ndarray:
    """How much wider than at the calibration geometry an angle over this segment is."""
    share = np.maximum(length / leg, SHORTEST_SHARE) if leg > 0 else np.full_like(length, np.nan)
    return CALIBRATION_GEOMETRY[part] / share


def angle_uncertainty(frontal: np.ndarray, *, leg_px: float, model: str) -> dict[str, np.ndarray]:
    """The +/- of every angle of the chain, frame by frame (see the module docstring).

    Parameters
    ----------
    frontal
        Frontal-plane points (time, 33, 2), the units of ``leg_px`` (NaN where there are
        none: oblique and side views).
    leg_px
        The clip's leg length in those units.
    model
        The pose model (``mediapipe-pose-heavy``, ...).

    Returns
    -------
    dict
        ``{metric name: +/- (time,)}`` for :data:`ANGLE_METRICS`, degrees; NaN where the
        segments are not seen.
    """
    k = KEYPOINT_INDEX
    if model in EXACT_MODELS:
        seen = np.where(np.isfinite(frontal[:, k["left_hip"], 0]), 0.0, np.nan)
        return {name: seen for name in ANGLE_METRICS}
    table = nominal_table(model)
    mid_hip = 0.5 * (frontal[:, k["left_hip"]] + frontal[:, k["right_hip"]])
    mid_sh = 0.5 * (frontal[:, k["left_shoulder"]] + frontal[:, k["right_shoulder"]])
    trunk = np.hypot(*(mid_sh - mid_hip).T)
    hips = _length(frontal, "left_hip", "right_hip", lateral_only=True)
    out = {
        "pelvic_obliquity_deg": table["pelvic_obliquity"] * _stretch(hips, leg_px, "hip_line"),
        "trunk_lean_deg": table["trunk_lean"] * _stretch(trunk, leg_px, "trunk"),
    }
    for side in ("left", "right"):
        thigh = _stretch(_length(frontal, f"{side}_hip", f"{side}_knee"), leg_px, "thigh")
        shank = _stretch(_length(frontal, f"{side}_knee", f"{side}_ankle"), leg_px, "shank")
        out[f"femur_frontal_{side}_deg"] = table["segment"] * thigh
        out[f"tibia_frontal_{side}_deg"] = table["segment"] * shank
        out[f"knee_fppa_{side}_deg"] = table["knee_fppa"] * np.sqrt(0.5 * (thigh**2 + shank**2))
    return {name: out[name] for name in ANGLE_METRICS}


def frame_uncertainty(
    frontal: np.ndarray, values: dict[str, np.ndarray], *, leg_px: float, model: str
) -> dict[str, np.ndarray]:
    """The +/- of every frontal metric, frame by frame: the angles' from
    :func:`angle_uncertainty`, the pelvis shift's scaled like the hip line's, the margins'
    and the ankle shift's as in :data:`NORM_UNCERTAINTY`; NaN where the metric is.

    Parameters
    ----------
    frontal
        Frontal-plane points (time, 33, 2).
    values
        The metrics ``{name: (time,)}`` of :data:`pronate.metrics.frontal_series.FRONTAL_VARIABLES`.
    leg_px, model
        See :func:`angle_uncertainty`.
    """
    out = angle_uncertainty(frontal, leg_px=leg_px, model=model)
    exact = model in EXACT_MODELS
    hips = _length(frontal, "left_hip", "right_hip", lateral_only=True)
    for name in FRONTAL_VARIABLES:
        if name in out:
            continue
        nominal = 0.0 if exact else float(uncertainty_of(name, model=model) or np.nan)
        sigma = np.full(len(frontal), nominal)
        if name == "pelvis_shift_norm" and not exact:
            sigma = nominal * _stretch(hips, leg_px, "hip_line")
        out[name] = sigma
    return {
        name: np.where(np.isfinite(values[name]), out[name], np.nan) for name in FRONTAL_VARIABLES
    }

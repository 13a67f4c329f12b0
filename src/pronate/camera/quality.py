"""How well the clip shows the subject: size in pixels and keypoint confidence.

A small subject (a low-resolution clip, or a person far from the camera) or unsure
keypoints make every angle coarser than the uncertainty table (:mod:`pronate.metrics.uncertainty`,
measured on a subject ~1300 px tall) says. :func:`assess_quality` measures both and says
so in plain words; verdicts of such a clip carry ``confidence: lower``.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.pose.keypoints import KEYPOINT_INDEX

MIN_SUBJECT_PX: Final[float] = 400.0
"""Below this height in pixels (head to heels, median over frames) keypoints are coarse:
one pixel of the shank is ~0.5 % of its length and the joint centres blur."""
MIN_LEG_CONFIDENCE: Final[float] = 0.5
"""Below this median confidence of the leg keypoints the model is guessing."""
LEG_POINTS: Final[tuple[str, ...]] = tuple(
    f"{side}_{part}"
    for side in ("left", "right")
    for part in ("hip", "knee", "ankle", "heel", "foot_index")
)
_TOP, _BOTTOM = ("nose", "left_eye", "right_eye"), ("left_heel", "right_heel")


def subject_height_px(pose: xr.Dataset) -> float:
    """Median over frames of the head-to-heels extent of the subject in the image (px)."""
    xy = pose["position"].values[..., :2]
    top = np.nanmin(xy[:, [KEYPOINT_INDEX[n] for n in _TOP], 1], axis=1, initial=np.inf)
    bottom = np.nanmax(xy[:, [KEYPOINT_INDEX[n] for n in _BOTTOM], 1], axis=1, initial=-np.inf)
    height = bottom - top
    height = height[np.isfinite(height) & (height > 0)]
    return float(np.median(height)) if height.size else float("nan")


def leg_confidence(pose: xr.Dataset) -> float:
    """Median confidence of the hip, knee, ankle, heel and toe keypoints over seen frames."""
    conf = pose["confidence"].values[:, [KEYPOINT_INDEX[n] for n in LEG_POINTS]]
    conf = conf[np.isfinite(conf)]
    return float(np.median(conf)) if conf.size else float("nan")


def assess_quality(pose: xr.Dataset) -> dict[str, Any]:
    """Subject size, keypoint confidence, the warnings they call for, and a confidence.

    Returns
    -------
    dict
        ``subject_height_px``, ``leg_confidence``, ``image_size`` ([width, height]),
        ``warnings`` (plain sentences), ``confidence`` (``normal`` or ``lower``).
    """
    height = subject_height_px(pose)
    conf = leg_confidence(pose)
    warnings = []
    if not np.isfinite(height) or height < MIN_SUBJECT_PX:
        shown = "unknown" if not np.isfinite(height) else f"{height:.0f}"
        warnings.append(
            f"the subject is only {shown} px tall in the picture (at least "
            f"{MIN_SUBJECT_PX:.0f} px recommended): film closer or at a higher resolution; "
            "angles are coarser than their stated uncertainty, verdicts have lower confidence"
        )
    if not np.isfinite(conf) or conf < MIN_LEG_CONFIDENCE:
        shown = "unknown" if not np.isfinite(conf) else f"{conf:.2f}"
        warnings.append(
            f"the pose model is unsure of the legs (median keypoint confidence {shown}, "
            f"below {MIN_LEG_CONFIDENCE}): check the light, clothing and that the feet are "
            "in the picture; verdicts have lower confidence"
        )
    return {
        "subject_height_px": round(height, 1) if np.isfinite(height) else None,
        "leg_confidence": round(conf, 3) if np.isfinite(conf) else None,
        "image_size": [int(pose.attrs["image_width"]), int(pose.attrs["image_height"])],
        "warnings": warnings,
        "confidence": "lower" if warnings else "normal",
    }

"""Accuracy of tracking against a reference: pixel errors and metric agreement.

Both inputs are pose datasets (:mod:`pronate.pose.schema`): the tracked one from a video and
a reference one, e.g. motion capture projected into the same camera by
:func:`pronate.validation.reference.reference_pose_dataset`. They are paired frame by frame
(:func:`align_frames`), and every result is a plain JSON-serialisable ``dict`` (undefined
numbers are ``None``); :func:`pronate.validation.command.format_report` turns a report into
a text table.

Errors are Euclidean distances in the image plane (x, y), pixels; they are also given
as a fraction of the thigh length (the reference's hip-knee distance in pixels, per
frame, mean of both sides), which makes them comparable across cameras and distances.
"""

from __future__ import annotations

from pronate.validation.accuracy.keypoints import (
    GROUPS,
    VARIANTS,
    Stats,
    align_frames,
    error_stats,
    estimate_frame_offset,
    keypoint_accuracy,
    paired,
    pixel_error,
    position_accuracy,
    quantile,
    thigh_length_px,
    variants,
)
from pronate.validation.accuracy.series import (
    compare_series,
    image_plane_errors,
    metric_agreement,
    metric_agreement_with,
    metrics_of,
    series_agreement,
    series_of,
    with_position,
)

__all__ = [
    "GROUPS",
    "VARIANTS",
    "Stats",
    "align_frames",
    "compare_series",
    "error_stats",
    "estimate_frame_offset",
    "image_plane_errors",
    "keypoint_accuracy",
    "metric_agreement",
    "metric_agreement_with",
    "metrics_of",
    "paired",
    "pixel_error",
    "position_accuracy",
    "quantile",
    "series_agreement",
    "series_of",
    "thigh_length_px",
    "variants",
    "with_position",
]

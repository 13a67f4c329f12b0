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
    GROUPS as GROUPS,
)
from pronate.validation.accuracy.keypoints import (
    VARIANTS as VARIANTS,
)
from pronate.validation.accuracy.keypoints import (
    Stats as Stats,
)
from pronate.validation.accuracy.keypoints import (
    align_frames as align_frames,
)
from pronate.validation.accuracy.keypoints import (
    error_stats as error_stats,
)
from pronate.validation.accuracy.keypoints import (
    estimate_frame_offset as estimate_frame_offset,
)
from pronate.validation.accuracy.keypoints import (
    keypoint_accuracy as keypoint_accuracy,
)
from pronate.validation.accuracy.keypoints import (
    paired as paired,
)
from pronate.validation.accuracy.keypoints import (
    pixel_error as pixel_error,
)
from pronate.validation.accuracy.keypoints import (
    position_accuracy as position_accuracy,
)
from pronate.validation.accuracy.keypoints import (
    quantile as quantile,
)
from pronate.validation.accuracy.keypoints import (
    thigh_length_px as thigh_length_px,
)
from pronate.validation.accuracy.keypoints import (
    variants as variants,
)
from pronate.validation.accuracy.series import (
    compare_series as compare_series,
)
from pronate.validation.accuracy.series import (
    metric_agreement as metric_agreement,
)
from pronate.validation.accuracy.series import (
    metric_agreement_with as metric_agreement_with,
)
from pronate.validation.accuracy.series import (
    series_agreement as series_agreement,
)
from pronate.validation.accuracy.series import (
    series_of as series_of,
)
from pronate.validation.accuracy.series import (
    with_position as with_position,
)

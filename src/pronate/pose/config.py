"""Default parameters of tracking and clean-up, in one place.

Every numeric default of the pipeline up to the keypoint time series lives here, as a
frozen dataclass; the CLI builds these from its options. Thresholds of the assessment
live in :mod:`pronate.verdict.thresholds`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

ModelName = Literal["lite", "full", "heavy"]
MODEL_NAMES: tuple[ModelName, ...] = ("lite", "full", "heavy")


@dataclass(frozen=True, kw_only=True)
class FilterConfig:
    """Clean-up of the keypoint time series (applied in this order).

    Attributes
    ----------
    min_confidence
        Keypoints with a confidence below this become NaN.
    max_gap_s
        Gaps (runs of NaN) up to this length, in seconds, are filled by linear
        interpolation; longer gaps stay NaN.
    hampel_window
        Full window length (samples, odd) of the Hampel outlier filter.
    hampel_n_sigma
        A sample further than this many robust standard deviations (1.4826 x MAD) from the
        window median is an outlier and is replaced by the median.
    cutoff_hz
        Cut-off of the zero-lag Butterworth low-pass; clamped below Nyquist.
    order
        Order of the zero-lag filter (a 2nd-order design run forwards and backwards
        is a 4th-order zero-lag filter; ``order`` is the effective order, even).
    """

    min_confidence: float = 0.2
    max_gap_s: float = 0.25
    hampel_window: int = 7
    hampel_n_sigma: float = 2.0
    cutoff_hz: float = 6.0
    order: int = 4


@dataclass(frozen=True, kw_only=True)
class TrackConfig:
    """Pose tracking of one subject.

    Attributes
    ----------
    model
        Which PoseLandmarker bundle to use.
    pick
        Pixel (x, y); the person there is the subject: in the first frame where anyone
        is seen, or at ``pick_time_s``. ``None``: the performer (see
        :mod:`pronate.pose.choice`).
    pick_time_s
        Time of the clip (seconds) where ``pick`` points at the subject.
    max_people
        How many people the landmarker may report per frame when choosing and
        re-finding the subject.
    min_pose_confidence
        Detection / presence / tracking confidence passed to the landmarker.
    crop_margin
        Margin around the subject's box, as a fraction of the box size, for the crop the
        landmarker runs on once the subject is found.
    min_found_fraction
        Fewer frames than this fraction with the subject is an error.
    min_found_frames
        Fewer frames than this with the subject is an error.
    workers
        Parallel landmarker instances: the clip is split into this many segments tracked
        at once (1 = sequential). Defaults to the number of CPU cores, at most 4.
    warmup_s
        Each segment after the first starts this many seconds early, so the landmarker's
        temporal state has settled; those frames are dropped.
    survey_s
        Seconds at the start of the clip where everyone is looked for, to choose the
        client (up to the picked time when later).
    survey_hz
        Frames a second looked at by that survey.
    max_match_distance
        Largest jump of the subject's box centre between its last sighting and a new
        detection, as a fraction of the box height, for the detection to be the subject.
    """

    model: ModelName = "heavy"
    pick: tuple[float, float] | None = None
    pick_time_s: float | None = None
    max_people: int = 3
    min_pose_confidence: float = 0.5
    crop_margin: float = 0.35
    min_found_fraction: float = 0.2
    min_found_frames: int = 10
    max_match_distance: float = 0.5
    workers: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))
    warmup_s: float = 0.5
    survey_s: float = 2.0
    survey_hz: float = 5.0

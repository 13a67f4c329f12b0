"""Named keypoints and skeleton of the BlazePose 33-landmark model.

Names are BlazePose's own, in snake case. ``left``/``right`` are the *subject's* sides
as labelled by the model; see :mod:`pronate.metrics.kinematics` for how back views are handled.
"""

from typing import Final

import numpy as np

KEYPOINTS: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

KEYPOINT_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(KEYPOINTS)}

SIDES: Final[tuple[str, str]] = ("left", "right")

SKELETON: Final[tuple[tuple[str, str], ...]] = (
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
    ("nose", "left_eye"),
    ("nose", "right_eye"),
    ("left_eye", "left_ear"),
    ("right_eye", "right_ear"),
)


def mirror_name(name: str) -> str:
    """Return the keypoint name of the other side (``left_knee`` -> ``right_knee``).

    Names without a side (``nose``) are returned unchanged. ``mouth_left`` and
    ``mouth_right`` swap as well.
    """
    for a, b in (("left", "right"), ("right", "left")):
        if name.startswith(a + "_"):
            return b + name[len(a) :]
        if name.endswith("_" + a):
            return name[: -len(a)] + b
    return name


MIRROR_ORDER: Final[tuple[int, ...]] = tuple(KEYPOINT_INDEX[mirror_name(n)] for n in KEYPOINTS)
"""Index permutation that swaps every left keypoint with its right twin."""


def swap_labels(values: np.ndarray, *, axis: int) -> np.ndarray:
    """``values`` with every left keypoint exchanged with its right twin along ``axis``
    (the keypoint axis): the one label swap of pronate, for a series or a single frame."""
    return np.take(values, MIRROR_ORDER, axis=axis)

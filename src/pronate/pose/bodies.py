"""One person's skeleton as a body: its scale, where it covers the picture, and whether a
detection is the person the survey chose (:class:`Target`)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pronate.pose.appearance import body_height
from pronate.pose.keypoints import KEYPOINT_INDEX, SKELETON
from pronate.pose.landmarker import Detection

SIZE_RATIO_LIMIT = 1.8
"""A detection whose size differs from the subject's by more than this factor is not the
subject."""


@dataclass(frozen=True)
class Target:
    """The subject to take: their detection in frame ``frame`` (their first sighting)."""

    frame: int
    det: Detection


def torso_length(position: np.ndarray) -> float:
    """Distance from the mid-shoulder to the mid-hip (pixels): the body's scale, whatever
    the arms and legs do."""
    sh = position[[KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]], :2]
    hp = position[[KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]], :2]
    return float(np.linalg.norm(sh.mean(axis=0) - hp.mean(axis=0)))


def matches_target(det: Detection, target: Target, *, frame: int, fps: float) -> float | None:
    """How far (torso lengths) the hips of ``det``, seen in ``frame``, are from the
    target's; ``None`` when it cannot be them (farther than a torso length plus two torso
    lengths a second between the two frames, or of another size)."""
    mine, theirs = torso_length(det.position), torso_length(target.det.position)
    if not (theirs > 0 and 1 / SIZE_RATIO_LIMIT <= mine / theirs <= SIZE_RATIO_LIMIT):
        return None
    hips = [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]
    moved = det.position[hips, :2].mean(axis=0) - target.det.position[hips, :2].mean(axis=0)
    allowed = 1.0 + 2.0 * abs(frame - target.frame) / max(fps, 1e-6)
    d = float(np.linalg.norm(moved)) / theirs
    return d if d <= allowed else None


LIMBS = tuple((KEYPOINT_INDEX[a], KEYPOINT_INDEX[b]) for a, b in SKELETON)


def body_mask(
    position: np.ndarray, shape: tuple[int, int], *, offset: tuple[int, int]
) -> np.ndarray:
    """Where a skeleton's body is in a picture (thick limbs, the torso, the head)."""
    mask = np.zeros(shape, np.uint8)
    xy = np.round(position[:, :2] - np.asarray(offset)).astype(np.int32)
    width = max(3, round(0.1 * body_height(position)))
    for a, b in LIMBS:
        cv2.line(mask, tuple(xy[a]), tuple(xy[b]), 1, width)
    torso = xy[
        [KEYPOINT_INDEX[k] for k in ("left_shoulder", "right_shoulder", "right_hip", "left_hip")]
    ]
    cv2.fillPoly(mask, [torso], 1)
    cv2.circle(mask, tuple(xy[0]), width, 1, -1)
    return mask.astype(bool)

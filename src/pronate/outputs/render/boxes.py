"""Boxes around the body and its parts, in pixels of the upright frame (see
:mod:`pronate.outputs.render.frame_data`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Final

import numpy as np

from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS, SIDES

BoxF = tuple[float, float, float, float]
PointF = tuple[float, float]

HEAD_TOP_PER_NECK: Final[float] = 0.7
"""The top of the head lies this many nose-to-mid-shoulder distances above the nose."""

BODY_PAD: Final[float] = 0.07
"""Padding of the body-part boxes (limbs have width), as a fraction of the body's length
(torso plus mean leg, mid-shoulder -> mid-hip -> knee -> ankle): about 5 % of the standing
height, and unchanged by how the arms or legs move. When those keypoints are missing,
0.05 of the larger side of the keypoints' box is used."""


_LIMBS: Final[tuple[tuple[str, str], ...]] = tuple(
    (f"{side}_{a}", f"{side}_{b}")
    for side in SIDES
    for a, b in (
        ("shoulder", "elbow"),
        ("elbow", "wrist"),
        ("hip", "knee"),
        ("knee", "ankle"),
        ("ankle", "heel"),
        ("heel", "foot_index"),
        ("ankle", "foot_index"),
    )
)
_HEAD_TOP = len(KEYPOINTS)  # extra points appended to the keypoints
_MID_SHOULDER = len(KEYPOINTS) + 1
_PART_GROUPS: Final[tuple[tuple[int, ...], ...]] = (
    *((KEYPOINT_INDEX[a], KEYPOINT_INDEX[b]) for a, b in _LIMBS),
    tuple(KEYPOINT_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")),
    *(
        (KEYPOINT_INDEX[f"{side}_{p}"],)
        for side in SIDES
        for p in ("wrist", "pinky", "index", "thumb")
    ),
    (*range(11), _HEAD_TOP),
    (KEYPOINT_INDEX["nose"], _MID_SHOULDER),
)
"""Keypoint groups whose padded boxes cover the body: limb segments, torso, hand points,
head (face points and the top of the head), neck. Every keypoint is in some group."""


def body_part_boxes(
    keypoints: np.ndarray, confidence: np.ndarray, *, min_confidence: float = 0.0
) -> np.ndarray:
    """Return the padded box of each body part (:data:`_PART_GROUPS`), NaN where unseen.

    The head reaches :data:`HEAD_TOP_PER_NECK` above the nose along the mid-shoulder ->
    nose direction. Boxes are padded for the limbs' width (:data:`BODY_PAD`).

    Parameters
    ----------
    keypoints
        Shape (..., 33, 2), pixels (any leading dims, e.g. time).
    confidence
        Shape (..., 33).
    min_confidence
        Keypoints below this are ignored. The default, 0, keeps every keypoint with a
        position: the body is there even where the model is unsure of it, and a label must
        not cover a leg because its keypoints have a low confidence.

    Returns
    -------
    numpy.ndarray
        Shape (..., n_parts, 4): ``x0, y0, x1, y1`` per part.
    """
    kp = np.array(keypoints, dtype=np.float64)
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.isfinite(kp).all(axis=-1) & (conf >= min_confidence)
    kp[~ok] = np.nan
    nose = kp[..., KEYPOINT_INDEX["nose"], :]
    mid = 0.5 * (
        kp[..., KEYPOINT_INDEX["left_shoulder"], :] + kp[..., KEYPOINT_INDEX["right_shoulder"], :]
    )
    top = nose + HEAD_TOP_PER_NECK * (nose - mid)
    pts = np.concatenate([kp, top[..., None, :], mid[..., None, :]], axis=-2)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN slices
        lo = np.nanmin(kp, axis=-2)
        hi = np.nanmax(kp, axis=-2)
        pad = _body_length(kp) * BODY_PAD
        fallback = 0.05 * np.maximum(np.max(hi - lo, axis=-1), 1.0)
        pad = np.where(np.isfinite(pad), pad, fallback)
        boxes = []
        for group in _PART_GROUPS:
            g = pts[..., list(group), :]
            boxes.append(np.concatenate([np.nanmin(g, axis=-2), np.nanmax(g, axis=-2)], axis=-1))
    out = np.stack(boxes, axis=-2)
    out += np.stack([-pad, -pad, pad, pad], axis=-1)[..., None, :]
    few = ok.sum(axis=-1) < 2
    out[few] = np.nan
    return out


def _body_length(kp: np.ndarray) -> np.ndarray:
    """Torso plus mean leg length (pixels) of keypoints (..., 33, 2); NaN if unknown."""

    def dist(a: str, b: str) -> np.ndarray:
        d = kp[..., KEYPOINT_INDEX[a], :] - kp[..., KEYPOINT_INDEX[b], :]
        return np.asarray(np.hypot(d[..., 0], d[..., 1]))

    legs = np.stack(
        [dist(f"{s}_hip", f"{s}_knee") + dist(f"{s}_knee", f"{s}_ankle") for s in SIDES]
    )
    mid_shoulder = 0.5 * (
        kp[..., KEYPOINT_INDEX["left_shoulder"], :] + kp[..., KEYPOINT_INDEX["right_shoulder"], :]
    )
    mid_hip = 0.5 * (
        kp[..., KEYPOINT_INDEX["left_hip"], :] + kp[..., KEYPOINT_INDEX["right_hip"], :]
    )
    torso = np.hypot(*np.moveaxis(mid_shoulder - mid_hip, -1, 0))
    return np.asarray(np.nanmean(legs, axis=0) + torso)


def finite_boxes(boxes: np.ndarray) -> list[BoxF]:
    return [
        (float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes if np.isfinite(b).all()
    ]


def body_parts_of(
    keypoints: np.ndarray, confidence: np.ndarray, *, min_confidence: float = 0.0
) -> list[BoxF]:
    """Return boxes ``(x0, y0, x1, y1)`` that together cover the body, padded.

    One box per limb segment, one for the torso, one per hand point, the head and the neck
    (see :func:`body_part_boxes`). Finer than one box around everything, so a label can sit
    beside the knee below a raised arm.

    Parameters
    ----------
    keypoints
        Shape (33, 2), pixels.
    confidence
        Shape (33,).
    min_confidence
        Keypoints below this are ignored.

    Returns
    -------
    list of tuple of float
        The boxes of the parts seen; empty when fewer than two keypoints are usable.
    """
    return finite_boxes(body_part_boxes(keypoints, confidence, min_confidence=min_confidence))


def union_box(boxes: Sequence[BoxF]) -> BoxF | None:
    """Return the box around ``boxes`` (``None`` for none)."""
    if not boxes:
        return None
    arr = np.asarray(boxes, dtype=np.float64)
    return (
        float(arr[:, 0].min()),
        float(arr[:, 1].min()),
        float(arr[:, 2].max()),
        float(arr[:, 3].max()),
    )


def body_box_of(
    keypoints: np.ndarray, confidence: np.ndarray, *, min_confidence: float = 0.0
) -> BoxF | None:
    """Return the box around :func:`body_parts_of`, or ``None`` without keypoints."""
    return union_box(body_parts_of(keypoints, confidence, min_confidence=min_confidence))


def sweep_boxes(parts: np.ndarray, *, half_window: int) -> np.ndarray:
    """Each part's box swept over ``row - half_window .. row + half_window`` (NaN-aware)."""
    out = parts.copy()
    n = len(parts)
    for shift in range(1, min(half_window, n - 1) + 1):  # a window beyond the clip adds nothing
        for a, b in (
            (slice(shift, n), slice(0, n - shift)),
            (slice(0, n - shift), slice(shift, n)),
        ):
            out[a, :, :2] = np.fmin(out[a, :, :2], parts[b, :, :2])
            out[a, :, 2:] = np.fmax(out[a, :, 2:], parts[b, :, 2:])
    return out


def robust_union(boxes: np.ndarray) -> BoxF | None:
    ok = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(ok):
        return None
    return (
        float(np.percentile(ok[:, 0], 2)),
        float(np.percentile(ok[:, 1], 2)),
        float(np.percentile(ok[:, 2], 98)),
        float(np.percentile(ok[:, 3], 98)),
    )

"""Per-frame signals of the detection computed from the keypoints (see
:mod:`pronate.verdict.moments`)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from pronate.camera.frames import upright_image
from pronate.camera.stance import leg_length, smoothed_speed
from pronate.metrics.coordination import fill_gaps
from pronate.pose.keypoints import KEYPOINT_INDEX


def pose_signals(
    pose: xr.Dataset,
    *,
    stance: np.ndarray,
    roll_deg: float = 0.0,
    labels_swapped: bool = False,
) -> dict[str, np.ndarray]:
    """Per-frame signals of :func:`find_events` computed from the keypoints.

    Parameters
    ----------
    pose
        The pose dataset (pixel positions with the model's labels).
    stance
        Stance labels (n,) of the subject's real sides.
    roll_deg
        Camera roll (see :mod:`pronate.camera.frames`), removed before measuring heights.
    labels_swapped
        Whether the model's left/right labels are the subject's right/left.

    Returns
    -------
    dict
        ``depth``, ``free_drop`` (leg lengths), ``stagger`` (leg lengths) and ``front``.
    """
    width, height = float(pose.attrs["image_width"]), float(pose.attrs["image_height"])
    uv = upright_image(pose["position"].values, width=width, height=height, roll_deg=roll_deg)
    real = (
        {"left": "right", "right": "left"} if labels_swapped else {"left": "left", "right": "right"}
    )
    ank = {s: uv[:, KEYPOINT_INDEX[f"{real[s]}_ankle"], 1] for s in ("left", "right")}
    hip_v = 0.5 * (uv[:, KEYPOINT_INDEX["left_hip"], 1] + uv[:, KEYPOINT_INDEX["right_hip"], 1])
    st = np.asarray(stance).astype(str)
    both = _mean_of_seen(ank["left"], ank["right"]) if len(st) else hip_v
    floor = np.where(st == "left", ank["left"], np.where(st == "right", ank["right"], both))
    floor = np.where(np.isfinite(floor), floor, both)
    h = hip_v - floor
    leg = leg_length(uv)
    ref = float(np.nanpercentile(h, 95)) if np.isfinite(h).any() else np.nan
    stagger, front = _stagger(pose, labels_swapped=labels_swapped)
    return {
        "depth": (ref - h) / leg,
        "free_drop": (ank["left"] - ank["right"]) / leg,
        "stagger": stagger,
        "front": front,
    }


def _mean_of_seen(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-sample mean of the finite ones of ``a`` and ``b`` (NaN where neither is)."""
    stack = np.stack([a, b])
    count = np.isfinite(stack).sum(axis=0)
    total = np.where(np.isfinite(stack), stack, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def foot_speeds(pose: xr.Dataset, *, labels_swapped: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Image speed of each foot's heel-toe midpoint, leg lengths per second (real sides).

    Positions are gap-filled and smoothed over 0.1 s (:func:`pronate.camera.stance.smoothed_speed`);
    NaN where a foot is not seen.
    """
    xy = pose["position"].values[..., :2]
    leg = leg_length(xy)
    time_s = pose["time"].values
    out = []
    for side in ("left", "right"):
        label = {"left": "right", "right": "left"}[side] if labels_swapped else side
        mid = 0.5 * (
            xy[:, KEYPOINT_INDEX[f"{label}_heel"]] + xy[:, KEYPOINT_INDEX[f"{label}_foot_index"]]
        )
        filled = np.stack([fill_gaps(mid[:, 0]), fill_gaps(mid[:, 1])], axis=-1)
        speed = smoothed_speed(filled, time_s=time_s) if len(time_s) > 1 else np.zeros(len(time_s))
        out.append(np.where(np.isfinite(mid).all(axis=1), speed / leg, np.nan))
    return out[0], out[1]


def _stagger(pose: xr.Dataset, *, labels_swapped: bool) -> tuple[np.ndarray, np.ndarray]:
    """Fore-aft ankle distance (leg lengths) and the front leg, from world landmarks.

    The anterior axis is perpendicular to the median right->left hip line of the clip
    (a per-frame hip line wobbles by 10-15 deg in the model's world landmarks).
    """
    w = pose["world"].values[:, :, [0, 2]]  # horizontal plane (x right, z away)
    k = KEYPOINT_INDEX
    sign = -1.0 if labels_swapped else 1.0
    lateral = sign * (w[:, k["left_hip"]] - w[:, k["right_hip"]])
    n = len(w)
    if not np.isfinite(lateral).all(axis=1).any():
        return np.full(n, np.nan), np.full(n, "left")
    lat = np.nanmedian(lateral, axis=0)
    anterior = np.array([lat[1], -lat[0]]) / float(np.hypot(lat[0], lat[1]))
    d = sign * (w[:, k["left_ankle"]] - w[:, k["right_ankle"]])
    along = d @ anterior
    world3 = pose["world"].values
    leg = leg_length(world3)
    front = np.where(along >= 0, "left", "right")
    return np.abs(along) / leg, front

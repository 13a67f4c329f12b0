"""Per-frame signals of the detection, from the body as the camera sees it (see
:mod:`pronate.verdict.moments`)."""

from __future__ import annotations

import numpy as np

from pronate.camera.body import Body
from pronate.camera.stance import leg_length, smoothed_speed
from pronate.pose.keypoints import KEYPOINT_INDEX, SIDES
from pronate.series import interpolate_interior


def body_signals(body: Body, *, stance: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame signals of :func:`find_moments` from the upright body.

    Parameters
    ----------
    body
        The body (:func:`pronate.camera.body.observe`): upright image points, roll
        removed, labels of the subject's real sides.
    stance
        Stance labels (n,).

    Returns
    -------
    dict
        ``depth``, ``free_drop`` (leg lengths), ``stagger`` (leg lengths) and ``front``.
    """
    uv = body.uv
    ank = {s: uv[:, KEYPOINT_INDEX[f"{s}_ankle"], 1] for s in SIDES}
    hip_v = 0.5 * (uv[:, KEYPOINT_INDEX["left_hip"], 1] + uv[:, KEYPOINT_INDEX["right_hip"], 1])
    h = hip_v - support_floor(ank["left"], ank["right"], np.asarray(stance).astype(str))
    ref = float(np.nanpercentile(h, 95)) if np.isfinite(h).any() else np.nan
    stagger, front = _stagger(body.pose["world"].values)
    return {
        "depth": (ref - h) / body.leg_px,
        "free_drop": (ank["left"] - ank["right"]) / body.leg_px,
        "stagger": stagger,
        "front": front,
    }


def support_floor(left: np.ndarray, right: np.ndarray, stance: np.ndarray) -> np.ndarray:
    """The floor the pelvis depth is measured from (ankle heights, upright image, y up).

    On one leg, the stance ankle (also when the free one is lower: a step down); on both
    feet or none, the lower ankle. A foot lifting off or touching down then moves the floor
    by nothing (the lifted ankle was the higher one), so a change of stance label is never
    a step of the depth -- with the mean of both ankles on both feet it was, by half the
    lift (0.1 leg lengths on the balancing trial at lift-off). NaN where neither ankle is
    seen; the seen one where only one is.
    """
    pair = np.stack([np.asarray(left, np.float64), np.asarray(right, np.float64)])
    seen = np.isfinite(pair)
    lower = np.where(seen.any(axis=0), np.where(seen, pair, np.inf).min(axis=0), np.nan)
    st = np.asarray(stance).astype(str)
    stand = np.where(st == "left", pair[0], np.where(st == "right", pair[1], np.nan))
    return np.where(np.isfinite(stand), stand, lower)


def foot_speeds(body: Body) -> tuple[np.ndarray, np.ndarray]:
    """Image speed of each foot's heel-toe midpoint, leg lengths per second.

    Positions are gap-filled and smoothed over 0.1 s
    (:func:`pronate.camera.stance.smoothed_speed`); NaN where a foot is not seen.
    """
    xy = body.pose["position"].values[..., :2]
    leg = leg_length(xy)
    time_s = body.time_s
    out = []
    for side in SIDES:
        mid = 0.5 * (
            xy[:, KEYPOINT_INDEX[f"{side}_heel"]] + xy[:, KEYPOINT_INDEX[f"{side}_foot_index"]]
        )
        filled = np.stack(
            [interpolate_interior(mid[:, 0]), interpolate_interior(mid[:, 1])], axis=-1
        )
        speed = smoothed_speed(filled, time_s=time_s) if len(time_s) > 1 else np.zeros(len(time_s))
        out.append(np.where(np.isfinite(mid).all(axis=1), speed / leg, np.nan))
    return out[0], out[1]


def _stagger(world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fore-aft ankle distance (leg lengths) and the front leg, from world landmarks
    (the model's axes, labels of the subject's real sides).

    The anterior axis is perpendicular to the median right->left hip line of the clip
    (a per-frame hip line wobbles by 10-15 deg in the model's world landmarks).
    """
    w = world[:, :, [0, 2]]  # horizontal plane (x right, z away)
    k = KEYPOINT_INDEX
    lateral = w[:, k["left_hip"]] - w[:, k["right_hip"]]
    n = len(w)
    if not np.isfinite(lateral).all(axis=1).any():
        return np.full(n, np.nan), np.full(n, "left")
    lat = np.nanmedian(lateral, axis=0)
    anterior = np.array([lat[1], -lat[0]]) / float(np.hypot(lat[0], lat[1]))
    d = w[:, k["left_ankle"]] - w[:, k["right_ankle"]]
    along = d @ anterior
    front = np.where(along >= 0, "left", "right")
    return np.abs(along) / leg_length(world), front

"""Helpers of the render tests: a synthetic skeleton, frame data, clips, golden images.

Golden images live in ``tests/outputs/render/golden/``. To (re)generate them after a deliberate
change of the drawings, run ``PRONATE_UPDATE_GOLDEN=1 pytest tests/outputs/render`` and look at
the new PNGs before committing them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
import xarray as xr

from hand_made import assessment
from pronate.outputs.render.frame_data import FrameData
from pronate.outputs.render.support import base_of_support
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS
from pronate.pose.schema import make_pose_dataset

GOLDEN_DIR = Path(__file__).parent / "golden"
BACKGROUND = (92, 104, 116)
FRAME_SIZE = (270, 480)  # width, height: a small portrait phone frame

# Front view, subject facing the camera: the subject's left is on the image's right.
# Units of a "head" (1/8.3 of the standing height), x to the image right, y down, 0 at the floor.
_BODY: dict[str, tuple[float, float]] = {
    "nose": (0.0, -7.3),
    "left_eye_inner": (0.12, -7.5),
    "left_eye": (0.27, -7.52),
    "left_eye_outer": (0.42, -7.5),
    "right_eye_inner": (-0.12, -7.5),
    "right_eye": (-0.27, -7.52),
    "right_eye_outer": (-0.42, -7.5),
    "left_ear": (0.6, -7.4),
    "right_ear": (-0.6, -7.4),
    "mouth_left": (0.18, -7.0),
    "mouth_right": (-0.18, -7.0),
    "left_shoulder": (1.0, -6.3),
    "right_shoulder": (-1.0, -6.3),
    "left_elbow": (1.25, -4.9),
    "right_elbow": (-1.25, -4.9),
    "left_wrist": (1.35, -3.7),
    "right_wrist": (-1.35, -3.7),
    "left_pinky": (1.42, -3.3),
    "right_pinky": (-1.42, -3.3),
    "left_index": (1.36, -3.25),
    "right_index": (-1.36, -3.25),
    "left_thumb": (1.28, -3.4),
    "right_thumb": (-1.28, -3.4),
    "left_hip": (0.55, -3.9),
    "right_hip": (-0.55, -3.9),
    "left_knee": (0.6, -2.0),
    "right_knee": (-0.6, -2.0),
    "left_ankle": (0.6, -0.3),
    "right_ankle": (-0.6, -0.3),
    "left_heel": (0.6, -0.08),
    "right_heel": (-0.6, -0.08),
    "left_foot_index": (0.7, 0.08),
    "right_foot_index": (-0.7, 0.08),
}
_ARMS_UP: dict[str, tuple[float, float]] = {
    "left_elbow": (1.9, -7.0),
    "right_elbow": (-1.9, -7.0),
    "left_wrist": (1.7, -8.3),
    "right_wrist": (-1.7, -8.3),
    "left_pinky": (1.75, -8.7),
    "right_pinky": (-1.75, -8.7),
    "left_index": (1.65, -8.75),
    "right_index": (-1.65, -8.75),
    "left_thumb": (1.55, -8.6),
    "right_thumb": (-1.55, -8.6),
}


def skeleton(
    *,
    frame_size: tuple[int, int] = FRAME_SIZE,
    centre_x: float = 0.5,
    height_frac: float = 0.72,
    floor_frac: float = 0.86,
    valgus: float = 0.0,
    arms_up: bool = False,
    roll_deg: float = 0.0,
) -> np.ndarray:
    """Keypoints (33, 2) of a standing figure; ``valgus`` moves the left knee medially
    (in heads); ``roll_deg`` rotates the picture about the feet (camera roll)."""
    width, height = frame_size
    unit = height_frac * height / 8.3
    body = dict(_BODY)
    if arms_up:
        body.update(_ARMS_UP)
    lx, ly = body["left_knee"]
    body["left_knee"] = (lx - valgus, ly)
    pts = np.array([body[name] for name in KEYPOINTS], dtype=np.float64) * unit
    a = math.radians(roll_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pts = pts @ rot.T
    return pts + np.array([centre_x * width, floor_frac * height])


def frame_data(
    *,
    frame_size: tuple[int, int] = FRAME_SIZE,
    keypoints: np.ndarray | None = None,
    verdict: str | None = "pronation",
    loaded_side: str | None = "left",
    com_inside: bool | None = True,
    time_s: float = 2.35,
    **overrides: Any,
) -> FrameData:
    """A hand-made FrameData of the synthetic figure in a loading moment."""
    kp = skeleton(frame_size=frame_size, valgus=0.25) if keypoints is None else keypoints
    conf = np.ones(len(KEYPOINTS))
    moments = (
        assessment("right", "single_leg_stance", 0.4, 0.9, 1.3, "collapse"),
        # without a verdict the frame is outside every moment (moment 2 then passes)
        assessment("left", "single_leg_stance", 1.9, 2.35, 2.9, verdict or "pronation"),
        assessment("both", "squat", 3.6, 4.2, 4.8, "unmeasurable"),
    )
    hips = kp[[KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]].mean(axis=0)
    com = (float(hips[0] + 0.04 * frame_size[0]), float(hips[1] - 0.02 * frame_size[1]))
    fields: dict[str, Any] = {
        "frame_size": frame_size,
        "keypoints": kp,
        "confidence": conf,
        "time_s": time_s,
        "duration_s": 5.5,
        "loaded_side": loaded_side,
        "verdict": verdict,
        "moment": moments[1] if verdict is not None else None,
        "com_px": com,
        "base_of_support": base_of_support(kp, conf, "left", floor_angle=0.0, min_confidence=0.3),
        "com_inside": com_inside,
        "knee_fppa_deg": {"left": 12.4, "right": -3.2},
        "pelvic_obliquity_deg": 4.2,
        "moments": moments,
    }
    fields.update(overrides)
    return FrameData(**fields)


def blank_frame(frame_size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """A plain RGB frame."""
    image = np.empty((frame_size[1], frame_size[0], 3), dtype=np.uint8)
    image[:] = BACKGROUND
    return image


def compare_golden(image: np.ndarray, name: str) -> None:
    """Compare ``image`` with ``golden/name.png`` (or write it with PRONATE_UPDATE_GOLDEN=1).

    Passes when the mean absolute difference is below 1 and fewer than 0.5 % of the pixels
    differ by more than 32 in some channel.
    """
    path = GOLDEN_DIR / f"{name}.png"
    if os.environ.get("PRONATE_UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        return
    if not path.exists():
        pytest.fail(f"no golden image {path}; run with PRONATE_UPDATE_GOLDEN=1 to create it")
    golden = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert golden.shape == image.shape, f"{name}: shape {image.shape} != golden {golden.shape}"
    diff = np.abs(golden.astype(np.int16) - image.astype(np.int16))
    mean = float(diff.mean())
    frac = float((diff.max(axis=2) > 32).mean())
    if mean >= 1.0 or frac >= 0.005:
        out = Path(os.environ.get("PRONATE_GOLDEN_DIFF_DIR", "/tmp")) / f"{name}.actual.png"
        cv2.imwrite(str(out), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        pytest.fail(f"{name}: differs from golden (mean {mean:.3f}, {frac:.2%} pixels); see {out}")


def pose_dataset(
    *, n: int, fps: float, frame_size: tuple[int, int], sway_px: float = 0.0
) -> xr.Dataset:
    """A pose dataset of the synthetic figure, swaying sideways by ``sway_px``."""
    base = skeleton(frame_size=frame_size)
    t = np.arange(n) / fps
    xy = np.repeat(base[None], n, axis=0)
    xy[:, :, 0] += sway_px * np.sin(2 * np.pi * t / max(t[-1], 1e-9))[:, None]
    position = np.concatenate([xy, np.zeros((n, len(KEYPOINTS), 1))], axis=2)
    return make_pose_dataset(
        position=position,
        confidence=np.ones((n, len(KEYPOINTS))),
        world=np.zeros((n, len(KEYPOINTS), 3)),
        time_s=t,
        fps=fps,
        source_video="synthetic.mp4",
        model="synthetic",
        image_width=frame_size[0],
        image_height=frame_size[1],
    )


def write_clip(
    path: Path, *, n: int, fps: int, frame_size: tuple[int, int], codec: str = "libx264"
) -> Path:
    """Write a synthetic clip whose frame ``i`` has the grey level ``min(250, 3 * i + 20)``
    in its top-left corner (so a decoded frame can be identified)."""
    width, height = frame_size
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        for i in range(n):
            image = np.empty((stream.height, stream.width, 3), dtype=np.uint8)
            image[:] = BACKGROUND
            image[: height // 8, : width // 8] = min(250, 3 * i + 20)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path

"""Follow one subject through a clip, never a bystander.

The subject is chosen once, in the first frame where anyone is seen: the person at the
``pick`` pixel, or else the largest person. From then on the landmarker runs on a crop
around the subject's last box (kept still while the subject stays well inside it, so
MediaPipe's own frame-to-frame tracking keeps working). A detection is the subject only
if its box centre lies within ``max_match_distance`` box heights of the last box and its
size is similar; otherwise the frame is lost (NaN), never given to someone else. When the
subject is lost, full-frame detections are searched with the same gate, widened slowly
with the time lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from pronate.config import TrackConfig
from pronate.errors import NoPersonError
from pronate.io.video import DecodeReport, Frame, VideoInfo, iter_frames, prefetch, probe_video
from pronate.keypoints import KEYPOINTS
from pronate.pose.landmarker import Box, Detection, Landmarker
from pronate.schema import make_pose_dataset, with_log_entry

N = len(KEYPOINTS)
SIZE_RATIO_LIMIT = 1.8
"""A detection whose box height differs from the subject's by more than this factor is
not the subject."""


def choose_subject(
    detections: list[Detection], *, pick: tuple[float, float] | None
) -> Detection | None:
    """Choose the subject among the people of the first frame where anyone is seen.

    With ``pick``, the person whose box contains the pixel (the nearest box centre if
    several do); ``None`` if nobody's box contains it. Without, the largest box.
    """
    if not detections:
        return None
    if pick is None:
        return max(detections, key=lambda d: d.box.area)
    inside = [d for d in detections if d.box.contains(*pick)]
    if not inside:
        return None
    return min(inside, key=lambda d: np.hypot(d.box.centre[0] - pick[0], d.box.centre[1] - pick[1]))


def match_subject(
    detections: list[Detection], *, last: Box, max_distance: float
) -> Detection | None:
    """Return the detection that continues the subject seen in box ``last``, or ``None``.

    The gate: centre distance at most ``max_distance`` x last box height and a box height
    within a factor :data:`SIZE_RATIO_LIMIT`. Among those, the nearest.
    """
    best, best_d = None, np.inf
    cx, cy = last.centre
    for det in detections:
        box = det.box
        ratio = box.height / max(last.height, 1e-6)
        if not (1 / SIZE_RATIO_LIMIT <= ratio <= SIZE_RATIO_LIMIT):
            continue
        d = np.hypot(box.centre[0] - cx, box.centre[1] - cy) / max(last.height, 1e-6)
        if d <= max_distance and d < best_d:
            best, best_d = det, d
    return best


def needs_new_crop(crop: Box | None, box: Box, *, margin: float) -> bool:
    """True when the subject's ``box`` came too close to the crop's edge or shrank a lot."""
    if crop is None:
        return True
    pad_x, pad_y = 0.5 * margin * box.width, 0.5 * margin * box.height
    inside = (
        box.x0 - pad_x >= crop.x0
        and box.x1 + pad_x <= crop.x1
        and box.y0 - pad_y >= crop.y0
        and box.y1 + pad_y <= crop.y1
    )
    too_loose = box.height < 0.4 * crop.height
    return not inside or too_loose


@dataclass
class SubjectTracker:
    """Per-frame state machine choosing and following one subject.

    Call :meth:`step` with consecutive frames; it returns the subject's detection or
    ``None`` when the subject is not seen in that frame.
    """

    config: TrackConfig
    width: int
    height: int
    fps: float
    full: Landmarker
    cropped: Landmarker
    last_box: Box | None = None
    crop: Box | None = None
    lost_frames: int = 0
    chosen_at: int | None = None
    log: list[str] = field(default_factory=list)

    def step(self, frame: Frame) -> Detection | None:
        """Process one frame."""
        if self.last_box is None:
            return self._acquire(frame)
        det = self._in_crop(frame)
        if det is None:
            det = self._refind(frame)
        if det is None:
            self.lost_frames += 1
            return None
        self.lost_frames = 0
        self.last_box = det.box
        if needs_new_crop(self.crop, det.box, margin=self.config.crop_margin):
            self.crop = det.box.expanded(
                margin=self.config.crop_margin, width=self.width, height=self.height
            )
        return det

    def _acquire(self, frame: Frame) -> Detection | None:
        dets = self.full.detect(frame.image, time_s=frame.time_s)
        det = choose_subject(dets, pick=self.config.pick)
        if det is not None:
            self.chosen_at = frame.index
            self.last_box = det.box
            self.crop = det.box.expanded(
                margin=self.config.crop_margin, width=self.width, height=self.height
            )
            self.log.append(f"subject chosen in frame {frame.index} among {len(dets)} people")
        return det

    def _gate(self) -> float:
        lost_s = self.lost_frames / self.fps
        return self.config.max_match_distance * min(1.0 + lost_s, 2.0)

    def _in_crop(self, frame: Frame) -> Detection | None:
        assert self.crop is not None and self.last_box is not None
        x0, y0 = int(self.crop.x0), int(self.crop.y0)
        x1, y1 = int(np.ceil(self.crop.x1)), int(np.ceil(self.crop.y1))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        dets = self.cropped.detect(frame.image[y0:y1, x0:x1], time_s=frame.time_s, offset=(x0, y0))
        return match_subject(dets, last=self.last_box, max_distance=self._gate())

    def _refind(self, frame: Frame) -> Detection | None:
        assert self.last_box is not None
        dets = self.full.detect(frame.image, time_s=frame.time_s)
        det = match_subject(dets, last=self.last_box, max_distance=self._gate())
        if det is not None:
            self.crop = det.box.expanded(
                margin=self.config.crop_margin, width=self.width, height=self.height
            )
        return det


@dataclass
class TrackResult:
    """The tracked pose dataset and what happened on the way."""

    pose: xr.Dataset
    info: VideoInfo
    decode: DecodeReport
    found_frames: int
    log: list[str]


def track_frames(
    frames: Iterable[Frame],
    *,
    info: VideoInfo,
    config: TrackConfig,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Track the subject through ``frames``; return arrays (time, frame, position, conf,
    world) with NaN where the subject is not seen, and the tracker's log."""
    times: list[float] = []
    indices: list[int] = []
    pos: list[np.ndarray] = []
    conf: list[np.ndarray] = []
    world: list[np.ndarray] = []
    nan3 = np.full((N, 3), np.nan)
    nan1 = np.full(N, np.nan)
    with (
        Landmarker(
            config.model, num_poses=config.max_people, min_confidence=config.min_pose_confidence
        ) as full,
        Landmarker(config.model, num_poses=2, min_confidence=config.min_pose_confidence) as cropped,
    ):
        tracker = SubjectTracker(
            config=config,
            width=info.width,
            height=info.height,
            fps=info.fps,
            full=full,
            cropped=cropped,
        )
        for frame in frames:
            det = tracker.step(frame)
            times.append(frame.time_s)
            indices.append(frame.index)
            pos.append(nan3 if det is None else det.position)
            conf.append(nan1 if det is None else det.confidence)
            world.append(nan3 if det is None else det.world)
            if progress is not None:
                progress(1)
    return (
        np.asarray(times),
        np.asarray(indices, dtype=np.int64),
        np.asarray(pos).reshape(-1, N, 3),
        np.asarray(conf).reshape(-1, N),
        np.asarray(world).reshape(-1, N, 3),
        tracker.log,
    )


def track_video(
    path: Path,
    *,
    config: TrackConfig,
    progress: Callable[[int], None] | None = None,
) -> TrackResult:
    """Track the subject of a video into a (raw, unfiltered) pose dataset.

    Raises
    ------
    InputError
        For a missing, unreadable or empty video.
    NoPersonError
        When nobody, or the subject in too few frames, is found.
    """
    info = probe_video(Path(path))
    report = DecodeReport()
    times, idx, pos, conf, world, log = track_frames(
        prefetch(iter_frames(info.path, report=report)),
        info=info,
        config=config,
        progress=progress,
    )
    found = int(np.sum(np.isfinite(conf[:, 0]))) if len(conf) else 0
    n = len(times)
    if found == 0:
        raise NoPersonError(f"no person found in {path} ({n} frames)")
    needed = max(config.min_found_frames, int(np.ceil(config.min_found_fraction * n)))
    if found < needed:
        raise NoPersonError(
            f"the subject is seen in only {found} of {n} frames of {path} "
            f"(at least {needed} needed)"
        )
    pose = make_pose_dataset(
        position=pos,
        confidence=conf,
        world=world,
        time_s=times,
        frame=idx,
        fps=info.fps,
        source_video=str(path),
        model=f"mediapipe-pose-{config.model}",
        image_width=info.width,
        image_height=info.height,
        rotation_deg=info.rotation_deg,
    )
    pose = with_log_entry(
        pose,
        "track",
        model=config.model,
        pick=list(config.pick) if config.pick else None,
        max_people=config.max_people,
        min_pose_confidence=config.min_pose_confidence,
        crop_margin=config.crop_margin,
        max_match_distance=config.max_match_distance,
        frames=n,
        found_frames=found,
        decode_warnings=report.warnings,
        notes=log,
    )
    return TrackResult(pose=pose, info=info, decode=report, found_frames=found, log=log)

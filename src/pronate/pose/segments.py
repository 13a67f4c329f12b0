"""Runs of tracked frames: :class:`Segment` (the per-frame results of one tracking), the
plan that cuts a clip into segments tracked at once, and the check that two trackings of
the same frames follow the same person."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from pronate.pose.keypoints import KEYPOINTS
from pronate.pose.landmarker import Box
from pronate.pose.subject import N


def _frames_in(frames: np.ndarray, start: int, stop: int) -> np.ndarray:
    return frames[(frames >= start) & (frames < stop)]


@dataclass
class Segment:
    """Per-frame results of tracking one run of frames (NaN where the subject is unseen),
    with the frames where a detection was refused as someone else (``rejected``) and
    where a foreign leg was dropped (``dropped``)."""

    time: np.ndarray
    frame: np.ndarray
    position: np.ndarray
    confidence: np.ndarray
    world: np.ndarray
    log: list[str]
    rejected: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dropped: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def slice_frames(self, start: int, stop: int) -> Segment:
        """The part of this segment with ``start <= frame < stop``."""
        keep = (self.frame >= start) & (self.frame < stop)
        return Segment(
            time=self.time[keep],
            frame=self.frame[keep],
            position=self.position[keep],
            confidence=self.confidence[keep],
            world=self.world[keep],
            log=self.log,
            rejected=_frames_in(self.rejected, start, stop),
            dropped=_frames_in(self.dropped, start, stop),
        )

    def last_box(self) -> Box | None:
        """Box of the subject's last sighting in this segment, if any."""
        seen = np.flatnonzero(np.isfinite(self.confidence[:, 0]))
        if not seen.size:
            return None
        xy = self.position[seen[-1], :, :2]
        return Box(x0=xy[:, 0].min(), y0=xy[:, 1].min(), x1=xy[:, 0].max(), y1=xy[:, 1].max())


def concat_segments(parts: list[Segment]) -> Segment:
    """Join segments that follow each other."""
    return Segment(
        time=np.concatenate([p.time for p in parts]),
        frame=np.concatenate([p.frame for p in parts]),
        position=np.concatenate([p.position for p in parts]).reshape(-1, N, 3),
        confidence=np.concatenate([p.confidence for p in parts]).reshape(-1, N),
        world=np.concatenate([p.world for p in parts]).reshape(-1, N, 3),
        log=[line for p in parts for line in p.log],
        rejected=np.concatenate([p.rejected for p in parts]).astype(np.int64),
        dropped=np.concatenate([p.dropped for p in parts]).astype(np.int64),
    )


@dataclass(frozen=True, kw_only=True)
class SegmentPlan:
    """Frames ``[start, stop)`` of one segment, tracked from ``warm_start`` on."""

    warm_start: int
    start: int
    stop: int | None


def plan_segments(n_frames: int, *, workers: int, warmup: int) -> list[SegmentPlan]:
    """Split ``n_frames`` into up to ``workers`` segments, each but the first preceded by
    ``warmup`` frames; one segment when the clip is too short to gain.

    Every worker tracks the same number of frames, warm-up included (the first segment
    owns ``warmup`` more frames than the others), so they all finish together.
    """
    if workers <= 1 or n_frames <= 0:
        return [SegmentPlan(warm_start=0, start=0, stop=None)]
    k = max(1, min(workers, n_frames // max(4 * warmup, 1)))
    per_worker = (n_frames + (k - 1) * warmup) / k
    bounds = np.round(
        np.concatenate(([0.0], per_worker + np.arange(k) * (per_worker - warmup)))
    ).astype(int)
    return [
        SegmentPlan(warm_start=max(0, int(a) - (warmup if i else 0)), start=int(a), stop=int(b))
        for i, (a, b) in enumerate(itertools.pairwise(bounds))
    ]


def same_subject(a: Segment, b: Segment, *, max_distance: float = 0.25) -> bool:
    """Do two trackings of the same frames follow the same person?

    Compares the mid-hip positions where both saw someone, relative to the body height;
    two segments that saw nobody agree too.
    """
    both = np.isfinite(a.confidence[:, 0]) & np.isfinite(b.confidence[:, 0])
    seen_a, seen_b = np.isfinite(a.confidence[:, 0]).any(), np.isfinite(b.confidence[:, 0]).any()
    if not both.any():
        return not seen_a and not seen_b
    hips = [KEYPOINTS.index("left_hip"), KEYPOINTS.index("right_hip")]
    mid_a = a.position[both][:, hips, :2].mean(axis=1)
    mid_b = b.position[both][:, hips, :2].mean(axis=1)
    height = np.ptp(a.position[both][:, :, 1], axis=1)
    dist = np.linalg.norm(mid_a - mid_b, axis=1) / np.maximum(height, 1e-6)
    return bool(np.median(dist) <= max_distance)

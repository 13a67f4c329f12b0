"""Pass 1 over a recording: a few frames a second, each looked at by the ``lite`` model,
noting whether a whole body is in view and where.

The scan is cheap: frames are decoded as they come (in their own thread), only the
sampled ones are scaled down and looked at, each afresh (IMAGE mode: a sample's finding
does not depend on the ones before, so a scan resumed from a checkpoint finds what an
uninterrupted one finds). Its findings are small (a handful of numbers per sample) and
saved every few thousand frames (:func:`scan_recording`'s ``checkpoint``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pronate.io.atomic import write_bytes_atomic
from pronate.io.video import DecodeReport, iter_frames, prefetch
from pronate.pose.keypoints import KEYPOINTS
from pronate.pose.landmarker import Detection, Landmarker

LEGS = tuple(
    KEYPOINTS.index(f"{side}_{joint}")
    for side in ("left", "right")
    for joint in ("hip", "knee", "ankle")
)
"""Hips, knees and ankles: what a whole body in view must show."""
HEAD = tuple(KEYPOINTS.index(name) for name in ("nose", "left_shoulder", "right_shoulder"))
HIPS = tuple(KEYPOINTS.index(f"{side}_hip") for side in ("left", "right"))
KNEES_ANKLES = tuple(k for k in LEGS if k not in HIPS)


@dataclass(frozen=True, kw_only=True)
class ScanSettings:
    """How the recording is scanned.

    Attributes
    ----------
    rate_hz
        Frames looked at per second of the recording.
    max_side_px
        Sampled frames are scaled down to at most this many pixels on their long side.
    min_confidence
        Both hips must be seen with at least this confidence, and the knees and ankles
        on average (a leg seen from behind, or hidden by the other, is often less sure).
    leg_min_confidence
        Each knee and ankle at least this sure: a talking head's legs, guessed below the
        picture, are at 0.01 to 0.05.
    min_height_frac
        The body (shoulders to ankles) at least this share of the picture's height.
    model
        The pose model of the scan.
    checkpoint_frames
        Findings are saved every this many decoded frames.
    cut_level
        A frame whose 32 x 18 thumbnail differs from the frame before's by more than
        this (mean absolute difference, 0..255) starts another scene (a cut: the call
        switches to another camera, a slide is shared).
    """

    rate_hz: float = 4.0
    max_side_px: int = 640
    min_confidence: float = 0.5
    leg_min_confidence: float = 0.2
    min_height_frac: float = 0.12
    model: str = "lite"
    checkpoint_frames: int = 3000
    cut_level: float = 30.0


@dataclass
class ScanFindings:
    """What the scan found so far: per sampled frame its time, whether a whole body was
    in view, and that body's box (x0, y0, x1, y1, pixels of the full frame; NaN without)."""

    times: list[float] = field(default_factory=list)
    seen: list[bool] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    next_frame: int = 0
    """The first frame not yet decoded."""
    next_sample: int = 0
    """The number of the next sample (it is due at ``next_sample / rate_hz`` seconds)."""
    done: bool = False
    frames: int = 0
    """Frames decoded (when done: the recording's frame count)."""
    last_time_s: float = 0.0
    cuts: list[float] = field(default_factory=list)
    """Times of the frames that start another scene (see ``ScanSettings.cut_level``)."""
    thumb: np.ndarray | None = None
    """The last frame's thumbnail (to compare the next one with)."""
    warnings: list[str] = field(default_factory=list)
    """What decoding said (a file cut short: what could be decoded is scanned)."""

    def save(self, path: Path) -> Path:
        buf = io.BytesIO()
        np.savez(
            buf,
            times=np.asarray(self.times, dtype=np.float64),
            seen=np.asarray(self.seen, dtype=bool),
            boxes=np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4),
            state=np.asarray(
                [self.next_frame, self.next_sample, int(self.done), self.frames], dtype=np.int64
            ),
            last=np.asarray([self.last_time_s], dtype=np.float64),
            cuts=np.asarray(self.cuts, dtype=np.float64),
            thumb=np.zeros((0,), np.float32) if self.thumb is None else self.thumb,
            warnings=np.asarray(self.warnings, dtype=str),
        )
        return write_bytes_atomic(path, buf.getvalue())

    @classmethod
    def load(cls, path: Path) -> ScanFindings | None:
        """The findings saved at ``path``; ``None`` when there are none (or unreadable)."""
        try:
            with np.load(path) as data:
                state = [int(v) for v in data["state"]]
                return cls(
                    times=[float(v) for v in data["times"]],
                    seen=[bool(v) for v in data["seen"]],
                    boxes=[
                        (float(a), float(b), float(c), float(d)) for a, b, c, d in data["boxes"]
                    ],
                    next_frame=state[0],
                    next_sample=state[1],
                    done=bool(state[2]),
                    frames=state[3],
                    last_time_s=float(data["last"][0]),
                    cuts=[float(v) for v in data["cuts"]],
                    thumb=data["thumb"] if data["thumb"].size else None,
                    warnings=[str(w) for w in data["warnings"]],
                )
        except (OSError, ValueError, KeyError, IndexError):
            return None


def whole_body(
    det: Detection, *, width: int, height: int, settings: ScanSettings
) -> tuple[float, float, float, float] | None:
    """The box of ``det`` when it shows a whole body: hips, knees and ankles seen with
    confidence (see :class:`ScanSettings`) and inside the picture, and the body not
    tiny; else ``None``."""
    conf = det.confidence
    xy = det.position[:, :2]
    legs = list(LEGS)
    hips, lower = conf[list(HIPS)], conf[list(KNEES_ANKLES)]
    if np.any(hips < settings.min_confidence) or np.any(lower < settings.leg_min_confidence):
        return None
    if float(np.mean(lower)) < settings.min_confidence:
        return None
    inside = (
        (xy[legs, 0] >= 0) & (xy[legs, 0] < width) & (xy[legs, 1] >= 0) & (xy[legs, 1] < height)
    )
    if not inside.all():
        return None
    top = float(np.min(xy[list(HEAD), 1]))
    bottom = float(np.max(xy[legs, 1]))
    if bottom - top < settings.min_height_frac * height:
        return None
    seen = list(LEGS + HEAD)
    return (
        float(xy[seen, 0].min()),
        float(min(top, xy[seen, 1].min())),
        float(xy[seen, 0].max()),
        bottom,
    )


def scan_recording(
    path: Path,
    *,
    settings: ScanSettings = ScanSettings(),
    findings: ScanFindings | None = None,
    checkpoint: Callable[[ScanFindings], object] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScanFindings:
    """Scan ``path`` (see the module's text), going on from ``findings`` when given.

    ``checkpoint`` is called with the findings every ``settings.checkpoint_frames``
    frames and at the end; ``progress`` with the number of frames decoded.
    """
    import cv2

    found = findings if findings is not None else ScanFindings()
    if found.done:
        return found
    period = 1.0 / settings.rate_hz
    since = 0
    with Landmarker(settings.model, num_poses=1, min_confidence=0.5, still=True) as model:  # type: ignore[arg-type]
        report = DecodeReport()
        frames = prefetch(iter_frames(Path(path), start=found.next_frame, report=report))
        try:
            for frame in frames:
                found.next_frame = frame.index + 1
                found.frames = max(found.frames, frame.index + 1)
                found.last_time_s = frame.time_s
                thumb = cv2.resize(frame.image, (32, 18), interpolation=cv2.INTER_AREA)
                thumb = thumb.astype(np.float32)
                if _cut(found.thumb, thumb, level=settings.cut_level):
                    found.cuts.append(frame.time_s)
                found.thumb = thumb
                if frame.time_s >= found.next_sample * period - 1e-6:
                    found.next_sample = int(np.floor(frame.time_s / period + 1e-6)) + 1
                    h, w = frame.image.shape[:2]
                    scale = min(1.0, settings.max_side_px / max(h, w))
                    image = frame.image
                    if scale < 1.0:
                        size = (max(2, round(w * scale)), max(2, round(h * scale)))
                        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
                    dets = model.detect(image, time_s=frame.time_s)
                    box = None
                    if dets:
                        ih, iw = image.shape[:2]
                        box = whole_body(dets[0], width=iw, height=ih, settings=settings)
                    found.times.append(frame.time_s)
                    found.seen.append(box is not None)
                    nan = float("nan")
                    found.boxes.append(
                        (nan, nan, nan, nan)
                        if box is None
                        else (box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale)
                    )
                since += 1
                if progress is not None:
                    progress(1)
                if checkpoint is not None and since >= settings.checkpoint_frames:
                    checkpoint(found)
                    since = 0
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
    found.warnings = list(dict.fromkeys([*found.warnings, *report.warnings]))
    found.done = True
    if checkpoint is not None:
        checkpoint(found)
    return found


def _cut(before: np.ndarray | None, thumb: np.ndarray, *, level: float) -> bool:
    """Does the picture cut to another scene between thumbnails ``before`` and ``thumb``?"""
    if before is None or before.shape != thumb.shape:
        return False
    return float(np.mean(np.abs(thumb - before))) > level

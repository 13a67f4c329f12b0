"""Adapter between MediaPipe PoseLandmarker (Tasks API, VIDEO mode) and plain arrays.

Everything MediaPipe-specific stays in this module: the rest of pronate sees
:class:`Detection` objects in pixels of the full upright frame.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from pronate.errors import ModelError
from pronate.pose.config import ModelName
from pronate.pose.keypoints import KEYPOINTS
from pronate.pose.models import model_path

N_KEYPOINTS = len(KEYPOINTS)
_BLANK = np.zeros((64, 64, 3), dtype=np.uint8)


@dataclass(frozen=True, kw_only=True)
class Box:
    """An axis-aligned box in pixels: ``x0 <= x1``, ``y0 <= y1``."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(self.width, 0.0) * max(self.height, 0.0)

    @property
    def centre(self) -> tuple[float, float]:
        return (0.5 * (self.x0 + self.x1), 0.5 * (self.y0 + self.y1))

    def contains(self, x: float, y: float) -> bool:
        """True if the point lies inside the box (edges included)."""
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def expanded(self, *, margin: float, width: int, height: int, grid: int = 1) -> Box:
        """Grow by ``margin`` x size on every side, outwards to multiples of ``grid`` pixels,
        clipped to a ``width`` x ``height`` frame.

        Snapping to a grid makes the crop the same for boxes that differ by a few pixels,
        so two runs that saw the subject almost alike feed the model the same picture.
        """
        dx, dy = margin * self.width, margin * self.height
        return Box(
            x0=max(0.0, float(np.floor((self.x0 - dx) / grid) * grid)),
            y0=max(0.0, float(np.floor((self.y0 - dy) / grid) * grid)),
            x1=min(float(width), float(np.ceil((self.x1 + dx) / grid) * grid)),
            y1=min(float(height), float(np.ceil((self.y1 + dy) / grid) * grid)),
        )


@dataclass(frozen=True, kw_only=True)
class Detection:
    """One person's landmarks in the full upright frame.

    Attributes
    ----------
    position
        (33, 3) pixels: x right, y down, z relative depth in the same scale as x.
    confidence
        (33,) min(visibility, presence) in [0, 1].
    world
        (33, 3) metres, the model's world landmarks (origin between the hips).
    """

    position: np.ndarray
    confidence: np.ndarray
    world: np.ndarray

    @property
    def box(self) -> Box:
        """Bounding box of the 33 landmarks."""
        xy = self.position[:, :2]
        return Box(
            x0=float(xy[:, 0].min()),
            y0=float(xy[:, 1].min()),
            x1=float(xy[:, 0].max()),
            y1=float(xy[:, 1].max()),
        )


def _quiet_mediapipe() -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("absl").setLevel(logging.ERROR)


class NativeStderr:
    """File descriptor 2, shared by every thread, silenced while native code logs.

    MediaPipe's C++ side writes its set-up chatter straight to file descriptor 2. While
    any thread is inside :meth:`silenced`, fd 2 points to ``os.devnull``; when the last
    one leaves, it points to the saved original again. Entering and leaving are counted
    under one lock, so threads whose blocks overlap in any order never save a redirected
    descriptor as the "original" (which once sent all later output, error line included,
    into a deleted temporary file). :meth:`passthrough` waits until nothing is silenced
    and keeps it so while pronate itself writes (the progress bar, from worker threads).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._depth = 0
        self._saved: int | None = None

    @property
    def is_silenced(self) -> bool:
        """True while fd 2 points away from the original stderr."""
        return self._saved is not None

    @contextlib.contextmanager
    def silenced(self) -> Iterator[None]:
        """Point fd 2 to ``os.devnull`` for the block (shared by overlapping blocks)."""
        with self._cond:
            if self._depth == 0:
                self._saved = _redirect_fd2()
            self._depth += 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    _restore_fd2(self._saved)
                    self._saved = None
                    self._cond.notify_all()

    @contextlib.contextmanager
    def passthrough(self) -> Iterator[None]:
        """Run the block with fd 2 on the original stderr (waits for silenced blocks)."""
        with self._cond:
            self._cond.wait_for(lambda: self._depth == 0)
            yield


def _redirect_fd2() -> int | None:
    """Point fd 2 to ``os.devnull``; return a duplicate of the original (``None`` if
    there is no fd 2 to redirect)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        return None
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        return None  # nowhere to send it: native logging stays heard
    try:
        os.dup2(sink, 2)
    finally:
        os.close(sink)
    return saved


def _restore_fd2(saved: int | None) -> None:
    """Point fd 2 back to ``saved`` (from :func:`_redirect_fd2`) and close it."""
    if saved is None:
        return
    try:
        os.dup2(saved, 2)
    finally:
        os.close(saved)


NATIVE_STDERR = NativeStderr()
"""The process's one :class:`NativeStderr`: every landmarker silences fd 2 through it."""


class Landmarker:
    """A PoseLandmarker in VIDEO mode that returns :class:`Detection` objects.

    Timestamps passed to :meth:`detect` must increase; they are made strictly increasing
    in whole milliseconds as MediaPipe requires. With ``still=True`` it runs in IMAGE
    mode instead: every picture is looked at afresh (the person detector always runs),
    and the timestamps are ignored.
    """

    def __init__(
        self, model: ModelName, *, num_poses: int, min_confidence: float, still: bool = False
    ):
        _quiet_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        path = model_path(model)
        self._still = still
        mode = vision.RunningMode.IMAGE if still else vision.RunningMode.VIDEO
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=mode,
            num_poses=num_poses,
            min_pose_detection_confidence=min_confidence,
            min_pose_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        try:
            with NATIVE_STDERR.silenced():
                self._task = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"cannot load pose model {path}: {exc}") from exc
        self._last_ms = -1
        self._calls = 0

    def detect(
        self, image: np.ndarray, *, time_s: float, offset: tuple[int, int] = (0, 0)
    ) -> list[Detection]:
        """Run the landmarker on an RGB ``image``; return detections in frame pixels.

        ``offset`` is the (x, y) of the image's top-left corner in the full frame, when
        ``image`` is a crop.
        """
        import mediapipe as mp

        ms = max(round(time_s * 1000.0), self._last_ms + 1)
        self._last_ms = ms
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))

        def run() -> Any:
            if self._still:
                return self._task.detect(mp_image)
            return self._task.detect_for_video(mp_image, ms)

        if self._calls < 2:  # MediaPipe logs set-up warnings on its first calls
            with NATIVE_STDERR.silenced():
                result = run()
        else:
            result = run()
        self._calls += 1
        h, w = image.shape[:2]
        out = []
        for lms, wlms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False):
            arr = np.array(
                [(lm.x, lm.y, lm.z, lm.visibility or 0.0, lm.presence or 0.0) for lm in lms],
                dtype=np.float64,
            )
            world = np.array([(lm.x, lm.y, lm.z) for lm in wlms], dtype=np.float64)
            position = np.column_stack(
                (arr[:, 0] * w + offset[0], arr[:, 1] * h + offset[1], arr[:, 2] * w)
            )
            conf = np.clip(np.minimum(arr[:, 3], arr[:, 4]), 0.0, 1.0)
            out.append(Detection(position=position, confidence=conf, world=world))
        return out

    def forget(self) -> None:
        """Drop the pose MediaPipe is tracking, so the next :meth:`detect` detects afresh.

        In VIDEO mode MediaPipe runs its person detector only when it tracks fewer than
        ``num_poses`` people; otherwise it looks where the last pose was, in the last
        image's normalised coordinates. When the caller moves its crop, that region no
        longer matches the picture: one blank image (where nobody is present) makes the
        tracked pose drop out. It costs one landmark inference and a millisecond of
        timeline (timestamps stay strictly increasing).
        """
        self.detect(_BLANK, time_s=(self._last_ms + 1) / 1000.0)

    def close(self) -> None:
        """Release the MediaPipe graph."""
        task = getattr(self, "_task", None)
        if task is not None:
            with NATIVE_STDERR.silenced():
                task.close()
            self._task = None

    def __enter__(self) -> Landmarker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

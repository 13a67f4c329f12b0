"""The live analyser: one frame in, the chain's reading out, loading moments as they end.

Per frame, the pose model (MediaPipe PoseLandmarker in VIDEO mode through
:class:`pronate.pose.landmarker.Landmarker`) and the per-frame angles of
:mod:`pronate.app.live.reading`. Every ``refresh_s``, the offline analysis itself runs on a
rolling window of the last ``window_s`` seconds (longer while a loading goes on, see
below): clean-up (:func:`pronate.pose.filtering.clean_pose_dataset`), the camera stage
(:func:`pronate.camera.body.observe`: view, roll -- from the scene's lines in 4 of the
window's pictures, as offline from 4 of the clip's --, the upright body), then metrics,
loading moments and their verdicts (:func:`pronate.verdict.analysis.analyse_body`). A
moment is emitted once it has ended inside the window (its peak, verdict and criteria are
then those the offline analysis gives the same stretch of frames; the series is shorter, so
the pelvis reference is the window's).
A loading still going on when the window is analysed holds the window's start
:data:`HOLD_MARGIN_S` before its own, so that a long balance on one leg (10 s, say) ends
inside the window with the quiet stance before it as its reference, and is saved then,
like a short one; the window grows to at most ``max_window_s`` and is then read less often
(every :data:`REFRESH_SHARE` of its length), so its cost per second stays bounded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from pronate.app.live import reading
from pronate.app.live.config import Detector, LiveConfig, landmarker_detector
from pronate.app.live.probe import SmallLook, TileProbe
from pronate.app.live.reading import Note
from pronate.app.live.steady import SteadyCamera
from pronate.app.live.window import (
    Frame,
    SceneLines,
    WindowResult,
    analyse_window,
    blank,
    moment_message,
)
from pronate.camera.body import Camera
from pronate.verdict.assessment import Assessment

log = logging.getLogger(__name__)
MIN_WINDOW_FRAMES: Final[int] = 12
SAME_MOMENT_S: Final[float] = 0.3
"""Peaks closer than this are one moment (the window sees a moment several times)."""
HOLD_MARGIN_S: Final[float] = 1.0
"""Seconds before an ongoing loading's start that the window keeps."""
REFRESH_SHARE: Final[float] = 0.15
"""A window longer than usual is analysed every this share of its length (at least
``refresh_s``)."""


@dataclass(frozen=True, kw_only=True)
class Detected:
    """One frame after the model: what :meth:`LiveAnalyser.read` needs, as a snapshot."""

    entry: Frame
    found: bool
    camera: Camera | None
    stance: str
    moments: list[dict[str, Any]]
    ms: float
    notes: list[Note] = field(default_factory=list)
    tilt_deg: float | None = None


class LiveAnalyser:
    """Reads frames of one live stream, in time order (frames may be skipped).

    Parameters
    ----------
    config
        Model, window and thresholds.
    detector
        ``(detect, close)``; by default the PoseLandmarker of ``config.model``
        (:func:`landmarker_detector`), loaded here.
    probe
        ``(detect, close)`` that finds a small person the detector missed; by default,
        with the default detector, a :class:`~pronate.app.live.probe.TileProbe` (loaded
        when first needed); none with a detector given.
    """

    def __init__(
        self,
        config: LiveConfig | None = None,
        *,
        detector: tuple[Detector, Callable[[], None]] | None = None,
        probe: tuple[Detector, Callable[[], None]] | None = None,
    ) -> None:
        self.config = config or LiveConfig()
        if detector is None and probe is None:
            tiles = TileProbe(self.config.model, min_confidence=self.config.min_pose_confidence)
            probe = (tiles, tiles.close)
        self._detect, self._close = detector or landmarker_detector(self.config)
        self._window: deque[Frame] = deque()
        self._size: tuple[int, int] | None = None
        self._last_refresh = -np.inf
        self._hold_from: float | None = None  # keep frames from here: a loading goes on
        self._emitted: list[float] = []
        self._pool = (
            ThreadPoolExecutor(1, "pronate-live-window") if self.config.background else None
        )
        self._generation = 0
        self._scene = SceneLines()
        self._pending: Future[WindowResult | None] | None = None
        self.camera: Camera | None = None
        self.tilt_deg: float | None = None
        self._steady = SteadyCamera()
        self._notes: list[Note] = []  # of the last window: the subject's size, the legs
        self._small = SmallLook(probe, model=self.model_name)
        self.source: tuple[int, int] | None = None
        self.stance = "none"
        self.last: dict[str, Any] | None = None
        self._last_jpeg: bytes | None = None
        self._lock = threading.Lock()
        self._closed = False

    def pick(self, point: tuple[float, float] | None) -> None:
        """Read the person at ``point`` (pixels of the frames) from the next frame on;
        ``None``: the largest person again. The window starts afresh (it held someone
        else)."""
        with self._lock:
            pick = getattr(self._detect, "pick", None)
            if pick is not None:
                pick(point)
                self._window.clear()

    @property
    def picked(self) -> bool | None:
        """After a click: whether someone was at the pixel (``None``: no click yet)."""
        return getattr(self._detect, "picked", None)

    @property
    def model_name(self) -> str:
        """The model's name as in a pose dataset (``mediapipe-pose-full``)."""
        return f"mediapipe-pose-{self.config.model}"

    def close(self) -> None:
        """Free the model and the window's thread (after the frame being read, if any);
        reading another frame then raises :class:`RuntimeError`."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._close()
            self._small.close()

    def analyse(
        self,
        rgb: np.ndarray,
        *,
        time_s: float,
        jpeg: bytes | None = None,
        source: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        """Read one RGB frame taken at ``time_s`` (seconds, increasing): :meth:`detect`,
        then :meth:`read`; ``source``: the size of the picture the frame was scaled from.

        Returns
        -------
        dict
            ``time``, ``width``, ``height``, ``landmarks`` (33 x [x, y, confidence] in
            pixels, or ``None``), ``metrics`` (:func:`reading.frame_metrics`), ``stance``,
            ``camera``, ``guidance``, ``moments`` (those that ended since the last call),
            ``ms`` (time spent).
        """
        return self.read(self.detect(rgb, time_s=time_s, jpeg=jpeg, source=source))

    def detect(
        self,
        rgb: np.ndarray,
        *,
        time_s: float,
        jpeg: bytes | None = None,
        source: tuple[int, int] | None = None,
    ) -> Detected:
        """The pose model on one frame, the rolling window and the moments that ended;
        when nobody is found, now and then a look for a small person (the probe).

        :meth:`read` of the result may run in another thread while the next frame is
        detected (it only reads the snapshot it is given).
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the live analyser is closed")
            start = time.perf_counter()
            height, width = rgb.shape[:2]
            self._restart_if_needed(width, height, time_s)
            self.source = source
            found = self._detect(rgb, time_s)
            small = self._small.look(
                rgb, time_s, seen=found is not None, source=source, pool=self._pool
            )
            size = (width, height)
            entry = (
                blank(time_s, jpeg, size)
                if found is None
                else Frame(time_s, found.position, found.confidence, found.world, jpeg, size)
            )
            self._window.append(entry)
            while self._window and self._window[0].time_s < self._window_start(time_s):
                self._window.popleft()
            moments = self._refresh(time_s)
            return Detected(
                entry=entry,
                found=found is not None,
                camera=self.camera,
                stance=self.stance,
                moments=moments,
                ms=1000 * (time.perf_counter() - start),
                notes=list(self._notes if found is not None else small),
                tilt_deg=self.tilt_deg,
            )

    def read(self, detected: Detected) -> dict[str, Any]:
        """The reading of a detected frame (see :meth:`analyse`)."""
        start = time.perf_counter()
        out = self._reading(detected)
        out["moments"] = detected.moments
        out["ms"] = round(detected.ms + 1000 * (time.perf_counter() - start), 1)
        self.last, self._last_jpeg = out, detected.entry.jpeg
        return out

    def capture(self) -> dict[str, Any] | None:
        """A moment of the last frame read, by hand (``None`` before the first frame)."""
        if self.last is None:
            return None
        return {
            "source": "capture",
            "side": _loaded_side(self.stance),
            "kind": "capture",
            "time": self.last["time"],
            "verdict": None,
            "criteria": [],
            "metrics": {k: v["value"] for k, v in self.last["metrics"].items()},
            "uncertainty": {k: v["uncertainty"] for k, v in self.last["metrics"].items()},
            "stance": self.stance,
            "jpeg": self._last_jpeg,
        }

    def _restart_if_needed(self, width: int, height: int, time_s: float) -> None:
        back_in_time = bool(self._window) and time_s <= self._window[-1].time_s
        if self._size != (width, height) or back_in_time:
            self._window.clear()
            self._emitted.clear()
            self._generation += 1
            self._last_refresh = -np.inf
            self._hold_from = None
            self.camera = None
            self.tilt_deg = None
            self._steady.reset()
            self._scene = SceneLines()
            self._notes = []
            self._small.forget()
            self._size = (width, height)

    def _reading(self, detected: Detected) -> dict[str, Any]:
        entry, found, camera = detected.entry, detected.found, detected.camera
        width, height = entry.size
        metrics = (
            reading.frame_metrics(
                entry.position, width=width, height=height, camera=camera, model=self.model_name
            )
            if found and camera is not None
            else {}
        )
        missing = (
            reading.cut_off(entry.position, entry.confidence, width=width, height=height)
            if found
            else []
        )
        landmarks = (
            np.column_stack([entry.position[:, :2], entry.confidence]).round(1).tolist()
            if found
            else None
        )
        return {
            "time": entry.time_s,
            "width": width,
            "height": height,
            "landmarks": landmarks,
            "metrics": metrics,
            "stance": detected.stance,
            "camera": reading.camera_dict(camera, detected.tilt_deg),
            "guidance": reading.guidance(
                found=found,
                missing_parts=missing,
                camera=camera,
                notes=detected.notes,
                tilt_deg=detected.tilt_deg,
            ),
        }

    def _refresh(self, time_s: float) -> list[dict[str, Any]]:
        """Moments from the window analysis that finished since the last frame; start
        the next one when it is due."""
        moments: list[dict[str, Any]] = []
        if self._pending is not None and self._pending.done():
            result, self._pending = self._pending.result(), None
            moments = self._apply(result)
        length = self._window[-1].time_s - self._window[0].time_s
        every = max(self.config.refresh_s, REFRESH_SHARE * length)
        due = time_s - self._last_refresh >= every
        seen = sum(1 for f in self._window if np.isfinite(f.position).all())
        if self._pending is not None or not due or seen < MIN_WINDOW_FRAMES:
            return moments
        self._last_refresh = time_s
        frames = list(self._window)
        if self._pool is None:
            return moments + self._apply(self._analyse_window(frames, self._generation))
        self._pending = self._pool.submit(self._analyse_window, frames, self._generation)
        return moments

    def _analyse_window(self, frames: list[Frame], generation: int) -> WindowResult | None:
        """The offline analysis of the window's frames (runs in the window's thread);
        ``None`` if it failed (logged: a live stream goes on without this window)."""
        try:
            known = self._scene.known(frames[-1].time_s)
            result = analyse_window(
                frames,
                generation,
                model=self.model_name,
                thresholds=self.config.thresholds,
                source=self.source,
                segments=known,
            )
            if known is None and generation == self._generation:
                self._scene.keep(frames[-1].time_s, result.segments)
            return result
        except Exception:  # one bad window must not end the stream
            log.exception("live: the analysis of a window failed")
            return None

    def _window_start(self, time_s: float) -> float:
        """Frames before this time leave the window."""
        start = time_s - self.config.window_s
        if self._hold_from is not None:
            start = max(min(start, self._hold_from), time_s - self.config.max_window_s)
        return start

    def _apply(self, result: WindowResult | None) -> list[dict[str, Any]]:
        if result is None or result.generation != self._generation:
            return []  # the stream restarted meanwhile
        steady = self._steady.update(result.camera)
        self.camera, self.tilt_deg = steady.camera, steady.tilt_deg
        self.stance, self._notes = result.stance, result.notes
        last = len(result.frames) - 1
        ongoing = [a.moment.start_s for a in result.assessments if a.moment.end >= last]
        self._hold_from = min(ongoing) - HOLD_MARGIN_S if ongoing else None
        n = len(result.frames)
        return [moment_message(a, result.frames) for a in result.assessments if self._is_new(a, n)]

    def _is_new(self, a: Assessment, n: int) -> bool:
        e = a.moment
        ended = e.start > 0 and e.end < n - 1
        if not ended or any(abs(e.peak_s - t) < SAME_MOMENT_S for t in self._emitted):
            return False
        self._emitted.append(e.peak_s)
        return True


def _loaded_side(stance: str) -> str:
    return stance if stance in ("left", "right") else "both"

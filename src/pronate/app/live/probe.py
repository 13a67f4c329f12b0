"""Is a small person there? When the pose model finds nobody in the whole picture, a
client far from the camera (or small in a video call's tile) may still be there: the
model's person detector sees the whole picture at 224 px and misses a person below
about a sixth of its height (measured: 70 px in a 720 x 405 call window). :class:`TileProbe`
looks again in overlapping square tiles of the picture (each seen at about twice the
resolution: people down to about 50 px are found), so live mode can say "the client is
too small" instead of "nobody is seen".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final

import numpy as np

from pronate.app.live.reading import Note, quality_notes
from pronate.pose.config import ModelName
from pronate.pose.landmarker import Detection, Landmarker

log = logging.getLogger(__name__)
EVERY_S: Final[float] = 2.0
"""While nobody is found, the tiles are searched for a small person at most this often."""
Look = Callable[[np.ndarray, float], Detection | None]
"""``look(rgb, time_s)`` -> a person found, or ``None``."""

TILE_SHARE: Final[float] = 0.6
"""Each square tile's side, as a share of the picture's shorter side; tiles overlap by
at least a third (the model letterboxes a picture into a square: square tiles lose
nothing)."""


def _starts(length: int, side: int) -> list[int]:
    """Evenly spaced starts of tiles of ``side`` along ``length``, overlapping by at
    least a third of a tile (a person across two tiles is whole in one of them)."""
    room = max(length - side, 0)
    n = math.ceil(room / (side * 2 / 3)) + 1
    return [round(i * room / (n - 1)) for i in range(n)] if n > 1 else [0]


def tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The overlapping square tiles ``(x0, y0, x1, y1)`` that cover a picture."""
    side = max(16, round(TILE_SHARE * min(width, height)))
    return [
        (x, y, min(x + side, width), min(y + side, height))
        for y in _starts(height, side)
        for x in _starts(width, side)
    ]


class TileProbe:
    """Looks for a person in the tiles of a picture with a landmarker of its own (loaded
    at the first look; a look costs two model runs per tile, eight tiles in a 16:9
    picture, so live mode looks at most every few seconds, in its window's thread).

    Parameters
    ----------
    model
        PoseLandmarker bundle.
    min_confidence
        Detection confidence.
    """

    def __init__(self, model: ModelName, *, min_confidence: float = 0.5) -> None:
        self.model, self.min_confidence = model, min_confidence
        self._marker: Landmarker | None = None

    def __call__(self, rgb: np.ndarray, time_s: float) -> Detection | None:
        """The largest person found in a tile (positions in the whole picture), if any."""
        if self._marker is None:
            self._marker = Landmarker(self.model, num_poses=1, min_confidence=self.min_confidence)
        height, width = rgb.shape[:2]
        for x0, y0, x1, y1 in tiles(width, height):
            self._marker.forget()  # each tile is a new picture, not the last one moved
            crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
            found = self._marker.detect(crop, time_s=time_s, offset=(x0, y0))
            if found:
                return max(found, key=lambda d: d.box.area)
        return None

    def close(self) -> None:
        """Free the landmarker."""
        if self._marker is not None:
            self._marker.close()
            self._marker = None


class SmallLook:
    """The looks for a small person of one live stream: at most every ``every_s`` while
    nobody is found, each in ``pool`` (the window's thread) when given; what the last one
    found is said until somebody is found in the whole picture.

    Parameters
    ----------
    probe
        ``(look, close)`` (``None``: never look).
    model
        The model's name, for the quality notes.
    every_s
        Seconds between looks.
    """

    def __init__(
        self,
        probe: tuple[Look, Callable[[], None]] | None,
        *,
        model: str,
        every_s: float = EVERY_S,
    ) -> None:
        self.probe, self.model, self.every_s = probe, model, every_s
        self._notes: list[Note] = []
        self._pending: Future[list[Note]] | None = None
        self._last = -math.inf

    def look(
        self,
        rgb: np.ndarray,
        time_s: float,
        *,
        seen: bool,
        source: tuple[int, int] | None,
        pool: ThreadPoolExecutor | None,
    ) -> list[Note]:
        """The ``small`` note of the last look (nothing once somebody is ``seen``);
        start another look when nobody is seen and one is due."""
        if self._pending is not None and self._pending.done():
            self._notes, self._pending = self._pending.result(), None
        if seen:
            self._notes = []
            return []
        if self.probe is not None and self._pending is None and time_s - self._last >= self.every_s:
            self._last = time_s
            size = (rgb.shape[1], rgb.shape[0])
            if pool is None:
                self._notes = self._found(rgb, time_s, size, source)
            else:
                self._pending = pool.submit(self._found, rgb.copy(), time_s, size, source)
        return list(self._notes)

    def _found(
        self, rgb: np.ndarray, time_s: float, size: tuple[int, int], source: tuple[int, int] | None
    ) -> list[Note]:
        """The size note of a person found in the tiles (a failed look is logged and
        finds nothing: the stream goes on)."""
        assert self.probe is not None
        try:
            found = self.probe[0](rgb, time_s)
        except Exception:
            log.exception("live: the look for a small person failed")
            return []
        if found is None:
            return []
        notes = quality_notes(
            found.position[None], found.confidence[None], size=size, source=source, model=self.model
        )
        return [n for n in notes if n[0] == "small"]

    def forget(self) -> None:
        """Forget what was found (the stream starts again)."""
        self._notes, self._last = [], -math.inf

    def close(self) -> None:
        """Free the probe's model."""
        if self.probe is not None:
            self.probe[1]()

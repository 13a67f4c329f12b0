"""A steady camera for live mode: the view and the tilt the coach is shown change only
when the windows agree, not with every window.

Each window (the last 4 s, read every 0.75 s) estimates the camera again
(:func:`pronate.camera.body.observe`); near a boundary of the views (20 deg off the front,
say) the estimate flips between ``front`` and ``oblique`` from one window to the next.
:class:`SteadyCamera` takes the median yaw of the last :data:`HOLD` windows and changes
the view it shows only when that yaw lies :data:`MARGIN_DEG` inside another view
(hysteresis); the reason and where to put the camera are then
:func:`pronate.camera.view.placement` of that yaw, the words of the offline analysis. A
tilt is shown only when every one of the last :data:`HOLD` windows found the same one
(within :data:`TILT_SPREAD_DEG`): one window of a client leaning is not a tilted camera.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from pronate.camera.body import Camera
from pronate.camera.view import ViewInfo, classify_yaw, placement

HOLD: Final[int] = 4
"""Windows the steady camera looks back on (about 3 s at one window every 0.75 s)."""
MARGIN_DEG: Final[float] = 5.0
"""How far inside another view the median yaw must be for the view shown to change."""
MAX_TILT_DEG: Final[float] = 5.0
"""A tilt beyond this is named in the guidance (the angles are corrected for it)."""
TILT_SPREAD_DEG: Final[float] = 3.0
"""The windows' tilts must agree within this to be believed."""
MEASURABLE: Final[tuple[str, ...]] = ("front", "back")


def median_yaw(yaws: list[float]) -> float:
    """The median of yaws on the circle (degrees in (-180, 180])."""
    centre = float(np.degrees(np.angle(np.mean(np.exp(1j * np.radians(yaws))))))
    offsets = [((y - centre + 180.0) % 360.0) - 180.0 for y in yaws]
    return ((centre + float(np.median(offsets)) + 180.0) % 360.0) - 180.0


@dataclass(frozen=True)
class Steady:
    """What the coach is shown of the camera.

    Attributes
    ----------
    camera
        The latest window's camera with the steady view (its yaw the median of the last
        windows, ``frontal_measurable``, ``reason`` and ``placement_hint`` to match).
    tilt_deg
        The camera's tilt when the last windows agree on one beyond :data:`MAX_TILT_DEG`,
        else ``None``.
    """

    camera: Camera
    tilt_deg: float | None


class SteadyCamera:
    """The steady view and tilt of a live stream (one per stream; :meth:`reset` when it
    starts again)."""

    def __init__(self) -> None:
        self._yaws: deque[float] = deque(maxlen=HOLD)
        self._tilts: deque[float | None] = deque(maxlen=HOLD)
        self.view: str | None = None

    def reset(self) -> None:
        """Forget the windows seen (a new stream, or a new picture size)."""
        self._yaws.clear()
        self._tilts.clear()
        self.view = None

    def update(self, camera: Camera) -> Steady:
        """Take the camera of a new window; return what is shown now."""
        self._yaws.append(float(camera.view.yaw_deg))
        usable = camera.roll_method not in ("none", "override")
        self._tilts.append(float(camera.roll_deg) if usable else None)
        yaw = median_yaw(list(self._yaws))
        candidate = classify_yaw(yaw)
        inside = classify_yaw(yaw - MARGIN_DEG) == classify_yaw(yaw + MARGIN_DEG) == candidate
        if self.view is None or (candidate != self.view and inside):
            self.view = candidate
        info = ViewInfo(self.view, yaw, camera.view.labels_swapped, camera.view.source)
        measurable = self.view in MEASURABLE
        reason, hint = (None, None) if measurable else placement(info)
        steady = replace(
            camera, view=info, frontal_measurable=measurable, reason=reason, placement_hint=hint
        )
        return Steady(camera=steady, tilt_deg=self._tilt())

    def _tilt(self) -> float | None:
        tilts = [t for t in self._tilts if t is not None]
        if len(self._tilts) < HOLD or len(tilts) < HOLD:
            return None
        if max(tilts) - min(tilts) > TILT_SPREAD_DEG:
            return None
        tilt = float(np.median(tilts))
        return tilt if abs(tilt) > MAX_TILT_DEG else None

"""A loading moment and its kinds (see :mod:`pronate.verdict.moments`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Final

KINDS: Final[tuple[str, ...]] = (
    "squat",
    "lunge",
    "single_leg_squat",
    "step_down",
    "walking_stance",
    "single_leg_stance",
)
SIDES: Final[tuple[str, ...]] = ("left", "right", "both")
OTHER_SIDE: Final[dict[str, str]] = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class Moment:
    """One loading moment.

    Attributes
    ----------
    side
        ``left``, ``right`` or ``both``.
    kind
        One of :data:`KINDS`.
    start, peak, end
        Positions along ``time`` (``end`` inclusive).
    start_s, peak_s, end_s
        The same as times (s).
    start_frame, peak_frame, end_frame
        The same as video frame numbers.
    depth
        Pelvis drop of the moment (prominence of the dip), leg lengths; NaN if none.
    knee
        Position where the knee is read: the peak, or in a dip deeper than
        ``fppa_max_depth`` the last frame of the descent within that depth (the 2-D FPPA
        loses its meaning when the thigh points at the camera); -1: the peak.
    knee_s, knee_frame
        The same as time and frame number (filled in from the peak when ``knee`` is -1).
    """

    side: str
    kind: str
    start: int
    peak: int
    end: int
    start_s: float
    peak_s: float
    end_s: float
    start_frame: int
    peak_frame: int
    end_frame: int
    depth: float = float("nan")
    knee: int = -1
    knee_s: float = float("nan")
    knee_frame: int = -1

    def __post_init__(self) -> None:
        if self.knee < 0:
            object.__setattr__(self, "knee", self.peak)
            object.__setattr__(self, "knee_s", self.peak_s)
            object.__setattr__(self, "knee_frame", self.peak_frame)

    def as_dict(self) -> dict[str, object]:
        """Return the event as a plain dict."""
        return asdict(self)

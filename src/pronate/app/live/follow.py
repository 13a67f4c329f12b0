"""The live detector: the largest person, or the person the coach clicked on.

By default each frame's largest person is read (MediaPipe's own frame-to-frame tracking
keeps them). A click on the picture (:meth:`Follower.pick`) finds everyone in the next
frame (:func:`pronate.pose.people.people_in`) and follows the person at that pixel as
``pronate analyze`` follows its subject (:class:`pronate.pose.subject.SubjectTracker`:
a crop around them, the identity checks, the others greyed out); a frame where they are
not seen has no reading, never someone else's.
"""

from __future__ import annotations

import numpy as np

from pronate.io.video import Frame
from pronate.pose.config import ModelName, TrackConfig
from pronate.pose.landmarker import Detection, Landmarker
from pronate.pose.people import people_in
from pronate.pose.subject import SubjectTracker

MAX_PEOPLE = 4
"""People looked for when the coach clicks."""


class Follower:
    """``follower(rgb, time_s)`` -> the detection of the person read in this frame."""

    def __init__(self, model: ModelName, *, min_confidence: float) -> None:
        self.model, self.min_confidence = model, min_confidence
        self._largest = Landmarker(model, num_poses=1, min_confidence=min_confidence)
        self._still: Landmarker | None = None
        self._tracker: SubjectTracker | None = None
        self._pending: tuple[float, float] | None = None
        self._reset = False
        self._index = 0
        self.picked: bool | None = None
        """After a click: whether someone was at the pixel (``None``: no click yet)."""

    def pick(self, point: tuple[float, float] | None) -> None:
        """Follow the person at ``point`` (pixels of the frames) from the next frame on;
        ``None``: the largest person again."""
        if point is None:
            self._reset = True
        self._pending = point

    def __call__(self, rgb: np.ndarray, time_s: float) -> Detection | None:
        self._index += 1
        frame = Frame(index=self._index, time_s=time_s, image=rgb)
        if self._reset:
            self._reset = False
            self._closed_tracker()
        if self._pending is not None:
            self._take(frame, self._pending)
            self._pending = None
        tracker = self._tracker
        if tracker is not None and (tracker.width, tracker.height) == (rgb.shape[1], rgb.shape[0]):
            return tracker.step(frame)
        found = self._largest.detect(rgb, time_s=time_s)
        return max(found, key=lambda d: d.box.area) if found else None

    def _take(self, frame: Frame, point: tuple[float, float]) -> None:
        """Find the person at ``point`` in ``frame`` and follow them."""
        if self._still is None:
            self._still = Landmarker(
                self.model, num_poses=MAX_PEOPLE, min_confidence=self.min_confidence, still=True
            )
        people = people_in(frame.image, self._still, max_people=MAX_PEOPLE)
        inside = [d for d in people if d.box.contains(*point)]
        self.picked = bool(inside)
        if not inside:
            return
        chosen = min(inside, key=lambda d: float(np.hypot(*(np.subtract(d.box.centre, point)))))
        self._closed_tracker()
        h, w = frame.image.shape[:2]
        config = TrackConfig(model=self.model, min_pose_confidence=self.min_confidence)
        tracker = SubjectTracker(
            config=config,
            width=w,
            height=h,
            fps=30.0,
            full=Landmarker(
                self.model, num_poses=config.max_people, min_confidence=self.min_confidence
            ),
            cropped=Landmarker(self.model, num_poses=1, min_confidence=self.min_confidence),
        )
        tracker.hand_over(chosen.box)
        for other in people:
            if other is not chosen:
                look = tracker.identity.look(frame.image, other)
                tracker.identity.note_other(other, look, time_s=frame.time_s)
        self._tracker = tracker

    def _closed_tracker(self) -> None:
        if self._tracker is not None:
            self._tracker.full.close()
            self._tracker.cropped.close()
        self._tracker = None

    def close(self) -> None:
        """Free the models."""
        self._closed_tracker()
        self._largest.close()
        if self._still is not None:
            self._still.close()

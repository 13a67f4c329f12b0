"""Following the subject frame by frame, never a bystander.

The subject is given by a :class:`Target` (the client chosen by the opening survey,
:mod:`pronate.pose.choice`: their first sighting and their looks) and taken in the first
frame where a detection matches it; without one (nobody seen by the survey), the person at
the ``pick`` pixel, or else the largest person, of the first frame where anyone is seen.
From then on the landmarker runs on a crop around the subject's last box (kept still while
the subject stays well inside it, so MediaPipe's own frame-to-frame tracking keeps working:
the crop landmarker follows one pose and runs its person detector only when that pose is
lost; it is told to forget the pose when the crop moves or when it follows someone else).

A detection is the subject only if its box centre lies within ``max_match_distance`` box
heights of the last box, its size is similar, and :class:`pronate.pose.identity.Identity`
finds it is the same person (motion, looks, the others seen); otherwise the frame is lost
(NaN), never given to someone else. When the crop holds someone else, they are greyed out
and the crop is looked at again, so the subject is found behind or beside them. When the
subject is lost, full-frame detections are searched with the same checks, the gate widened
slowly with the time lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pronate.io.video import (
    Frame,
)
from pronate.pose.appearance import Look
from pronate.pose.bodies import SIZE_RATIO_LIMIT, Target, body_mask, matches_target
from pronate.pose.config import TrackConfig
from pronate.pose.identity import Identity
from pronate.pose.keypoints import KEYPOINTS
from pronate.pose.landmarker import Box, Detection, Landmarker

N = len(KEYPOINTS)
CROP_GRID = 32
"""Crops are snapped outwards to multiples of this many pixels (see :meth:`Box.expanded`)."""


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


SIMILAR_SIZE = 0.8
"""Two people whose box areas are within this ratio are "of about the same size"."""
WARNING_PREFIX = "warning: "
REFUSAL = "refused in frame"
"""Tracking log lines of a detection refused as someone else start so."""
"""Tracking log lines that are also warnings for the user."""


def similar_rival(detections: list[Detection], chosen: Detection) -> Detection | None:
    """The largest other person at least :data:`SIMILAR_SIZE` as big as the chosen one."""
    others = [
        d for d in detections if d is not chosen and d.box.area >= SIMILAR_SIZE * chosen.box.area
    ]
    return max(others, key=lambda d: d.box.area) if others else None


def rival_warning(chosen: Detection, rival: Detection, *, frame: int) -> str:
    """The warning that the largest person was taken among people of about the same size."""
    (x, y), (rx, ry) = chosen.box.centre, rival.box.centre
    return (
        f"{WARNING_PREFIX}two people of about the same size in frame {frame}: the one at "
        f"({x:.0f}, {y:.0f}) px was taken as the client; to take the other, give "
        f"--pick {rx:.0f},{ry:.0f}"
    )


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

    With ``restart_every`` (frames), on every frame whose index is a multiple of it the
    crop is set afresh around the last box and the crop landmarker forgets what it
    follows (:meth:`restart`): MediaPipe's frame-to-frame state then no longer depends
    on where tracking began, so runs started at different frames (parallel segments)
    give the same result from the first such frame they share.
    """

    config: TrackConfig
    width: int
    height: int
    fps: float
    full: Landmarker
    cropped: Landmarker
    restart_every: int = 0
    target: Target | None = None
    identity: Identity = field(default_factory=Identity)
    last_box: Box | None = None
    last_det: Detection | None = None
    crop: Box | None = None
    lost_frames: int = 0
    rejected: list[int] = field(default_factory=list)
    """Frames where a detection was refused as someone else."""
    dropped: list[int] = field(default_factory=list)
    """Frames where a foreign leg was dropped."""
    log: list[str] = field(default_factory=list)
    _judged_look: tuple[Detection, Look] | None = None

    def step(self, frame: Frame) -> Detection | None:
        """Process one frame."""
        if self.last_box is None:
            det = self._acquire(frame)
            if det is not None:
                self._take(det, frame)
            return det
        if self.restart_every > 0 and frame.index % self.restart_every == 0:
            self.restart()
            if self.last_det is not None:
                self._look_around(frame)
        det = self._in_crop(frame)
        if det is None:
            det = self._refind(frame)
        if det is None:
            self.lost_frames += 1
            self.identity.lost()
            return None
        self.lost_frames = 0
        self._take(det, frame)
        if needs_new_crop(self.crop, det.box, margin=self.config.crop_margin):
            self._move_crop(det.box)
        return det

    def hand_over(self, box: Box) -> None:
        """Follow the subject seen in ``box`` in the frame before the next one."""
        self.last_box = box
        self.crop = box.expanded(
            margin=self.config.crop_margin, width=self.width, height=self.height, grid=CROP_GRID
        )

    def restart(self) -> None:
        """Crop afresh around the last box; the crop landmarker detects afresh."""
        assert self.last_box is not None
        self.crop = self.last_box.expanded(
            margin=self.config.crop_margin, width=self.width, height=self.height, grid=CROP_GRID
        )
        self.cropped.forget()

    def _take(self, det: Detection, frame: Frame) -> None:
        self.last_box, self.last_det = det.box, det
        seen = self._judged_look
        look = seen[1] if seen is not None and seen[0] is det else None
        look = look or self.identity.look(frame.image, det)
        self.identity.accept(det, look, time_s=frame.time_s)

    def _move_crop(self, box: Box) -> None:
        """Crop around ``box``; if the crop moves, the crop landmarker's tracking is stale."""
        crop = box.expanded(
            margin=self.config.crop_margin, width=self.width, height=self.height, grid=CROP_GRID
        )
        if self.crop is not None and crop != self.crop:
            self.cropped.forget()
        self.crop = crop

    def _acquire(self, frame: Frame) -> Detection | None:
        if self.target is not None and frame.index < self.target.frame - self.fps:
            return None  # the target is first seen later: no need to look yet
        dets = self.full.detect(frame.image, time_s=frame.time_s)
        det = self._of_target(dets, frame) if self.target is not None else self._chosen(dets, frame)
        if det is not None:
            self.crop = det.box.expanded(
                margin=self.config.crop_margin, width=self.width, height=self.height, grid=CROP_GRID
            )
            self.log.append(f"subject taken in frame {frame.index} among {len(dets)} people")
        return det

    def _chosen(self, dets: list[Detection], frame: Frame) -> Detection | None:
        """Without a target: the person at ``pick``, or the largest; once the subject's
        looks are known (handed over by the survey, e.g. to a later segment), only among
        those the identity checks take for them (with those refused greyed out, the
        frame is looked at once more), the one who looks most like them."""
        if self.identity.model.ready and not self.identity.learn:
            dets = self._like_subject(dets, frame)
            if len(dets) > 1:
                return max(dets, key=lambda d: self._likeness(d, frame))
        det = choose_subject(dets, pick=self.config.pick)
        if det is not None and self.config.pick is None:
            rival = similar_rival(dets, det)
            if rival is not None:
                self.log.append(rival_warning(det, rival, frame=frame.index))
        return det

    def _like_subject(self, dets: list[Detection], frame: Frame) -> list[Detection]:
        def taken(found: list[Detection]) -> list[Detection]:
            return [
                d
                for d in found
                if self.identity.judge(d, frame.image, time_s=frame.time_s).accepted
            ]

        kept = taken(dets)
        if kept or not dets:
            return kept
        picture = frame.image.copy()
        for d in dets:
            picture[body_mask(d.position, picture.shape[:2], offset=(0, 0))] = 127
        return taken(self.full.detect(picture, time_s=frame.time_s))

    def _likeness(self, det: Detection, frame: Frame) -> float:
        scores = self.identity.model.scores(self.identity.look(frame.image, det))
        return float(np.mean(list(scores.values()))) if scores else 0.0

    def _of_target(self, dets: list[Detection], frame: Frame) -> Detection | None:
        """The detection that is the target, from the full frame or (once the target's
        frame is reached) from a crop around the target's box."""
        assert self.target is not None
        near = [(d, self._target_distance(d, frame)) for d in dets]
        close = [(dist, i) for i, (_, dist) in enumerate(near) if dist is not None]
        if close:
            return near[min(close)[1]][0]
        if frame.index < self.target.frame:
            return None
        self.hand_over(self.target.det.box)
        self.cropped.forget()
        det = self._in_crop(frame)
        if det is None:
            self.last_box = self.crop = None
        return det

    def _target_distance(self, det: Detection, frame: Frame) -> float | None:
        assert self.target is not None
        return matches_target(det, self.target, frame=frame.index, fps=self.fps)

    def _gate(self) -> float:
        lost_s = self.lost_frames / self.fps
        return self.config.max_match_distance * min(1.0 + lost_s, 2.0)

    def _in_crop(self, frame: Frame) -> Detection | None:
        assert self.crop is not None and self.last_box is not None
        x0, y0 = int(self.crop.x0), int(self.crop.y0)
        x1, y1 = int(np.ceil(self.crop.x1)), int(np.ceil(self.crop.y1))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        near = self.identity.others_near(self.last_box, time_s=frame.time_s)
        picture = self._without(near, frame.image[y0:y1, x0:x1], offset=(x0, y0))
        dets = self.cropped.detect(picture, time_s=frame.time_s, offset=(x0, y0))
        det = match_subject(dets, last=self.last_box, max_distance=self._gate())
        if det is not None:
            judged = self._judged(det, frame)
            if judged is not None:
                return judged
            # someone else holds the crop: grey them out and look again
            self.cropped.forget()
            picture = self._without([det.position, *near], picture, offset=(x0, y0))
            dets = self.cropped.detect(picture, time_s=frame.time_s, offset=(x0, y0))
            det = match_subject(dets, last=self.last_box, max_distance=self._gate())
            if det is not None and (judged := self._judged(det, frame)) is not None:
                return judged
        if dets:
            self.cropped.forget()  # it follows someone else: look afresh next frame
        return None

    def _without(
        self, others: list[np.ndarray], picture: np.ndarray, *, offset: tuple[int, int]
    ) -> np.ndarray:
        """``picture`` with the bodies of ``others`` (keypoints) greyed out, except where
        the subject last was."""
        if not others:
            return picture
        mask = np.zeros(picture.shape[:2], bool)
        for position in others:
            mask |= body_mask(position, picture.shape[:2], offset=offset)
        if self.last_det is not None:
            mask &= ~body_mask(self.last_det.position, picture.shape[:2], offset=offset)
        out = picture.copy()
        out[mask] = 127
        return out

    def _look_around(self, frame: Frame) -> None:
        """Where are the others now? The full frame, the subject greyed out (at each
        restart, once someone else has been seen)."""
        assert self.last_box is not None and self.last_det is not None
        if not self.identity.others:
            return
        mask = body_mask(self.last_det.position, frame.image.shape[:2], offset=(0, 0))
        picture = frame.image.copy()
        picture[mask] = 127
        for det in self.full.detect(picture, time_s=frame.time_s):
            if match_subject([det], last=self.last_box, max_distance=0.25) is None:
                self.identity.note_other(
                    det, self.identity.look(frame.image, det), time_s=frame.time_s
                )

    def _judged(self, det: Detection, frame: Frame) -> Detection | None:
        """``det`` if the identity checks take it as the subject (a foreign leg dropped)."""
        verdict = self.identity.judge(det, frame.image, time_s=frame.time_s)
        if not verdict.accepted:
            if not self.rejected or self.rejected[-1] != frame.index:
                self.rejected.append(frame.index)
            self.log.append(f"{REFUSAL} {frame.index}: refused, {verdict.reason}")
            self.identity.note_other(det, verdict.look, time_s=frame.time_s)
            return None
        if verdict.drop:
            self.dropped.append(frame.index)
        taken = verdict.applied(det)
        self._judged_look = (taken, verdict.look)
        return taken

    def _refind(self, frame: Frame) -> Detection | None:
        assert self.last_box is not None
        dets = self.full.detect(frame.image, time_s=frame.time_s)
        gate = self._gate()
        candidates = []
        for det in dets:
            if match_subject([det], last=self.last_box, max_distance=gate) is None:
                if not self.last_box.contains(*det.box.centre):
                    look = self.identity.look(frame.image, det)
                    self.identity.note_other(det, look, time_s=frame.time_s)
                continue
            judged = self._judged(det, frame)
            if judged is not None:
                candidates.append(judged)
        found = match_subject(candidates, last=self.last_box, max_distance=gate)
        if found is not None:
            self._move_crop(found.box)
        return found

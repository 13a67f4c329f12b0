"""Track one subject through a clip: segments in parallel threads, joined and checked.

First the opening seconds are surveyed for everyone in the picture and the client is
chosen (:func:`pronate.pose.choice.survey_clip`); then the client is followed by
:class:`pronate.pose.subject.SubjectTracker` (never a bystander). With several workers the
clip is cut into segments, each tracked by its own landmarkers after a short warm-up and
knowing the client's looks; on the warm-up frames a segment must follow the same person
as the segment before, or it is tracked again with the subject handed over.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import xarray as xr

from pronate.errors import InputError, NoPersonError
from pronate.io.video import (
    DecodeReport,
    Frame,
    VideoInfo,
    iter_frames,
    prefetch,
    probe_video,
    read_timeline,
)
from pronate.pose.choice import Choice
from pronate.pose.config import TrackConfig
from pronate.pose.identity import MAX_OTHERS, Identity
from pronate.pose.landmarker import NATIVE_STDERR, Box, Landmarker
from pronate.pose.schema import make_pose_dataset, with_log_entry
from pronate.pose.segments import (
    Segment,
    SegmentPlan,
    concat_segments,
    plan_segments,
    same_subject,
)
from pronate.pose.subject import REFUSAL, WARNING_PREFIX, N, SubjectTracker, Target
from pronate.pose.survey import subject_record, survey_clip
from pronate.pose.threads import TrackingCancelledError, run_in_threads

__all__ = [
    "FrameTap",
    "Segment",
    "SegmentPlan",
    "TrackResult",
    "concat_segments",
    "plan_segments",
    "same_subject",
    "track_frames",
    "track_parallel",
    "track_video",
    "warmup_frames",
]


@dataclass
class TrackResult:
    """The tracked pose dataset and what happened on the way."""

    pose: xr.Dataset
    info: VideoInfo
    decode: DecodeReport
    found_frames: int
    log: list[str]
    choice: Choice | None = None


FrameTap = Callable[[Frame], None]
"""Sees the decoded frames while they are tracked (e.g. to keep a few for the scene's
lines, :class:`pronate.camera.scene.FrameSampler`), from the tracking threads: each frame once,
in order within a segment (segments run at the same time)."""


def track_frames(
    frames: Iterable[Frame],
    *,
    info: VideoInfo,
    config: TrackConfig,
    init_box: Box | None = None,
    choice: Choice | None = None,
    report_from: int = 0,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
    on_frame: FrameTap | None = None,
) -> Segment:
    """Track the subject through ``frames``.

    With ``init_box`` the subject is handed over (its box in the frame before the first
    one) instead of being chosen. ``choice`` is the client chosen by the survey: their
    looks and the others' are known, and when ``frames`` start at the clip's start they
    are taken at their first sighting. ``progress`` is called for frames with index
    ``>= report_from`` (frames before are a warm-up), never while MediaPipe's native
    logging is silenced (see :class:`~pronate.pose.landmarker.NativeStderr`).
    ``on_frame`` is called with each of those frames (see :data:`FrameTap`). The tracker
    restarts every :func:`warmup_frames` frames (see :class:`SubjectTracker`), so every
    warm-up holds a restart.

    Raises
    ------
    TrackingCancelledError
        When ``cancel`` is set, before the next frame.
    """
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
        Landmarker(config.model, num_poses=1, min_confidence=config.min_pose_confidence) as crop,
    ):
        tracker = SubjectTracker(
            config=config,
            width=info.width,
            height=info.height,
            fps=info.fps,
            full=full,
            cropped=crop,
            restart_every=warmup_frames(config, fps=info.fps),
            identity=identity_of(choice),
        )
        if init_box is not None:
            tracker.hand_over(init_box)
        for frame in frames:
            if _awaits(tracker, choice, frame):
                assert choice is not None
                tracker.target = Target(frame=choice.frame, det=choice.person.first.det)
            if cancel is not None and cancel.is_set():
                raise TrackingCancelledError(f"tracking stopped at frame {frame.index}")
            det = tracker.step(frame)
            times.append(frame.time_s)
            indices.append(frame.index)
            pos.append(nan3 if det is None else det.position)
            conf.append(nan1 if det is None else det.confidence)
            world.append(nan3 if det is None else det.world)
            if frame.index < report_from:
                continue
            if on_frame is not None:
                on_frame(frame)
            if progress is not None:
                with NATIVE_STDERR.passthrough():
                    progress(1)
    return Segment(
        time=np.asarray(times, dtype=np.float64),
        frame=np.asarray(indices, dtype=np.int64),
        position=np.asarray(pos).reshape(-1, N, 3),
        confidence=np.asarray(conf).reshape(-1, N),
        world=np.asarray(world).reshape(-1, N, 3),
        log=tracker.log,
        rejected=np.asarray(tracker.rejected, dtype=np.int64),
        dropped=np.asarray(tracker.dropped, dtype=np.int64),
    )


def _awaits(tracker: SubjectTracker, choice: Choice | None, frame: Frame) -> bool:
    """Must the tracker look for the survey's choice in particular (not taken yet, and
    first seen from this frame on)?"""
    if choice is None or not choice.targets or tracker.last_box is not None:
        return False
    return tracker.target is None and frame.index <= choice.frame


def identity_of(choice: Choice | None) -> Identity:
    """What a tracker knows of the client from the survey: their looks (learnt from their
    own first frames when the survey saw none comparable) and the others' looks and last
    places."""
    if choice is None:
        return Identity()
    others = deque(choice.others(), maxlen=MAX_OTHERS)
    model = choice.model()
    if not model.ready:
        return Identity(others=others)
    return Identity(model=model, learn=False, others=others)


def warmup_frames(config: TrackConfig, *, fps: float) -> int:
    """Frames of warm-up before a segment (``config.warmup_s``, at least 10); also the
    period of the tracker's restarts."""
    return max(10, round(config.warmup_s * fps))


@contextlib.contextmanager
def _frames(
    path: Path, *, start: int, stop: int | None, report: DecodeReport
) -> Iterator[Iterator[Frame]]:
    """Frames ``[start, stop)`` decoded ahead (:func:`prefetch`); the decoding thread is
    stopped when the block ends, however it ends."""
    frames = prefetch(iter_frames(path, start=start, stop=stop, report=report))
    try:
        yield frames
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()


def track_parallel(
    path: Path,
    *,
    info: VideoInfo,
    n_frames: int,
    config: TrackConfig,
    report: DecodeReport,
    choice: Choice | None = None,
    progress: Callable[[int], None] | None = None,
    on_frame: FrameTap | None = None,
) -> Segment:
    """Track segments of the clip in parallel, each with its own landmarkers, in threads
    that stop at the next frame when the caller is interrupted (see
    :func:`run_in_threads`).

    Every segment after the first starts :func:`warmup_frames` frames early; those
    warm-up frames are dropped. The warm-up holds one of the tracker's periodic restarts
    (see :class:`SubjectTracker`), after which MediaPipe's temporal state no longer
    depends on where the segment began: from that frame on, the segment gives what a
    sequential run gives (unless the two see the subject's box so differently that it
    snaps to another crop, which the next restart undoes). On the
    warm-up frames the segment must follow the same person as the segment before; if it
    does not (it chose someone else), it is tracked again from its start with the subject
    handed over from the segment before, as a sequential run would.
    """
    warmup = warmup_frames(config, fps=info.fps)
    plans = plan_segments(n_frames, workers=config.workers, warmup=warmup)

    def run(plan: SegmentPlan, cancel: threading.Event) -> Segment:
        with _frames(path, start=plan.warm_start, stop=plan.stop, report=report) as frames:
            return track_frames(
                frames,
                info=info,
                config=config,
                choice=choice,
                report_from=plan.start,
                progress=progress,
                cancel=cancel,
                on_frame=on_frame,
            )

    results = run_in_threads(run, plans)
    merged = results[0]
    for plan, seg in zip(plans[1:], results[1:], strict=True):
        assert plan.stop is not None
        overlap = merged.slice_frames(plan.warm_start, plan.start)
        if same_subject(overlap, seg.slice_frames(plan.warm_start, plan.start)):
            part = seg.slice_frames(plan.start, plan.stop)
        else:
            handed = merged.last_box()
            part = _retrack(
                path,
                plan=plan,
                handed=handed,
                info=info,
                config=config,
                report=report,
                choice=choice,
            )
        merged = concat_segments([merged, part])
    return merged


def _retrack(
    path: Path,
    *,
    plan: SegmentPlan,
    handed: Box | None,
    info: VideoInfo,
    config: TrackConfig,
    report: DecodeReport,
    choice: Choice | None,
) -> Segment:
    """Track ``plan``'s frames again with the subject ``handed`` over (in a thread, so an
    interrupt stops it like the others)."""

    def run(start: int, cancel: threading.Event) -> Segment:
        with _frames(path, start=start, stop=plan.stop, report=report) as frames:
            return track_frames(
                frames,
                info=info,
                config=config,
                init_box=handed,
                choice=choice,
                cancel=cancel,
            )

    part = run_in_threads(run, [plan.start])[0]
    part.log.append(f"segment from frame {plan.start} re-tracked with the subject handed over")
    return part


def track_video(
    path: Path,
    *,
    config: TrackConfig,
    progress: Callable[[int], None] | None = None,
    on_frame: FrameTap | None = None,
) -> TrackResult:
    """Track the subject of a video into a (raw, unfiltered) pose dataset.

    ``on_frame`` sees every decoded frame on the way (see :data:`FrameTap`).

    Raises
    ------
    InputError
        For a missing, unreadable or empty video.
    NoPersonError
        When nobody, or the subject in too few frames, is found.
    """
    path = Path(path)
    info = probe_video(path)
    timeline = read_timeline(path)
    if not timeline.regular:  # frames found by counting: one piece
        config = replace(config, workers=1)
    report = DecodeReport()
    choice = survey_clip(path, info=info, config=config)
    seg = track_parallel(
        path,
        info=info,
        n_frames=len(timeline.times) if config.workers > 1 else 0,
        config=config,
        report=report,
        choice=choice,
        progress=progress,
        on_frame=on_frame,
    )
    if report.clock_changed and config.workers > 1:
        # The frames were not shown in the order their packets promised: the timeline is
        # read again by decoding, and the clip tracked again in one piece.
        timeline = read_timeline(path, decode=True)
        config, report = replace(config, workers=1), DecodeReport()
        seg = track_parallel(path, info=info, n_frames=0, config=config, report=report)
    timeline = read_timeline(path)
    report.warnings.extend(timeline.warnings(path.name))
    if not len(seg.time):
        raise InputError(f"{path} contains no decodable video frames")
    found = int(np.sum(np.isfinite(seg.confidence[:, 0])))
    n = len(seg.time)
    if found == 0:
        raise NoPersonError(f"no person found in {path} ({n} frames)")
    needed = max(config.min_found_frames, int(np.ceil(config.min_found_fraction * n)))
    if found < needed:
        raise NoPersonError(
            f"the subject is seen in only {found} of {n} frames of {path} "
            f"(at least {needed} needed)"
        )
    pose = make_pose_dataset(
        position=seg.position,
        confidence=seg.confidence,
        world=seg.world,
        time_s=seg.time,
        frame=seg.frame,
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
        workers=config.workers,
        frames=n,
        found_frames=found,
        decode_warnings=report.warnings,
        notes=[line for line in seg.log if not line.startswith(REFUSAL)],
        subject=subject_record(
            choice,
            seg.rejected,
            seg.dropped,
            seg.log,
            config=config,
            size=(info.width, info.height),
        ),
    )
    report.warnings.extend(
        line.removeprefix(WARNING_PREFIX) for line in seg.log if line.startswith(WARNING_PREFIX)
    )
    if choice is not None and (close := choice.close_call()) is not None:
        report.warnings.append(close)
    return TrackResult(
        pose=pose, info=info, decode=report, found_frames=found, log=seg.log, choice=choice
    )

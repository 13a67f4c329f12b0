"""The survey of a clip's opening seconds (:func:`survey_clip`: everyone seen, the client
chosen) and its record in the pose dataset and ``summary.json`` (:func:`subject_record`,
:func:`recorded_subject`)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.io.video import VideoInfo, iter_frames, prefetch
from pronate.pose.choice import Choice, Pick, choose
from pronate.pose.config import ModelName, TrackConfig
from pronate.pose.landmarker import Landmarker
from pronate.pose.people import run_survey, sample_step
from pronate.pose.schema import processing_log
from pronate.pose.subject import REFUSAL

MAX_SAMPLES: Final[int] = 60
"""Sampled frames at most in a survey (a later pick lowers the rate)."""


def survey_model(model: ModelName) -> ModelName:
    """The model the survey looks with: the tracking model, ``full`` at most."""
    return "lite" if model == "lite" else "full"


def survey_clip(path: Path, *, info: VideoInfo, config: TrackConfig) -> Choice | None:
    """Survey the clip's opening seconds (up to the picked time when later) and choose
    the client; ``None`` when nobody was seen.

    Raises
    ------
    InputError
        When nobody is at ``config.pick``.
    """
    until = config.survey_s
    if config.pick_time_s is not None:
        length = info.duration_s or (info.n_frames / info.fps if info.fps > 0 else 0.0)
        if length and config.pick_time_s > length:
            raise InputError(
                f"--pick {config.pick_time_s:g}:...: the clip is only {length:.2f} s long"
            )
        until = max(until, config.pick_time_s + 0.5)
    stop = max(1, int(np.ceil(until * info.fps)))
    rate = min(config.survey_hz, MAX_SAMPLES / max(until, 1e-6))
    pick = None if config.pick is None else Pick(*config.pick, time_s=config.pick_time_s)
    with (
        Landmarker(
            survey_model(config.model),
            num_poses=config.max_people,
            min_confidence=config.min_pose_confidence,
            still=True,
        ) as landmarker,
        contextlib.closing(prefetch(iter_frames(path, stop=stop))) as frames,  # type: ignore[type-var]
    ):
        survey = run_survey(
            frames,
            landmarker,
            width=info.width,
            height=info.height,
            step=sample_step(info.fps, rate),
            max_people=config.max_people,
        )
    return choose(survey, pick=pick)


def recorded_subject(pose: xr.Dataset) -> dict[str, Any] | None:
    """Who was followed and why, as recorded in a pose dataset's log when it was tracked
    (``None`` for a pose from elsewhere, e.g. motion capture)."""
    for entry in reversed(processing_log(pose)):
        if entry.get("step") == "track":
            subject = entry.get("params", {}).get("subject")
            return dict(subject) if isinstance(subject, dict) else None
    return None


def subject_record(
    choice: Choice | None,
    rejected: np.ndarray,
    dropped: np.ndarray,
    log: list[str],
    *,
    config: TrackConfig,
    size: tuple[int, int],
) -> dict[str, Any]:
    """Who was followed and why (``summary.json["subject"]``), in a picture of
    ``image_size`` (width, height), with the frames where someone else was refused
    (``rejected``, their reasons from the tracking ``log``) and a foreign leg ``dropped``."""
    if choice is not None:
        record = choice.record()
    else:
        how = "pick" if config.pick is not None else "largest"
        record = {
            "chosen_by": how,
            "reason": "nobody was seen by the survey of the opening "
            "seconds: the person of the first frame where anyone is seen",
            "people": [],
        }
    record["image_size"] = list(size)
    record["refused_frames"] = int(np.unique(rejected).size)
    record["dropped_leg_frames"] = int(np.unique(dropped).size)
    reasons = {line.split(", ", 1)[-1] for line in log if line.startswith(REFUSAL)}
    record["refused_because"] = sorted(reasons)
    return record

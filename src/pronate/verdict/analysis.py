"""A clip's analysis after the camera stage: metrics, loading moments and their verdicts.

:func:`analyse_body` runs the stages in their one order on the body as the camera sees it
(:func:`pronate.camera.body.observe`): per-frame metrics
(:func:`pronate.metrics.kinematics.compute_metrics`), loading moments
(:func:`pronate.verdict.moments.detect_moments`) and their verdicts
(:func:`pronate.verdict.assessment.assess_moments`), with how well the subject is seen
(:func:`pronate.camera.quality.assess_quality`). The result, :class:`Analysis`, is what
the outputs (summary, overlay, key frames, report) and live mode take: typed objects,
serialised only where files are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import xarray as xr

from pronate.camera.body import Body, Camera
from pronate.camera.quality import assess_quality
from pronate.io.timeline import Hole, find_holes
from pronate.metrics.kinematics import compute_metrics
from pronate.verdict.assessment import Assessment, assess_moments
from pronate.verdict.moments import detect_moments
from pronate.verdict.thresholds import Thresholds


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """The analysis of one clip (or of a live window).

    Attributes
    ----------
    camera
        The clip's camera (:class:`pronate.camera.body.Camera`).
    metrics
        The metrics dataset (:mod:`pronate.metrics.schema`).
    assessments
        The loading moments with their verdicts, by start.
    quality
        :func:`pronate.camera.quality.assess_quality` of the subject.
    thresholds
        The thresholds the moments and verdicts were found with.
    model
        The pose model's name (``mediapipe-pose-heavy``, ``reference``, ...).
    warnings
        Loading moments left out because they span a jump of the clip's clock
        (:func:`pronate.io.timeline.find_holes`: nothing was recorded there), in words.
    """

    camera: Camera
    metrics: xr.Dataset
    assessments: list[Assessment]
    quality: dict[str, Any]
    thresholds: Thresholds
    model: str
    warnings: list[str] = field(default_factory=list)


def analyse_body(body: Body, *, sex: str = "mean", thresholds: Thresholds) -> Analysis:
    """Metrics, loading moments, verdicts and quality of the body of a clip (no I/O).

    Parameters
    ----------
    body
        From :func:`pronate.camera.body.observe`.
    sex
        Table of the centre of mass: ``female``, ``male`` or ``mean``.
    thresholds
        Thresholds of the loading moments and verdicts.
    """
    metrics = compute_metrics(body, sex=sex)
    moments = detect_moments(metrics, body, thresholds=thresholds)
    assessments = assess_moments(metrics, moments, camera=body.camera, thresholds=thresholds)
    quality = assess_quality(body.pose)
    kept, dropped = _without_jumps(assessments, find_holes(body.time_s))
    return Analysis(
        camera=body.camera,
        metrics=metrics,
        assessments=kept,
        quality=quality,
        thresholds=thresholds,
        model=str(body.pose.attrs.get("model", "")),
        warnings=dropped,
    )


def _without_jumps(
    assessments: list[Assessment], holes: Sequence[Hole]
) -> tuple[list[Assessment], list[str]]:
    """The moments that span no jump of the clock, and what was left out, in words."""
    kept, dropped = [], []
    for assessment in assessments:
        moment = assessment.moment
        if any(moment.start < hole.index <= moment.end for hole in holes):
            legs = "both legs" if moment.side == "both" else f"{moment.side} leg"
            dropped.append(
                f"a loading moment ({moment.kind.replace('_', ' ')}, {legs}) from "
                f"{moment.start_s:.2f} s to {moment.end_s:.2f} s spans a jump of the clip's "
                "clock and is left out"
            )
        else:
            kept.append(assessment)
    return kept, dropped

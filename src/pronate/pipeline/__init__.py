"""The jobs behind the commands, as plain functions of paths and options: ``pronate track``
(:mod:`pronate.pipeline.track`) and ``pronate analyze`` (:mod:`pronate.pipeline.analyze`),
and an analysis as one picklable request (:mod:`pronate.pipeline.request`)."""

from pronate.pipeline.analyze import (
    AnalysisOptions,
    AnalyzeOutputs,
    analyze_pose,
    run_analyze,
    with_world_com,
)
from pronate.pipeline.request import AnalysisRequest, run_request
from pronate.pipeline.track import TrackOutputs, run_track

__all__ = [
    "AnalysisOptions",
    "AnalysisRequest",
    "AnalyzeOutputs",
    "TrackOutputs",
    "analyze_pose",
    "run_analyze",
    "run_request",
    "run_track",
    "with_world_com",
]

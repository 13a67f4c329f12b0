"""The jobs behind the commands, as plain functions of paths and options: ``pronate track``
(:mod:`pronate.pipeline.track`) and ``pronate analyze`` (:mod:`pronate.pipeline.analyze`)."""

from pronate.pipeline.analyze import (
    AnalysisOptions,
    AnalyzeOutputs,
    analyze_pose,
    run_analyze,
    with_world_com,
)
from pronate.pipeline.track import TrackOutputs, run_track

__all__ = [
    "AnalysisOptions",
    "AnalyzeOutputs",
    "TrackOutputs",
    "analyze_pose",
    "run_analyze",
    "run_track",
    "with_world_com",
]

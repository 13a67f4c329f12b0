"""A whole session's recording: a cheap scan finds the stretches with a whole body in
view, each is analysed as a clip of its own (:func:`run_recording`)."""

from pronate.pipeline.recording.run import (
    CHECKPOINT_DIR,
    OVERLAYS,
    RECORDING_MIN_S,
    RecordingOptions,
    RecordingOutputs,
    duration_of,
    long_enough,
    recording_min_s,
    run_recording,
)
from pronate.pipeline.recording.scan import ScanSettings
from pronate.pipeline.recording.stretches import Stretch, StretchRules, find_stretches

__all__ = [
    "CHECKPOINT_DIR",
    "OVERLAYS",
    "RECORDING_MIN_S",
    "RecordingOptions",
    "RecordingOutputs",
    "ScanSettings",
    "Stretch",
    "StretchRules",
    "duration_of",
    "find_stretches",
    "long_enough",
    "recording_min_s",
    "run_recording",
]

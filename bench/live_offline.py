"""Live = offline (issue 20, part 4): the verdicts live mode saves against ``pronate
analyze`` of the same clip, on the clips of the robustness matrix.

Each clip is turned into what the live page sends (30 fps, long side at most 720 px) and
written as an MP4 (crf 18). The offline side is ``run_analyze`` of that MP4 with the live
model (``full``); the live side is a :class:`pronate.app.live.analyser.LiveAnalyser` fed
the same frames, played twice in a row as a looping camera (``--loops``), its window
analysed in the reading thread (no frame skipped, so the run is repeatable). A live moment
is *found by both* when an offline moment has its side and kind and a peak within
``--peak-tolerance`` seconds (the loop's time folded back onto the clip).

Per clip: the offline moments, the live ones, how many were found by both, and of those
how many got the same verdict, ``uncertain`` on one side only, or another verdict; and
whether the repetitions of each moment (one per loop) got the same verdict or
``uncertain``. Usage: ``python bench/live_offline.py [--data ../shared/data] [--out bench]
[--clips squat ...]``; writes ``live_offline.json`` and ``live_offline.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import scenes  # noqa: E402
from pronate.app.live.analyser import LiveAnalyser  # noqa: E402
from pronate.app.live.config import LiveConfig  # noqa: E402
from pronate.pipeline import AnalysisOptions, run_analyze  # noqa: E402
from pronate.pose.config import TrackConfig  # noqa: E402

FPS = 30.0
MAX_SIDE = 720
MODEL = "full"


def page_frames(clip: Path) -> list[np.ndarray]:
    """The clip as the live page sends it: 30 fps, long side at most 720 px (RGB)."""
    out = []
    for image in scenes.frames_of(clip, fps=FPS):
        h, w = image.shape[:2]
        scale = MAX_SIDE / max(h, w)
        if scale < 1:
            size = (round(w * scale / 2) * 2, round(h * scale / 2) * 2)
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        out.append(image)
    return out


def offline_moments(clip: Path, out: Path) -> list[dict[str, Any]]:
    """``pronate analyze`` of ``clip`` with the live model: its moments."""
    result = run_analyze(
        out,
        video=clip,
        track=TrackConfig(model=MODEL),
        options=AnalysisOptions(),
        write_video=False,
        report=False,
    )
    return [
        {k: e.get(k) for k in ("side", "kind", "start_s", "peak_s", "end_s", "verdict")}
        for e in result.summary["events"]
    ]


def live_moments(frames: list[np.ndarray], *, loops: int) -> list[dict[str, Any]]:
    """The moments a live analyser saves by itself while ``frames`` play ``loops`` times
    (a looping camera), with the loop and the peak's time in the clip."""
    length = len(frames) / FPS
    analyser = LiveAnalyser(LiveConfig(model=MODEL, background=False))
    jpegs = [  # what the page sends (quality 0.8); the window's scene lines are read from them
        cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])[
            1
        ].tobytes()
        for f in frames
    ]
    found = []
    try:
        for loop in range(loops):
            for i, image in enumerate(frames):
                jpeg = jpegs[i]
                reply = analyser.analyse(image, time_s=loop * length + i / FPS, jpeg=jpeg)
                for m in reply["moments"]:
                    found.append(
                        {
                            "side": m["side"],
                            "kind": m["kind"],
                            "loop": int(m["time"] // length),
                            "peak_s": round(float(m["time"] % length), 3),
                            "verdict": m["verdict"],
                        }
                    )
    finally:
        analyser.close()
    return found


def agreement(
    offline: list[dict[str, Any]], live: list[dict[str, Any]], *, tolerance_s: float
) -> dict[str, Any]:
    """Live moments matched to offline ones (same side and kind, peaks within
    ``tolerance_s``) and how their verdicts compare."""
    counts = {"same": 0, "uncertain_one_side": 0, "other_verdict": 0, "live_only": 0}
    pairs = []
    for m in live:
        match = [
            o
            for o in offline
            if (o["side"], o["kind"]) == (m["side"], m["kind"])
            and abs(o["peak_s"] - m["peak_s"]) <= tolerance_s
        ]
        if not match:
            counts["live_only"] += 1
            continue
        o = min(match, key=lambda o: abs(o["peak_s"] - m["peak_s"]))
        if o["verdict"] == m["verdict"]:
            counts["same"] += 1
        elif "uncertain" in (o["verdict"], m["verdict"]):
            counts["uncertain_one_side"] += 1
        else:
            counts["other_verdict"] += 1
        pairs.append({"offline": o, "live": m})
    seen = {id(p["offline"]) for p in pairs}
    by_moment: dict[int, set[str]] = {}
    for p in pairs:
        by_moment.setdefault(id(p["offline"]), set()).add(p["live"]["verdict"])
    repeat_ok = all(len(v - {"uncertain"}) <= 1 for v in by_moment.values())
    return {
        **counts,
        "found_by_both": len(pairs),
        "offline_not_live": sum(1 for o in offline if id(o) not in seen),
        "repetitions_consistent": repeat_ok,
        "pairs": pairs,
    }


def variants(data: Path) -> dict[str, Callable[[Path], Path]]:
    """The clips of the matrix (the reserved views are never used)."""
    squat = data / "frontal_squat" / "frontal_squat.mp4"
    others = data / "sports2d_demo" / "demo.mp4"
    balancing = data / "pose2sim_balancing"

    def same(src: Path) -> Callable[[Path], Path]:
        return lambda d: src

    def made(fn: Callable[[Path], object]) -> Callable[[Path], Path]:
        def make(d: Path) -> Path:
            fn(d)
            return d

        return make

    return {
        "squat": same(squat),
        "squat, client 200 px": made(lambda d: scenes.scaled(squat, d, factor=0.32, crf=23)),
        "squat, call window": made(lambda d: scenes.call_window(squat, d, others=others)),
        "squat, rotated 10 deg": made(lambda d: scenes.rotated(squat, d, angle_deg=10.0)),
        "balancing cam01": same(balancing / "cam01.mp4"),
        "balancing cam03": same(balancing / "cam03.mp4"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "bench")
    parser.add_argument("--clips", nargs="*", default=None)
    parser.add_argument("--loops", type=int, default=2)
    parser.add_argument("--peak-tolerance", type=float, default=0.3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in variants(args.data).items():
            if args.clips and name not in args.clips:
                continue
            started = time.perf_counter()
            folder = Path(tmp) / name.replace(" ", "_").replace(",", "")
            folder.mkdir()
            source = make(folder / "variant.mp4")
            frames = page_frames(source)
            clip = scenes.write_clip(folder / "page.mp4", frames, fps=FPS, crf=18)
            offline = offline_moments(clip, folder / "offline")
            live = live_moments(frames, loops=args.loops)
            row = {
                "clip": name,
                "size": list(frames[0].shape[1::-1]),
                "offline": offline,
                "live": live,
                **agreement(offline, live, tolerance_s=args.peak_tolerance),
                "seconds": round(time.perf_counter() - started, 1),
            }
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "pairs"}), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "live_offline.json").write_text(json.dumps(rows, indent=1) + "\n")
    (args.out / "live_offline.md").write_text(markdown(rows, loops=args.loops))


def _moment(m: dict[str, Any]) -> str:
    return f"{m['side']} {m['kind']} @{m['peak_s']:.2f} s: {m['verdict']}"


def markdown(rows: list[dict[str, Any]], *, loops: int) -> str:
    """The agreement table."""
    lines = [
        "# Live = offline",
        "",
        f"`python bench/live_offline.py`, model `{MODEL}`, 30 fps, long side <= 720 px, "
        f"the clip played {loops} times as a looping camera.",
        "",
        "| clip | offline moments | live moments | found by both | same verdict | "
        "uncertain on one side | other verdict | repetitions |",
        "|---|---|---|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['clip']} | {'; '.join(_moment(m) for m in r['offline']) or '-'} | "
            f"{'; '.join(_moment(m) for m in r['live']) or '-'} | {r['found_by_both']} | "
            f"{r['same']} | {r['uncertain_one_side']} | {r['other_verdict']} | "
            f"{'consistent' if r['repetitions_consistent'] else 'differ'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""A whole session's recording: speed against real time, recall and verdicts against
each exercise analysed on its own, false moments, and memory against a short recording.

Two recordings are composed from the clips of ``../shared/data`` by
``tests/recordings.py`` (1280 x 720, 30 fps, H.264): a long one (about 20 minutes of a
talking head, slides and an empty room, with four exercise clips shown pillar-boxed) and
a 2-minute one of the same kinds of parts. Each is analysed by ``pronate analyze
--recording`` (the default model) in a process of its own, timed from start to exit,
with its peak resident memory. Each exercise of the long recording is then cut out
(exactly its frames) and analysed on its own with ``pronate analyze``: the reference its
moments are scored against (recall: a reference moment found with the same side and
kind, its peak within 2 frames; verdict agreement among those; false moments: moments of
the recording matching no reference moment). The cost of the default model on every
frame is measured on the 2-minute recording analysed as one clip
(``--single-clip --no-video``) and scaled to the long one's frames (an estimate: a full
run would take longer than the recording).

Usage: ``python bench/recording.py [--data ../shared/data] [--out bench] [--minutes 20]``.
Writes ``recording.json`` and ``recording.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from recordings import Part, Span, compose_recording

FPS = 30.0


def long_parts(minutes: float) -> list[Part]:
    """About ``minutes`` of a session: idle parts scaled to fill it, four exercises."""
    idle = [
        ("talk", 300),
        ("slide", 240),
        ("empty", 150),
        ("talk", 240),
        ("slide", 150),
        ("talk", 120),
    ]
    scale = minutes * 60 / sum(s for _, s in idle)
    exercises = ["squat", "balance_front", None, "balance_back", "squat", None]
    parts: list[Part] = []
    for (kind, seconds), exercise in zip(idle, exercises, strict=True):
        parts.append(Part(kind, round(seconds * scale)))
        if exercise:
            parts.append(Part(exercise))
    return parts


SHORT = [
    Part("talk", 30),
    Part("squat"),
    Part("slide", 30),
    Part("balance_front"),
    Part("empty", 20),
    Part("balance_back"),
    Part("talk", 28),
]


def run_measured(argv: list[str]) -> dict[str, Any]:
    """Run ``argv``; its wall time and peak resident memory (GNU time)."""
    t0 = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "MAXRSS %M", *argv], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed: {done.stderr[-2000:]}")
    rss = [ln for ln in done.stderr.splitlines() if ln.startswith("MAXRSS ")]
    return {"wall_s": wall, "peak_rss_mb": int(rss[-1].split()[1]) / 1024 if rss else None}


def pronate(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "pronate.app.cli", "analyze", *map(str, args), "-q"]


def score(events: list[dict], references: list[tuple[Span, list[dict]]]) -> dict[str, Any]:
    """Recall, verdict agreement and false moments of the recording's ``events``."""
    used: set[int] = set()
    found = same = total = 0
    per: list[dict] = []
    for span, refs in references:
        for ref in refs:
            total += 1
            peak = ref["peak_s"] + span.start_s
            match = next(
                (
                    i
                    for i, ev in enumerate(events)
                    if i not in used
                    and (ev["side"], ev["kind"]) == (ref["side"], ref["kind"])
                    and abs(ev["peak_s"] - peak) <= 2 / FPS + 1e-6
                ),
                None,
            )
            row = {"exercise": span.kind, "at_s": round(peak, 2), "kind": ref["kind"]}
            row |= {"side": ref["side"], "verdict_alone": ref["verdict"]}
            if match is not None:
                used.add(match)
                found += 1
                same += events[match]["verdict"] == ref["verdict"]
                row["verdict_recording"] = events[match]["verdict"]
            per.append(row)
    false = [ev for i, ev in enumerate(events) if i not in used]
    return {
        "reference_moments": total,
        "found": found,
        "recall": found / total if total else None,
        "same_verdict": same,
        "verdict_agreement": same / found if found else None,
        "false_moments": len(false),
        "false": [{k: ev[k] for k in ("kind", "side", "peak_s", "verdict")} for ev in false],
        "moments": per,
    }


def outside_exercises(events: list[dict], spans: list[Span]) -> list[dict]:
    """The moments that do not lie within an exercise (a frame of slack)."""
    return [
        ev
        for ev in events
        if not any(
            s.exercise and s.start_s - 0.05 <= ev["start_s"] and ev["end_s"] <= s.end_s + 0.05
            for s in spans
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--work", type=Path, help="where the recordings go (default: a temp dir)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="pronate-recording-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    from pronate.pipeline import run_analyze
    from pronate.pipeline.recording.cut import cut_clip

    t0 = time.perf_counter()
    long_path, short_path = work / "session-long.mp4", work / "session-2min.mp4"
    kept = work / "spans.json"  # recordings composed before from the same parts are reused
    old = json.loads(kept.read_text()) if kept.is_file() else {}
    spans: dict[str, Any] = {}
    for name, path, parts in (
        ("long", long_path, long_parts(args.minutes)),
        ("short", short_path, SHORT),
    ):
        if old.get(name, {}).get("parts") == repr(parts) and path.is_file():
            spans[name] = old[name]
        else:
            made = compose_recording(path, parts, fps=FPS, data=args.data)
            spans[name] = {"parts": repr(parts), "spans": [vars(s) for s in made]}
        kept.write_text(json.dumps({**old, **spans}))
    long_spans = [Span(**s) for s in spans["long"]["spans"]]
    short_spans = [Span(**s) for s in spans["short"]["spans"]]
    compose_s = time.perf_counter() - t0
    for folder in ("out-2min", "out-2min-single", "out-long"):
        shutil.rmtree(work / folder, ignore_errors=True)
    print(f"composed in {compose_s:.0f} s", flush=True)

    short = run_measured(pronate(short_path, "-o", work / "out-2min", "--recording"))
    print("2-min recording:", short, flush=True)
    whole = run_measured(
        pronate(short_path, "-o", work / "out-2min-single", "--single-clip", "--no-video")
    )
    print("2-min as one clip:", whole, flush=True)
    longer = run_measured(pronate(long_path, "-o", work / "out-long", "--recording"))
    print("long recording:", longer, flush=True)

    summary = json.loads((work / "out-long" / "summary.json").read_text())
    single = json.loads((work / "out-2min-single" / "summary.json").read_text())
    short_summary = json.loads((work / "out-2min" / "summary.json").read_text())
    references = []
    for k, span in enumerate(s for s in long_spans if s.exercise):
        clip = work / f"exercise-{k}.mp4"
        cut_clip(
            long_path, clip, start=round(span.start_s * FPS), stop=round(span.end_s * FPS), fps=FPS
        )
        alone = run_analyze(work / f"alone-{k}", video=clip, write_video=False, report=False)
        references.append((span, alone.summary["events"]))
    scored = score(summary["events"], references)
    outside = outside_exercises(summary["events"], long_spans)
    duration = long_spans[-1].end_s
    frames_long = round(duration * FPS)
    per_frame = whole["wall_s"] / round(short_spans[-1].end_s * FPS)
    every_frame_s = per_frame * frames_long
    result = {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "load_before": os.getloadavg(),
        "recording": {
            "duration_s": duration,
            "frames": frames_long,
            "parts": [{"kind": s.kind, "start_s": s.start_s, "end_s": s.end_s} for s in long_spans],
            "stretches": [
                {k: s.get(k) for k in ("start_s", "end_s", "view", "moments")}
                for s in summary["stretches"]
            ],
            "analysed_s": summary["analysed_s"],
            "wall_s": longer["wall_s"],
            "x_real_time": duration / longer["wall_s"],
            "peak_rss_mb": longer["peak_rss_mb"],
        },
        "short": {
            "duration_s": short_spans[-1].end_s,
            "wall_s": short["wall_s"],
            "peak_rss_mb": short["peak_rss_mb"],
        },
        "every_frame": {
            "measured_on": "the 2-minute recording, --single-clip --no-video",
            "wall_s_2min": whole["wall_s"],
            "s_per_frame": per_frame,
            "estimated_long_s": every_frame_s,
            "speed_up": every_frame_s / longer["wall_s"],
            "moments_2min_single_clip": len(single.get("events") or []),
            "outside_2min_single_clip": len(
                outside_exercises(single.get("events") or [], short_spans)
            ),
            "views_2min_single_clip": (single.get("camera") or {}).get("view"),
            "moments_2min_recording": len(short_summary["events"]),
            "outside_2min_recording": len(outside_exercises(short_summary["events"], short_spans)),
        },
        "memory_ratio": longer["peak_rss_mb"] / short["peak_rss_mb"],
        "score": scored,
        "moments_outside_exercises": len(outside),
        "compose_s": compose_s,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "recording.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "recording.md").write_text(markdown(result) + "\n")
    print(markdown(result))


def markdown(r: dict[str, Any]) -> str:
    rec, sc, every = r["recording"], r["score"], r["every_frame"]
    lines = [
        "# A whole recording (`bench/recording.py`)",
        "",
        f"Measured {r['date_utc']} UTC, {r['machine']['cores']} cores, load before "
        f"{r['load_before'][0]:.1f} (other engineers' runs share the machine).",
        "",
        f"Composed recording: {rec['duration_s'] / 60:.1f} min, 1280x720, 30 fps "
        f"({rec['frames']} frames): {len(rec['parts'])} parts, the exercises "
        + ", ".join(
            f"{p['kind']} at {p['start_s']:.0f} s"
            for p in rec["parts"]
            if p["kind"] in ("squat", "balance_front", "balance_back")
        )
        + ".",
        "",
        "| | figure |",
        "|---|--:|",
        f"| wall time, `pronate analyze --recording` (heavy) | {rec['wall_s']:.0f} s |",
        f"| against the recording's duration | "
        f"**{rec['x_real_time']:.1f}x faster than real time** |",
        f"| analysed at full rate (the stretches) | "
        f"{rec['analysed_s']:.1f} s of {rec['duration_s']:.0f} s |",
        f"| default model on every frame (estimate: {every['s_per_frame'] * 1000:.0f} ms a frame "
        f"measured on the 2-min recording as one clip) | {every['estimated_long_s']:.0f} s |",
        f"| two-pass speed-up | **{every['speed_up']:.1f}x** |",
        f"| moments of the exercises analysed alone | {sc['reference_moments']} |",
        f"| found in the recording (recall) | {sc['found']} ({100 * (sc['recall'] or 0):.0f} %) |",
        f"| same verdict | {sc['same_verdict']} of {sc['found']} |",
        f"| false moments (no match among the exercises') | {sc['false_moments']} |",
        "| moments outside the exercises (talking head, slides, empty room) | "
        f"{r['moments_outside_exercises']} |",
        f"| peak memory, {r['short']['duration_s'] / 60:.0f}-min recording | "
        f"{r['short']['peak_rss_mb']:.0f} MB |",
        f"| peak memory, {rec['duration_s'] / 60:.0f}-min recording | {rec['peak_rss_mb']:.0f} MB "
        f"({100 * (r['memory_ratio'] - 1):+.1f} %) |",
        f"| the 2-min recording as one clip (as before): moments | "
        f"{every['moments_2min_single_clip']}, {every['outside_2min_single_clip']} of them outside "
        f"the exercises, one view ({every['views_2min_single_clip']}) for all "
        f"(as a recording: {every['moments_2min_recording']}, "
        f"{every['outside_2min_recording']} outside) |",
        "",
        "Stretches found: "
        + "; ".join(
            f"{s['start_s']:.1f}-{s['end_s']:.1f} s ({s['view']}, {s['moments']})"
            for s in rec["stretches"]
        ),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

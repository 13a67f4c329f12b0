"""``make bench-quick`` (``python bench/run.py --quick``): the headline figures in about
3 minutes on 2 cores.

throughput
    One model (default ``full``) on the 540-frame clip: the bare loop, ``pronate track``,
    ``pronate analyze --no-video`` and ``pronate analyze`` (overlay on), each once; the
    ratios against the bare loop, and the **analysis after tracking** as a share of the
    tracking time: (analyze --no-video − track) / track, whole processes.
batch
    :func:`batch.batch_section` with ``--model lite --no-video`` over 4 short real clips:
    ``pronate analyze`` clip after clip, ``pronate batch --workers 1``, ``pronate batch``
    on all cores and on a 2-worker Dask ``LocalCluster``. Clips per hour = clips / wall
    time.
memory
    Peak RSS of every run (the 10 s against 60 s comparison is in the full ``make bench``).

Writes ``results-quick.json`` and ``results-quick.md`` beside the full results.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from run import (
    THROUGHPUT_CLIP,
    _f,
    bare_loop,
    bare_pair,
    capabilities,
    log,
    machine_info,
    pair_row,
    pronate_run,
    write_atomic,
)

from batch import batch_markdown, batch_section

QUICK_CLIPS = 4
"""Clips of the quick batch (two of each balancing camera)."""


def quick_throughput(data: Path, *, model: str, workdir: Path) -> dict[str, Any]:
    """Bare loop, track, analyze without and with the overlay: one run each."""
    from pronate.io.video import frame_times

    clip = data / THROUGHPUT_CLIP
    frames = len(frame_times(clip))
    caps = capabilities()
    bare = bare_loop(clip, model=model)
    out: dict[str, Any] = {"clip": THROUGHPUT_CLIP, "frames": frames, "model": model}
    out["bare"] = bare
    log(f"[quick] {model} bare loop: {bare.get('fps')} fps ({bare['run']['wall_s']:.1f} s)")
    pair = bare_pair(clip, model=model)
    if bare.get("fps") and pair.get("fps"):
        pair["ratio"] = round(pair["fps"] / bare["fps"], 2)
    out["bare_x2"] = pair
    log(f"[quick] {model} two bare loops at once: {pair.get('ratio')}x one (the ceiling)")
    for label, command, video_out in (
        ("track", "track", None),
        ("video off", None, False),
        ("video on", None, True),
    ):
        run = pronate_run(
            clip, model=model, video_out=video_out, caps=caps, workdir=workdir, command=command
        )
        ok = run["returncode"] == 0 and bool(bare.get("fps"))
        run["fps"] = round(frames / run["wall_s"], 2) if ok else None
        run["ratio"] = round(run["fps"] / bare["fps"], 2) if ok else None
        out[label] = run
        log(
            f"[quick] {model} pronate {label}: {run['fps']} fps ({run['wall_s']:.1f} s), "
            f"{run['ratio']}x bare, peak {run['max_rss_mb']:.0f} MB, "
            f"others {run['others_cores']} cores"
        )
    track, off = out["track"], out["video off"]
    if track["returncode"] == 0 and off["returncode"] == 0:
        share = (off["wall_s"] - track["wall_s"]) / track["wall_s"]
        out["analysis_share"] = round(share, 3)
        log(f"[quick] analysis after tracking: {100 * share:.0f} % of the tracking time")
    return out


def quick_markdown(results: dict[str, Any]) -> str:
    """``results-quick.md``."""
    m, tp, b = results["machine"], results["throughput"], results["batch"]
    lines = [
        "# pronate quick benchmark",
        "",
        f"Measured {m['date_utc']} by `make bench-quick` on: {m['cpu']}, {m['usable_cores']} "
        f"cores, {m['ram_gb']} GB RAM; Python {m['python']}, mediapipe {m['mediapipe']}. "
        f"Load average at start {', '.join(map(str, m['load_average_start']))}; *others* = "
        "cores kept busy by other processes during a run.",
        "",
        f"## Throughput: `{tp['clip']}`, {tp['frames']} frames, model {tp['model']}",
        "",
        "| run | wall s | fps | × bare | peak RSS MB | others |",
        "|---|--:|--:|--:|--:|--:|",
        f"| bare loop | {_f(tp['bare']['run']['wall_s'])} | {_f(tp['bare'].get('fps'))} | 1.00 | "
        f"{_f(tp['bare']['run']['max_rss_mb'], 0)} | {_f(tp['bare']['run']['others_cores'], 2)} |",
    ]
    lines += pair_row(
        tp.get("bare_x2", {}), first="| 2 bare loops at once (the ceiling) | ", middle=" | "
    )
    for label in ("track", "video off", "video on"):
        r = tp[label]
        lines.append(
            f"| pronate {label} | {_f(r['wall_s'])} | {_f(r['fps'])} | {_f(r['ratio'], 2)} | "
            f"{_f(r['max_rss_mb'], 0)} | {_f(r['others_cores'], 2)} |"
        )
    share = tp.get("analysis_share")
    lines += [
        "",
        "Analysis after tracking (analyze --no-video − track, over track): "
        + ("–" if share is None else f"{100 * share:.0f} %")
        + " (target ≤ 10 %).",
        "",
    ]
    lines += batch_markdown(b)
    lines += [
        f"Whole run: {results['elapsed_s']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def run_quick(data: Path, out: Path, *, model: str) -> int:
    """The quick benchmark; writes ``results-quick.json`` / ``.md`` into ``out``."""
    t0 = time.perf_counter()
    results: dict[str, Any] = {"machine": machine_info()}
    with tempfile.TemporaryDirectory(prefix="pronate-bench-quick-") as tmp:
        work = Path(tmp)
        results["throughput"] = quick_throughput(data, model=model, workdir=work)
        results["batch"] = batch_section(
            data, workdir=work, clips=QUICK_CLIPS, model="lite", video=False, tag="quick"
        )
    results["machine"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    results["elapsed_s"] = round(time.perf_counter() - t0, 1)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "results-quick.json", json.dumps(results, indent=2) + "\n")
    write_atomic(out / "results-quick.md", quick_markdown(results))
    log(f"[done] {results['elapsed_s']:.0f} s; wrote {out / 'results-quick.json'} and .md")
    return 0

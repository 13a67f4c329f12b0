"""``make bench-quick`` (``python bench/run.py --quick``): the headline figures in about
3 minutes on 2 cores.

throughput
    One model (default ``full``) on the 540-frame clip: the bare loop, ``pronate track``,
    ``pronate analyze --no-video`` and ``pronate analyze`` (overlay on), each once; the
    ratios against the bare loop, and the **analysis after tracking** as a share of the
    tracking time: (analyze --no-video − track) / track, whole processes.
batch
    ``pronate batch --model lite --no-video`` over a folder of a few short real clips
    (100 frames each; copies of the balancing clips made distinct by a trailing MP4
    ``free`` box, so the content hash sees different clips while the frames are the same):
    one process (``--workers 1``), all cores (default), and a 2-worker Dask
    ``LocalCluster`` (``--dask``; the cluster is started before the clock starts). Clips
    per hour = clips / wall time of the ``pronate batch`` process.
memory
    Peak RSS of every run (the 10 s against 60 s comparison is in the full ``make bench``).

Writes ``results-quick.json`` and ``results-quick.md`` beside the full results.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

from run import (
    BALANCING,
    THROUGHPUT_CLIP,
    _f,
    bare_loop,
    capabilities,
    log,
    machine_info,
    pronate_cmd,
    pronate_run,
    run_measured,
    write_atomic,
)

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


def distinct_copy(source: Path, target: Path, *, tag: int) -> None:
    """Copy ``source`` (an MP4) with a trailing ``free`` box holding ``tag``: other bytes,
    the same frames."""
    shutil.copyfile(source, target)
    payload = f"pronate-bench-{tag}".encode()
    with open(target, "ab") as f:
        f.write(struct.pack(">I", 8 + len(payload)) + b"free" + payload)


def batch_folder(data: Path, folder: Path, *, clips: int) -> Path:
    """``clips`` distinct short real clips in ``folder`` (client folders a/ and b/)."""
    cams = [data / BALANCING / "cam01.mp4", data / BALANCING / "cam03.mp4"]
    for i in range(clips):
        target = folder / "ab"[i % 2] / f"clip{i}.mp4"
        target.parent.mkdir(parents=True, exist_ok=True)
        distinct_copy(cams[i % 2], target, tag=i)
    return folder


def batch_run(folder: Path, *, workdir: Path, extra: list[str], clips: int) -> dict[str, Any]:
    """One ``pronate batch`` into a fresh OUTDIR: wall time, clips per hour, peak RSS."""
    outdir = Path(tempfile.mkdtemp(prefix="batch-", dir=workdir))
    argv = [*pronate_cmd(), "batch", str(folder), "-o", str(outdir), "--model", "lite"]
    run = run_measured([*argv, "--no-video", *extra]).summary()
    analysed = 0
    if (outdir / "batch-index.json").is_file():
        done = json.loads((outdir / "batch-index.json").read_text())["done"]
        analysed = sum(len(v) for v in done.values())
    run["clips"] = analysed
    ok = run["returncode"] == 0 and analysed == clips
    run["clips_per_hour"] = round(3600 * clips / run["wall_s"], 1) if ok else None
    shutil.rmtree(outdir, ignore_errors=True)
    return run


def quick_batch(data: Path, *, workdir: Path, clips: int = QUICK_CLIPS) -> dict[str, Any]:
    """The batch one process, all cores, and on a 2-worker LocalCluster."""
    folder = batch_folder(data, workdir / "batch-in", clips=clips)
    out: dict[str, Any] = {"clips": clips, "model": "lite", "overlay": False}
    out["one process"] = batch_run(folder, workdir=workdir, extra=["--workers", "1"], clips=clips)
    out["all cores"] = batch_run(folder, workdir=workdir, extra=[], clips=clips)
    try:
        from distributed import LocalCluster
    except ImportError:
        log("[quick] no 'distributed': the LocalCluster run is skipped")
    else:
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            extra = ["--dask", cluster.scheduler_address]
            out["LocalCluster 2 workers"] = batch_run(
                folder, workdir=workdir, extra=extra, clips=clips
            )
    base = out["one process"].get("clips_per_hour")
    for label in ("one process", "all cores", "LocalCluster 2 workers"):
        run = out.get(label)
        if run is None:
            continue
        if base and run.get("clips_per_hour"):
            run["ratio"] = round(run["clips_per_hour"] / base, 2)
        log(
            f"[quick] batch {label}: {run['clips_per_hour']} clips/h ({run['wall_s']:.1f} s for "
            f"{clips} clips), {run.get('ratio')}x one process, peak {run['max_rss_mb']:.0f} MB, "
            f"others {run['others_cores']} cores"
        )
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
        f"## Batch: {b['clips']} clips of 100 frames, `--model lite --no-video`",
        "",
        "| run | wall s | clips / hour | × one process | peak RSS MB | others |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for label in ("one process", "all cores", "LocalCluster 2 workers"):
        r = b.get(label)
        if r is not None:
            lines.append(
                f"| {label} | {_f(r['wall_s'])} | {_f(r.get('clips_per_hour'))} | "
                f"{_f(r.get('ratio'), 2)} | {_f(r['max_rss_mb'], 0)} | "
                f"{_f(r['others_cores'], 2)} |"
            )
    lines += [
        "",
        "The LocalCluster's workers run in the benchmark's own process tree: their CPU shows "
        "as *others* and their memory is not in the peak RSS (that of `pronate batch`, the "
        "client, alone).",
        "",
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
        results["batch"] = quick_batch(data, workdir=work)
    results["machine"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    results["elapsed_s"] = round(time.perf_counter() - t0, 1)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "results-quick.json", json.dumps(results, indent=2) + "\n")
    write_atomic(out / "results-quick.md", quick_markdown(results))
    log(f"[done] {results['elapsed_s']:.0f} s; wrote {out / 'results-quick.json'} and .md")
    return 0

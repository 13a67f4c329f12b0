"""The batch section of ``make bench`` and ``make bench-quick``: clips per hour.

Over a folder of short real clips (copies of the 100-frame balancing clips made distinct
by a trailing MP4 ``free`` box, so the content hash sees different clips while the frames
are the same), four ways of analysing them all, each timed from start to exit:

clip after clip
    ``pronate analyze`` once per clip, one after another: what a user runs without
    ``batch`` (every process pays its start-up).
one at a time
    ``pronate batch --workers 1``: one clip at a time in one worker process, each clip's
    segments tracked in parallel as ``analyze`` does.
all cores
    ``pronate batch`` (one clip per core at once).
LocalCluster
    ``pronate batch --dask`` on a 2-worker Dask ``LocalCluster`` (started before the
    clock, with Dask's own worker environment); the clock times the client. Target:
    within 15 % of *all cores*.

Target (issue 12): *all cores* >= 1.7x the clips per hour of running them one after
another; both sequential ways are reported.
"""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

from run import BALANCING, _f, log, pronate_cmd, run_measured

TARGET_BATCH = 1.7
TARGET_CLUSTER = 0.15
LABELS = ("clip after clip", "one at a time", "all cores", "LocalCluster 2 workers")


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


def _options(*, model: str, video: bool) -> list[str]:
    return ["--model", model, *([] if video else ["--no-video"])]


def clip_after_clip(folder: Path, *, workdir: Path, model: str, video: bool) -> dict[str, Any]:
    """``pronate analyze`` on every clip, one after another."""
    clips = sorted(folder.rglob("*.mp4"))
    t0 = time.perf_counter()
    runs = []
    for i, clip in enumerate(clips):
        outdir = Path(tempfile.mkdtemp(prefix=f"seq{i}-", dir=workdir))
        argv = [*pronate_cmd(), "analyze", str(clip), "-o", str(outdir), "-q"]
        runs.append(run_measured([*argv, *_options(model=model, video=video)]).summary())
        shutil.rmtree(outdir, ignore_errors=True)
    wall = time.perf_counter() - t0
    ok = all(r["returncode"] == 0 for r in runs)
    return {
        "argv": runs[0]["argv"] if runs else [],
        "returncode": 0 if ok else 1,
        "wall_s": round(wall, 2),
        "max_rss_mb": max((r["max_rss_mb"] for r in runs), default=0.0),
        "others_cores": max((r["others_cores"] or 0.0 for r in runs), default=0.0),
        "clips": len(clips) if ok else 0,
        "clips_per_hour": round(3600 * len(clips) / wall, 1) if ok and wall > 0 else None,
    }


def batch_run(
    folder: Path, *, workdir: Path, extra: list[str], clips: int, model: str, video: bool
) -> dict[str, Any]:
    """One ``pronate batch`` into a fresh OUTDIR: wall time, clips per hour, peak RSS."""
    outdir = Path(tempfile.mkdtemp(prefix="batch-", dir=workdir))
    argv = [*pronate_cmd(), "batch", str(folder), "-o", str(outdir)]
    run = run_measured([*argv, *_options(model=model, video=video), *extra]).summary()
    analysed = 0
    if (outdir / "batch-index.json").is_file():
        done = json.loads((outdir / "batch-index.json").read_text())["done"]
        analysed = sum(len(v) for v in done.values())
    run["clips"] = analysed
    ok = run["returncode"] == 0 and analysed == clips
    run["clips_per_hour"] = round(3600 * clips / run["wall_s"], 1) if ok else None
    shutil.rmtree(outdir, ignore_errors=True)
    return run


def batch_section(
    data: Path, *, workdir: Path, clips: int, model: str, video: bool, tag: str
) -> dict[str, Any]:
    """The four ways over ``clips`` clips, with their ratios."""
    folder = batch_folder(data, workdir / f"batch-in-{clips}", clips=clips)
    out: dict[str, Any] = {"clips": clips, "model": model, "overlay": video}
    common = {"workdir": workdir, "clips": clips, "model": model, "video": video}
    out[LABELS[0]] = clip_after_clip(folder, workdir=workdir, model=model, video=video)
    out[LABELS[1]] = batch_run(folder, extra=["--workers", "1"], **common)
    out[LABELS[2]] = batch_run(folder, extra=[], **common)
    try:
        from distributed import LocalCluster
    except ImportError:
        log(f"[{tag}] no 'distributed': the LocalCluster run is skipped")
    else:
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            extra = ["--dask", cluster.scheduler_address]
            out[LABELS[3]] = batch_run(folder, extra=extra, **common)
    _ratios(out)
    for label in LABELS:
        run = out.get(label)
        if run is not None:
            log(
                f"[{tag}] batch {label}: {run['clips_per_hour']} clips/h ({run['wall_s']:.1f} s "
                f"for {clips} clips), {run.get('ratio')}x clip after clip, "
                f"{run.get('ratio_one')}x one at a time, peak {run['max_rss_mb']:.0f} MB, "
                f"others {run['others_cores']} cores"
            )
    return out


def _ratios(out: dict[str, Any]) -> None:
    base, one = (out[label].get("clips_per_hour") for label in LABELS[:2])
    for label in LABELS:
        run = out.get(label)
        rate = run.get("clips_per_hour") if run else None
        if run is None or not rate:
            continue
        run["ratio"] = round(rate / base, 2) if base else None
        run["ratio_one"] = round(rate / one, 2) if one else None
    local, cluster = out[LABELS[2]].get("clips_per_hour"), out.get(LABELS[3], {})
    if local and cluster.get("clips_per_hour"):
        cluster["vs_local"] = round(cluster["clips_per_hour"] / local - 1.0, 3)


def batch_markdown(b: dict[str, Any]) -> list[str]:
    """The batch table and its verdicts."""
    video = "overlay on" if b["overlay"] else "`--no-video`"
    lines = [
        f"## Batch: {b['clips']} clips of 100 frames, `--model {b['model']}`, {video}",
        "",
        "| run | wall s | clips / hour | × clip after clip | × one at a time | peak RSS MB "
        "| others |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for label in LABELS:
        r = b.get(label)
        if r is not None:
            lines.append(
                f"| {label} | {_f(r['wall_s'])} | {_f(r.get('clips_per_hour'))} | "
                f"{_f(r.get('ratio'), 2)} | {_f(r.get('ratio_one'), 2)} | "
                f"{_f(r['max_rss_mb'], 0)} | {_f(r['others_cores'], 2)} |"
            )
    allc = b[LABELS[2]]
    lines += [
        "",
        f"*All cores* against running the clips one after another (target ≥ "
        f"{TARGET_BATCH}×): {_verdict(allc.get('ratio'), TARGET_BATCH)} clip after "
        f"clip, {_verdict(allc.get('ratio_one'), TARGET_BATCH)} one at a time.",
    ]
    cluster = b.get(LABELS[3], {})
    if "vs_local" in cluster:
        ok = cluster["vs_local"] >= -TARGET_CLUSTER
        lines.append(
            f"LocalCluster against all cores: {100 * cluster['vs_local']:+.0f} % "
            f"(target within {100 * TARGET_CLUSTER:.0f} %) {'✓' if ok else '✗'}."
        )
    lines += [
        "",
        "*Clip after clip* is `pronate analyze` per clip, as a user runs it without `batch`; "
        "*one at a time* is `pronate batch --workers 1` (one worker process, each clip's "
        "segments in parallel). The LocalCluster's workers run in the benchmark's own "
        "process tree: their CPU shows as *others* and their memory is not in the peak RSS "
        "(that of `pronate batch`, the client, alone).",
        "",
    ]
    return lines


def _verdict(ratio: float | None, target: float) -> str:
    if ratio is None:
        return "–"
    return f"{ratio:.2f}× {'✓' if ratio >= target else '✗'}"

"""``make bench``: throughput, memory and accuracy of pronate, measured on real clips.

Every figure comes from a subprocess run as a user runs it (the ``pronate`` command of
this environment), timed from start to exit, with its peak resident memory taken from
the kernel (``wait4`` rusage of that child alone). Sections:

throughput
    On one real clip (default ``frontal_squat.mp4``, 540 frames), for each model: the
    bare loop (:mod:`bare_loop`: PyAV decode + one PoseLandmarker in VIDEO mode on the
    full frame, one process) against ``pronate analyze`` with the overlay video off
    (``--no-video``) and on. Frames per second are frames / wall time of the whole
    process (start-up, model loading and writing included, for both); the ratio is
    pronate / bare loop. Targets: >= 1.7x with the video off, >= 1.5x with it on.
memory
    Peak RSS of ``pronate analyze`` on a 10 s and a 60 s clip made by looping the same
    clip (re-encoded into a temporary folder). Target: the 60 s run needs < 10 % more.
accuracy
    ``pronate validate`` on ``pose2sim_balancing/cam01.mp4`` against its motion-capture
    reference (``Balancing_for_IK.trc``, camera ``cam_01`` of ``Calib_qualisys.toml``).
batch
    Clips per hour over 8 short real clips with the default model and the overlay on
    (:mod:`batch`): ``pronate analyze`` clip after clip, ``pronate batch --workers 1``,
    ``pronate batch`` on all cores and on a 2-worker Dask ``LocalCluster``.

Writes ``results.json`` (everything, with the commands) and ``results.md`` (tables and
the machine) into ``--out``. Other processes make the figures noisy: each run records
how many cores other processes kept busy meanwhile (``others_cores``, from /proc/stat).

Usage: ``python bench/run.py [--data ../shared/data] [--out bench] [--only SECTION ...]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
THROUGHPUT_CLIP = "frontal_squat/frontal_squat.mp4"
LOOP_SOURCE = "frontal_squat/frontal_squat.mp4"
BALANCING = "pose2sim_balancing"
SECTIONS = ("throughput", "memory", "accuracy", "batch")
TARGET_VIDEO_OFF = 1.7
TARGET_VIDEO_ON = 1.5
TARGET_MEMORY_GROWTH = 0.10
RUN_TIMEOUT_S = 900.0


# ------------------------------------------------------------------ running


@dataclass
class Run:
    """One measured subprocess."""

    argv: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    others_cores: float | None
    stdout: str = field(repr=False)
    stderr_tail: str = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """The JSON-friendly part (no output text)."""
        out = asdict(self)
        out.pop("stdout")
        if self.returncode == 0:
            out.pop("stderr_tail")
        return out


def _busy_jiffies() -> int | None:
    """Busy CPU time of the whole machine so far, in clock ticks (``None`` off Linux)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    guest = sum(values[8:10]) if len(values) > 9 else 0  # already counted in user/nice
    return sum(values) - idle - guest


def run_measured(argv: Sequence[str], *, timeout_s: float = RUN_TIMEOUT_S) -> Run:
    """Run ``argv``, measuring wall time, CPU time and peak RSS of that child only."""
    return run_together([argv], timeout_s=timeout_s)[0]


def run_together(argvs: Sequence[Sequence[str]], *, timeout_s: float = RUN_TIMEOUT_S) -> list[Run]:
    """Start all ``argvs`` at once and measure each (wall time from the common start).

    ``others_cores`` counts the CPU of processes that are none of these children.
    """
    with contextlib.ExitStack() as stack:
        files = [
            (
                stack.enter_context(tempfile.TemporaryFile("w+")),
                stack.enter_context(tempfile.TemporaryFile("w+")),
            )
            for _ in argvs
        ]
        busy0 = _busy_jiffies()
        t0 = time.perf_counter()
        procs = [
            subprocess.Popen(list(argv), stdout=out, stderr=err, text=True)
            for argv, (out, err) in zip(argvs, files, strict=True)
        ]
        watchdogs = [threading.Timer(timeout_s, proc.kill) for proc in procs]
        for watchdog in watchdogs:
            watchdog.start()
        ended: dict[int, tuple[float, int, Any]] = {}
        try:
            while len(ended) < len(procs):
                pid, status, usage = os.wait4(-1, 0)
                if any(proc.pid == pid for proc in procs):
                    ended[pid] = (time.perf_counter() - t0, status, usage)
        finally:
            for watchdog in watchdogs:
                watchdog.cancel()
        busy1 = _busy_jiffies()
        span = time.perf_counter() - t0
        runs = []
        for argv, proc, (out, err) in zip(argvs, procs, files, strict=True):
            wall, status, usage = ended[proc.pid]
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            runs.append(
                Run(
                    argv=list(argv),
                    returncode=proc.returncode,
                    wall_s=round(wall, 3),
                    cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
                    max_rss_mb=round(usage.ru_maxrss / 1024.0, 1),
                    others_cores=None,
                    stdout=out.read(),
                    stderr_tail="\n".join(err.read().strip().splitlines()[-5:]),
                )
            )
    if busy0 is not None and busy1 is not None and span > 0:
        machine_cpu = (busy1 - busy0) / os.sysconf("SC_CLK_TCK")
        others = round(max(machine_cpu - sum(r.cpu_s for r in runs), 0.0) / span, 2)
        for run in runs:
            run.others_cores = others
    return runs


def pronate_cmd() -> list[str]:
    """The ``pronate`` command of this environment, as a user runs it."""
    script = Path(sys.executable).parent / "pronate"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pronate.app.cli"]


def log(text: str) -> None:
    """Progress line on stdout."""
    print(text, flush=True)


# ------------------------------------------------------------------ machine


def machine_info() -> dict[str, Any]:
    """CPU, cores, RAM, OS and the versions that matter."""

    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    cpu = platform.processor() or platform.machine()
    ram_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    import av

    return {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "mediapipe": version("mediapipe"),
        "pronate": version("pronate"),
        "pyav": av.__version__,
        "ffmpeg": _ffmpeg_version(av),
        "numpy": version("numpy"),
        "load_average_start": [round(v, 2) for v in os.getloadavg()],
    }


def _ffmpeg_version(av: Any) -> str | None:
    try:
        return ".".join(str(v) for v in av.library_versions["libavcodec"])
    except (AttributeError, KeyError, TypeError):
        return None


def capabilities() -> dict[str, bool]:
    """Which commands this pronate has (analyze, its --no-video switch, validate)."""
    caps = {}
    for command in ("analyze", "validate"):
        done = subprocess.run(
            [*pronate_cmd(), command, "--help"], capture_output=True, text=True, check=False
        )
        caps[command] = done.returncode == 0
        if command == "analyze":
            caps["no_video"] = done.returncode == 0 and "--no-video" in done.stdout
    return caps


# --------------------------------------------------------------- throughput


def _bare_argv(video: Path, *, model: str) -> list[str]:
    return [sys.executable, str(HERE / "bare_loop.py"), "--model", model, str(video)]


def _bare_result(run: Run) -> dict[str, Any]:
    result: dict[str, Any] = {"run": run.summary()}
    if run.returncode == 0:
        inner = json.loads(run.stdout.strip().splitlines()[-1])
        result.update(inner)
        result["fps"] = round(inner["frames"] / run.wall_s, 2)
    return result


def bare_loop(video: Path, *, model: str) -> dict[str, Any]:
    """The bare loop on ``video`` with ``model``: process figures and its own loop timing."""
    return _bare_result(run_measured(_bare_argv(video, model=model)))


def bare_pair(video: Path, *, model: str) -> dict[str, Any]:
    """Two bare loops at once: what two cores give two independent landmarkers (the
    ceiling of any parallel scheme on this machine)."""
    runs = [_bare_result(r) for r in run_together([_bare_argv(video, model=model)] * 2)]
    out: dict[str, Any] = {"runs": runs}
    if all("frames" in r for r in runs):
        span = max(r["run"]["wall_s"] for r in runs)
        out["fps"] = round(sum(r["frames"] for r in runs) / span, 2)
        out["loop_fps"] = round(sum(r["loop_fps"] for r in runs), 2)
        out["others_cores"] = runs[0]["run"]["others_cores"]
    return out


def pronate_run(
    video: Path,
    *,
    model: str,
    video_out: bool | None,
    caps: dict[str, bool],
    workdir: Path,
    command: str | None = None,
) -> dict[str, Any]:
    """``pronate analyze`` (or ``command``; ``track`` if this version has no analyze).

    ``video_out``: True / False for the overlay on / off; ``None`` when this pronate has
    no switch (whatever it does by default) or for ``track``.
    """
    outdir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    command = command or ("analyze" if caps.get("analyze") else "track")
    argv = [*pronate_cmd(), command, str(video), "-o", str(outdir), "--model", model, "-q"]
    if video_out is False:
        argv.append("--no-video")
    run = run_measured(argv)
    videos = sorted(p.name for p in outdir.rglob("*.mp4"))
    shutil.rmtree(outdir, ignore_errors=True)
    return {"command": command, "video_out": video_out, "videos_written": videos, **run.summary()}


def throughput(
    data: Path, *, models: Sequence[str], repeat: int, caps: dict[str, bool], workdir: Path
) -> dict[str, Any]:
    """Bare loop against pronate for each model; the fastest of ``repeat`` runs of each."""
    from pronate.io.video import frame_times

    clip = data / THROUGHPUT_CLIP
    frames = len(frame_times(clip))
    variants: list[bool | None] = [False, True] if caps.get("no_video") else [None]
    out: dict[str, Any] = {"clip": THROUGHPUT_CLIP, "frames": frames, "models": {}}
    for model in models:
        bares = [bare_loop(clip, model=model) for _ in range(repeat)]
        bare = min(bares, key=lambda b: b["run"]["wall_s"])
        log(
            f"[throughput] {model:5s} bare loop: {bare.get('fps')} fps "
            f"({bare['run']['wall_s']:.1f} s, loop alone {bare.get('loop_fps')} fps)"
        )
        pair = bare_pair(clip, model=model)
        if bare.get("fps") and pair.get("fps"):
            pair["ratio"] = round(pair["fps"] / bare["fps"], 2)
        log(
            f"[throughput] {model:5s} two bare loops at once: {pair.get('fps')} fps in all, "
            f"{pair.get('ratio')}x one (the ceiling of 2 landmarkers on this machine)"
        )
        entry: dict[str, Any] = {"bare": bare, "bare_x2": pair, "pronate": {}}
        plan: list[tuple[str | None, bool | None]] = [(None, v) for v in variants]
        if caps.get("analyze"):
            plan.insert(0, ("track", None))  # the tracking engine alone, for comparison
        for command, video_out in plan:
            runs = [
                pronate_run(
                    clip,
                    model=model,
                    video_out=video_out,
                    caps=caps,
                    workdir=workdir,
                    command=command,
                )
                for _ in range(repeat)
            ]
            best = min(runs, key=lambda r: r["wall_s"])
            ok = best["returncode"] == 0 and bare["run"]["returncode"] == 0
            best["fps"] = round(frames / best["wall_s"], 2) if ok else None
            best["ratio"] = round(best["fps"] / bare["fps"], 2) if ok else None
            target = None if video_out is None else _target(video_out=video_out)
            best["target"] = target
            best["met"] = None if target is None or not ok else best["ratio"] >= target
            label = _run_name(best)
            entry["pronate"][label] = best
            log(
                f"[throughput] {model:5s} pronate {label}: {best['fps']} fps "
                f"({best['wall_s']:.1f} s), {best['ratio']}x bare, "
                f"peak {best['max_rss_mb']:.0f} MB, others {best['others_cores']} cores"
            )
        out["models"][model] = entry
    return out


def _target(*, video_out: bool) -> float:
    return TARGET_VIDEO_ON if video_out else TARGET_VIDEO_OFF


def _mark(met: bool | None) -> str:
    return "" if met is None else (" ✓" if met else " ✗")


def _run_name(run: dict[str, Any]) -> str:
    label = _variant_label(run)
    return run["command"] if label == run["command"] else f"{run['command']}, {label}"


def _variant_label(run: dict[str, Any]) -> str:
    if run["command"] == "track":
        return "track"
    if run["video_out"] is None:
        return "analyze"
    return "video on" if run["video_out"] else "video off"


# ------------------------------------------------------------------- memory


def loop_clip(source: Path, target: Path, *, seconds: float) -> int:
    """Write ``source`` looped to ``seconds`` (re-encoded H.264); return the frame count."""
    import av
    import numpy as np

    with av.open(str(source)) as probe:
        stream = probe.streams.video[0]
        fps = Fraction(stream.average_rate or 30)
    n_total = round(seconds * float(fps))
    written = 0
    with av.open(str(target), "w", format="mp4") as sink:
        out = sink.add_stream("libx264", rate=fps)
        out.pix_fmt = "yuv420p"
        out.options = {"crf": "20", "preset": "veryfast"}
        while written < n_total:
            with av.open(str(source)) as container:
                src = container.streams.video[0]
                src.thread_type = "AUTO"
                for frame in container.decode(src):
                    if written >= n_total:
                        break
                    image = np.ascontiguousarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                    if written == 0:
                        out.width, out.height = image.shape[1], image.shape[0]
                    new = av.VideoFrame.from_ndarray(image, format="rgb24")
                    new.pts = written
                    new.time_base = 1 / fps
                    for packet in out.encode(new):
                        sink.mux(packet)
                    written += 1
        for packet in out.encode():
            sink.mux(packet)
    return written


def memory(
    data: Path,
    *,
    model: str,
    caps: dict[str, bool],
    workdir: Path,
    lengths: Sequence[float],
    bare_fps: float | None = None,
) -> dict[str, Any]:
    """Peak RSS of pronate on looped clips of each length in ``lengths`` (seconds).

    The longest clip's runs are also compared with the bare loop: its own (3.5 min on
    the 60 s clip) when ``bare_fps`` is ``None``, else ``bare_fps`` (the throughput
    section's bare loop on the clip that is looped: the same frames, 17.7 against 17.1
    fps measured on its 60 s loop).
    """
    variants: list[bool | None] = [False, True] if caps.get("no_video") else [None]
    out: dict[str, Any] = {"source": LOOP_SOURCE, "model": model, "clips": {}, "growth": {}}
    for seconds in lengths:
        t0 = time.perf_counter()
        clip = workdir / f"loop_{seconds:g}s.mp4"
        frames = loop_clip(data / LOOP_SOURCE, clip, seconds=seconds)
        made_s = time.perf_counter() - t0
        log(f"[memory] made a {seconds:g} s clip ({frames} frames) in {made_s:.0f} s")
        entry: dict[str, Any] = {"seconds": seconds, "frames": frames}
        for video_out in variants:
            run = pronate_run(clip, model=model, video_out=video_out, caps=caps, workdir=workdir)
            run["fps"] = round(frames / run["wall_s"], 2) if run["returncode"] == 0 else None
            label = _variant_label(run)
            entry[label] = run
            log(
                f"[memory] {seconds:g} s {label}: peak {run['max_rss_mb']:.0f} MB, "
                f"{run['fps']} fps, others {run['others_cores']} cores"
            )
        if seconds == max(lengths):
            # the same comparison as the throughput section, on a clip long enough for
            # start-up costs to fade
            if bare_fps is None:
                bare = bare_loop(clip, model=model)
                entry["bare"] = bare
                log(f"[memory] {seconds:g} s bare loop: {bare.get('fps')} fps")
                bare_fps = bare.get("fps")
            else:
                entry["bare_fps_from_throughput"] = bare_fps
            for label, run in entry.items():
                if isinstance(run, dict) and "command" in run and run["fps"] and bare_fps:
                    run["ratio"] = round(run["fps"] / bare_fps, 2)
                    log(f"[memory] {seconds:g} s {label}: {run['ratio']}x the bare loop")
        out["clips"][f"{seconds:g}s"] = entry
        clip.unlink(missing_ok=True)
    short, long = (f"{s:g}s" for s in (min(lengths), max(lengths)))
    for label in out["clips"][short]:
        if label in ("seconds", "frames", "bare", "bare_fps_from_throughput"):
            continue
        a, b = out["clips"][short][label], out["clips"][long][label]
        if a["returncode"] == 0 and b["returncode"] == 0:
            growth = b["max_rss_mb"] / a["max_rss_mb"] - 1.0
            out["growth"][label] = {
                "growth": round(growth, 4),
                "target": TARGET_MEMORY_GROWTH,
                "met": growth < TARGET_MEMORY_GROWTH,
            }
            log(f"[memory] {label}: {long} needs {100 * growth:+.1f} % vs {short}")
    return out


# ----------------------------------------------------------------- accuracy


def accuracy(data: Path, *, model: str, workdir: Path) -> dict[str, Any]:
    """``pronate validate`` on cam01 of pose2sim_balancing; the report's headline figures."""
    folder = data / BALANCING
    outdir = workdir / "validate"
    argv = [
        *pronate_cmd(),
        "validate",
        str(folder / "cam01.mp4"),
        "--reference",
        str(folder / "Balancing_for_IK.trc"),
        "--calibration",
        str(folder / "Calib_qualisys.toml"),
        "--camera",
        "cam01",
        "-o",
        str(outdir),
        "--model",
        model,
        "-q",
    ]
    run = run_measured(argv)
    out: dict[str, Any] = {"clip": f"{BALANCING}/cam01.mp4", "model": model, "run": run.summary()}
    if run.returncode != 0:
        log(f"[accuracy] pronate validate failed: {run.stderr_tail}")
        return out
    report = json.loads((outdir / "validation.json").read_text())
    out["frames"] = report["frames"]
    out["thigh_length_px"] = report["thigh_length_px"]
    out["groups"] = {label: r["groups"] for label, r in report["position"].items()}
    out["metrics"] = report["metrics"]
    out["metric_frames"] = report.get("metric_frames")
    for label, groups in out["groups"].items():
        text = ", ".join(f"{g} {s['median_px']:.1f}/{s['p90_px']:.1f}" for g, s in groups.items())
        log(f"[accuracy] {label} median/p90 px: {text}")
    return out


# ------------------------------------------------------------------- report


def pair_row(pair: dict[str, Any], *, first: str, middle: str) -> list[str]:
    """The table row of two bare loops at once (none if they failed): ``first`` holds
    the cells before the wall time, ``middle`` those between the ratio and *others*."""
    if not pair.get("fps"):
        return []
    wall = max(r["run"]["wall_s"] for r in pair["runs"])
    return [
        f"{first}{_f(wall)} | {_f(pair['fps'])} | {_f(pair.get('ratio'), 2)} |{middle}"
        f"{_f(pair.get('others_cores'), 2)} |"
    ]


def _f(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{float(value):.{digits}f}"


def markdown(results: dict[str, Any]) -> str:
    """``results.md``: the machine and one table per section."""
    m = results["machine"]
    lines = [
        "# pronate benchmark",
        "",
        f"Measured {m['date_utc']} by `make bench` on: {m['cpu']}, {m['usable_cores']} cores, "
        f"{m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}, mediapipe {m['mediapipe']}, "
        f"PyAV {m['pyav']}, pronate {m['pronate']}. Load average at start "
        f"{', '.join(map(str, m['load_average_start']))}; *others* = cores kept busy by "
        "other processes during a run (the figures are noisy when it is not ~0).",
        "",
    ]
    tp = results.get("throughput")
    if tp:
        lines += [
            f"## Throughput: `{tp['clip']}`, {tp['frames']} frames",
            "",
            "fps = frames / wall time of the whole process (start-up and outputs included). "
            "Bare loop: PyAV decode + one PoseLandmarker (VIDEO mode, full frame), one process.",
            "",
            "| model | run | wall s | fps | × bare | target | of ceiling | peak RSS MB | others |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for model, entry in tp["models"].items():
            ceiling = entry.get("bare_x2", {}).get("ratio")
            bare = entry["bare"]
            lines.append(
                f"| {model} | bare loop (loop alone: {_f(bare.get('loop_fps'))} fps) | "
                f"{_f(bare['run']['wall_s'])} | {_f(bare.get('fps'))} | 1.00 | | | "
                f"{_f(bare['run']['max_rss_mb'], 0)} | {_f(bare['run']['others_cores'], 2)} |"
            )
            lines += pair_row(
                entry.get("bare_x2", {}),
                first=f"| {model} | 2 bare loops at once (ceiling of 2 landmarkers) | ",
                middle=" | 100 % | ",
            )
            for run in entry["pronate"].values():
                target = f"≥ {run['target']}" if run.get("target") else ""
                mark = _mark(run.get("met"))
                share = (
                    f"{100 * run['ratio'] / ceiling:.0f} %" if ceiling and run.get("ratio") else ""
                )
                lines.append(
                    f"| {model} | pronate {_run_name(run)} | {_f(run['wall_s'])} | "
                    f"{_f(run['fps'])} | {_f(run['ratio'], 2)}{mark} | {target} | {share} | "
                    f"{_f(run['max_rss_mb'], 0)} | {_f(run['others_cores'], 2)} |"
                )
        lines += [
            "",
            "*Of ceiling*: the ratio over that of two bare loops run at once, the most two "
            "landmarkers give on this machine (it moves from run to run with the host: "
            "1.68× to 2.09× for heavy on this 2-core VM).",
        ]
        lines.append("")
    mem = results.get("memory")
    if mem:
        lines += [
            f"## Memory: `pronate analyze --model {mem['model']}` on `{mem['source']}` looped",
            "",
            "| clip | frames | run | wall s | fps | × bare | peak RSS MB | others |",
            "|---|--:|---|--:|--:|--:|--:|--:|",
        ]
        for name, entry in mem["clips"].items():
            for label, run in entry.items():
                if label == "bare_fps_from_throughput":
                    lines.append(
                        f"| {name} | {entry['frames']} | bare loop: the throughput section's "
                        f"(same frames, not looped) | | {_f(run)} | 1.00 | | |"
                    )
                    continue
                if label in ("seconds", "frames"):
                    continue
                if label == "bare":
                    lines.append(
                        f"| {name} | {entry['frames']} | bare loop | {_f(run['run']['wall_s'])} | "
                        f"{_f(run.get('fps'))} | 1.00 | {_f(run['run']['max_rss_mb'], 0)} | "
                        f"{_f(run['run']['others_cores'], 2)} |"
                    )
                    continue
                lines.append(
                    f"| {name} | {entry['frames']} | pronate {_run_name(run)} | "
                    f"{_f(run['wall_s'])} | {_f(run['fps'])} | {_f(run.get('ratio'), 2)} | "
                    f"{_f(run['max_rss_mb'], 0)} | {_f(run['others_cores'], 2)} |"
                )
        names = list(mem["clips"])
        for label, g in mem["growth"].items():
            lines.append("")
            lines.append(
                f"Peak RSS, {names[-1]} vs {names[0]} ({label}): {100 * g['growth']:+.1f} % "
                f"(target < {100 * g['target']:.0f} %){_mark(g['met'])}"
            )
        lines.append("")
    acc = results.get("accuracy")
    if acc and "groups" in acc:
        fr = acc["frames"]
        lines += [
            f"## Accuracy: `pronate validate` on `{acc['clip']}` ({acc['model']})",
            "",
            f"{fr['paired']} frames paired with the motion-capture reference (frame offset "
            f"{fr['frame_offset']:+d}, {fr.get('frame_offset_source', 'given')}); median "
            f"thigh length {_f(acc['thigh_length_px'])} px.",
            "",
            "| keypoints | median px | p90 px | median % thigh | p90 % thigh |",
            "|---|--:|--:|--:|--:|",
        ]
        groups = acc["groups"].get("filtered") or acc["groups"]["raw"]
        raw = acc["groups"]["raw"]
        for name, s in groups.items():
            r = raw[name]
            lines.append(
                f"| {name} | {_f(s['median_px'])} (raw {_f(r['median_px'])}) | "
                f"{_f(s['p90_px'])} (raw {_f(r['p90_px'])}) | "
                f"{_f(100 * s['median_thigh'])} | {_f(100 * s['p90_thigh'])} |"
            )
        lines += [
            "",
            "| metric | MAE filtered | r filtered | MAE raw | r raw |",
            "|---|--:|--:|--:|--:|",
        ]
        for name, s in acc["metrics"].get("filtered", {}).items():
            r = acc["metrics"]["raw"][name]
            lines.append(
                f"| {name} | {_f(s['mae'])} | {_f(s['r'], 2)} | {_f(r['mae'])} | {_f(r['r'], 2)} |"
            )
        lines += _unmeasured_note(acc)
        lines.append("")
    if "batch" in results:
        from batch import batch_markdown

        lines += batch_markdown(results["batch"])
    lines.append(f"Whole run: {results['elapsed_s']:.0f} s.")
    return "\n".join(lines) + "\n"


def _unmeasured_note(acc: dict[str, Any]) -> list[str]:
    """Why the metric rows are empty when no frame was measurable (e.g. an oblique view)."""
    metrics = acc["metrics"].get("filtered") or acc["metrics"].get("raw") or {}
    if any(m.get("n") for m in metrics.values()):
        return []
    views = acc.get("metric_frames", {})
    seen = views.get("filtered") or views.get("raw") or {}
    ref = views.get("reference", {})
    return [
        "",
        f"No frame paired for the frontal metrics: pronate found the view "
        f"{seen.get('view', '?')} (yaw {_f(seen.get('yaw_deg'))}°; the calibration says "
        f"{_f(ref.get('yaw_deg'))}°), where the frontal-plane angles cannot be read from 2-D, "
        "so they are reported as unmeasurable by design; the keypoint errors above still hold.",
    ]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sections, print every figure, write results.json and results.md."""
    parser = argparse.ArgumentParser(description="pronate benchmark (make bench)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.json/.md")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--models", nargs="+", default=["heavy", "full"])
    parser.add_argument("--memory-model", default="heavy")
    parser.add_argument(
        "--lengths", nargs=2, type=float, default=[10.0, 60.0], metavar=("SHORT", "LONG")
    )
    parser.add_argument("--repeat", type=int, default=1, help="throughput runs; fastest kept")
    parser.add_argument("--batch-clips", type=int, default=8)
    parser.add_argument("--batch-model", default="heavy")
    parser.add_argument(
        "--long-bare",
        action="store_true",
        help="run the bare loop on the long clip too (+3.5 min) instead of reusing the "
        "throughput section's",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the headline figures in ~3 min (bench/quick.py): one model (the first of "
        "--models), batch clips per hour; writes results-quick.json/.md",
    )
    args = parser.parse_args(argv)
    if not (args.data / THROUGHPUT_CLIP).is_file():
        print(f"bench: no {args.data / THROUGHPUT_CLIP} (see --data)", file=sys.stderr)
        return 2
    if args.quick:
        from quick import run_quick

        return run_quick(args.data, args.out, model=args.models[0])
    t0 = time.perf_counter()
    results: dict[str, Any] = {"machine": machine_info()}
    caps = capabilities()
    results["capabilities"] = caps
    m = results["machine"]
    log(
        f"[machine] {m['cpu']}, {m['usable_cores']} cores, {m['ram_gb']} GB, "
        f"Python {m['python']}, mediapipe {m['mediapipe']}, load {m['load_average_start']}"
    )
    log(f"[machine] pronate commands: {caps}")
    with tempfile.TemporaryDirectory(prefix="pronate-bench-") as tmp:
        work = Path(tmp)
        if "throughput" in args.only:
            results["throughput"] = throughput(
                args.data, models=args.models, repeat=max(1, args.repeat), caps=caps, workdir=work
            )
        if "memory" in args.only:
            known = results.get("throughput", {}).get("models", {}).get(args.memory_model, {})
            results["memory"] = memory(
                args.data,
                model=args.memory_model,
                caps=caps,
                workdir=work,
                lengths=sorted(args.lengths),
                bare_fps=None if args.long_bare else known.get("bare", {}).get("fps"),
            )
        if "accuracy" in args.only:
            results["accuracy"] = accuracy(args.data, model="heavy", workdir=work)
        if "batch" in args.only:
            from batch import batch_section

            results["batch"] = batch_section(
                args.data,
                workdir=work,
                clips=args.batch_clips,
                model=args.batch_model,
                video=True,
                tag="batch",
            )
    results["machine"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    results["elapsed_s"] = round(time.perf_counter() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "results.json", json.dumps(results, indent=2) + "\n")
    write_atomic(args.out / "results.md", markdown(results))
    log(f"[done] {results['elapsed_s']:.0f} s; wrote {args.out / 'results.json'} and results.md")
    failed = [r for r in _runs(results) if r.get("returncode", 0) != 0]
    for r in failed:
        print(f"bench: failed: {' '.join(r['argv'])}\n{r.get('stderr_tail', '')}", file=sys.stderr)
    return 1 if failed else 0


def _runs(obj: Any) -> list[dict[str, Any]]:
    """Every run summary (a dict with ``argv``) inside the results."""
    if isinstance(obj, dict):
        found = [obj] if "argv" in obj else []
        return found + [r for v in obj.values() for r in _runs(v)]
    if isinstance(obj, list):
        return [r for v in obj for r in _runs(v)]
    return []


if __name__ == "__main__":
    sys.exit(main())

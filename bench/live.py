"""Live mode's speed: analysed frames per second and glass-to-overlay latency.

A workspace runs in this process (uvicorn, its own thread); a WebSocket client plays a
real clip as a camera would: frames at the clip's pace (30 fps), each scaled to 720 px
on its long side (a 720p source as the page sends it), encoded as JPEG and sent with its
capture time, at most two frames in flight (as ``live.js`` does: a frame is skipped when
two are waiting, and the server itself reads only the newest). Latency is capture time ->
the reply with the reading received (the page then draws in the next animation frame,
< 17 ms more); analysed fps is replies per second of wall time. Run per model.

Then the same in the real page (when Debian's ``chromium`` is installed): headless Chromium
whose fake camera plays the clip as a 720p portrait source (720 x 1280, 30 fps), the page
grabbing, encoding and sending frames itself, per model: replies per second, latency from
the frame's grab to its overlay drawn (median, 95th percentile), and the picture's own
pace (video frames presented per second, the longest gap between two, the share of
frames shown later than 2.5 times the usual interval: stutter). The browser shares the
2 cores with the server here; on a call it runs on the coach's laptop.

Usage: ``python bench/live.py [--data ../shared/data] [--seconds 20] [--models full lite]
[--out bench]``; writes ``live.json`` and ``live.md`` into ``--out``. Other processes on
the machine make the figures slower: ``load_1min`` is the 1-minute load average at the end
of each run (this benchmark itself adds about 2). ``server_ms_median`` is the server's own
time per frame (model + reading, JPEG decoding excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

FPS = 30.0
MAX_SIDE = 720
IN_FLIGHT = 2


def load_frames(clip: Path, *, fps: float = FPS) -> list[bytes]:
    """The clip's frames at ``fps``, long side 720 px, as JPEG (quality 80)."""
    out: list[bytes] = []
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        step = max(1, round(float(stream.average_rate or fps) / fps))
        for i, frame in enumerate(container.decode(stream)):
            if i % step:
                continue
            scale = MAX_SIDE / max(frame.width, frame.height)
            w, h = round(frame.width * scale / 2) * 2, round(frame.height * scale / 2) * 2
            bgr = frame.to_ndarray(format="bgr24", width=w, height=h)
            ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 80])
            assert ok
            out.append(bytes(data))
    return out


def start_server(data_dir: Path) -> tuple[Any, threading.Thread, int]:
    import uvicorn

    from pronate.app.server import create_app
    from pronate.app.workspace.settings import WorkspaceSettings

    settings = WorkspaceSettings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'workspace.db'}", workers=0
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, port


async def play(port: int, frames: list[bytes], *, model: str, seconds: float) -> dict[str, Any]:
    """Stream ``frames`` (looping) for ``seconds``; the measured figures."""
    import websockets

    latencies: list[float] = []
    server_ms: list[float] = []
    sent: dict[int, float] = {}
    in_flight = 0
    dropped_seen = [0]
    skipped = 0
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/live?model={model}", max_size=None
    ) as ws:
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready", ready
        done = asyncio.Event()

        async def receive() -> None:
            nonlocal in_flight
            async for text in ws:
                message = json.loads(text)
                if message["type"] == "frame":
                    # frames the server skipped (newest only) get no reply of their own
                    in_flight -= 1 + message["dropped"] - dropped_seen[0]
                    dropped_seen[0] = message["dropped"]
                    latencies.append(time.perf_counter() * 1000 - sent[message["id"]])
                    server_ms.append(float(message["ms"]))
                elif message["type"] == "error":
                    in_flight -= 1
                if done.is_set() and in_flight <= 0:
                    return

        receiver = asyncio.create_task(receive())
        start = time.perf_counter()
        i = 0
        while (now := time.perf_counter()) - start < seconds:
            due = start + i / FPS
            if due > now:
                await asyncio.sleep(due - now)
            capture_ms = time.perf_counter() * 1000
            if in_flight >= IN_FLIGHT:
                skipped += 1
            else:
                in_flight += 1
                sent[i] = capture_ms
                await ws.send(json.dumps({"type": "frame", "id": i, "t": capture_ms}))
                await ws.send(frames[i % len(frames)])
            i += 1
        wall = time.perf_counter() - start
        done.set()
        await asyncio.wait_for(receiver, timeout=30)
    lat = np.array(latencies)
    return {
        "model": model,
        "seconds": round(wall, 1),
        "source_frames": i,
        "skipped_by_client": skipped,
        "analysed": len(latencies),
        "analysed_fps": round(len(latencies) / wall, 1),
        "latency_median_ms": round(float(np.median(lat)), 1),
        "latency_p95_ms": round(float(np.percentile(lat, 95)), 1),
        "server_ms_median": round(float(np.median(server_ms)), 1),
        "load_1min": round(os.getloadavg()[0], 2),
    }


CHROMIUM = Path("/usr/bin/chromium")
BROWSER_SOURCE = (720, 1280)
"""Width and height of the fake camera (a phone's 720p held upright)."""


def y4m_clip(clip: Path, target: Path, *, seconds: float = 4.0) -> Path:
    """The first ``seconds`` of ``clip`` at 30 fps and :data:`BROWSER_SOURCE` as Y4M."""
    width, height = BROWSER_SOURCE
    with av.open(str(clip)) as container, target.open("wb") as out:
        stream = container.streams.video[0]
        step = max(1, round(float(stream.average_rate or FPS) / FPS))
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for i, frame in enumerate(container.decode(stream)):
            if frame.time is not None and frame.time >= seconds:
                break
            if i % step == 0:
                planes = frame.reformat(width=width, height=height, format="yuv420p")
                out.write(b"FRAME\n" + np.ascontiguousarray(planes.to_ndarray()).tobytes())
    return target


def in_browser(port: int, source: Path, *, model: str, seconds: float) -> dict[str, Any]:
    """The live page in headless Chromium for ``seconds``; the figures it records."""
    import httpx
    from playwright.sync_api import sync_playwright

    from pronate.outputs.report.pdf import HEADLESS_FLAGS

    base = f"http://127.0.0.1:{port}"
    client = httpx.post(f"{base}/api/clients", json={"name": f"bench {model}"}).json()["id"]
    args = [
        *HEADLESS_FLAGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={source}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        page = browser.new_page(viewport={"width": 1100, "height": 1300})
        page.goto(f"{base}/live?client={client}&source=camera")
        page.select_option("#live-model", model)
        page.click("#live-start")
        page.wait_for_function("() => window.pronateLive.replies > 0", timeout=60_000)
        start = page.evaluate("({r: window.pronateLive.replies, t: performance.now()})")
        time.sleep(seconds)
        state = page.evaluate(
            "({r: window.pronateLive.replies, t: performance.now(),"
            " lat: window.pronateLive.latencies, gaps: window.pronateLive.videoIntervals})"
        )
        page.click("#live-stop")
        browser.close()
    lat = np.asarray(state["lat"][len(state["lat"]) // 10 :], dtype=float)
    gaps = np.asarray(state["gaps"], dtype=float)
    usual = float(np.median(gaps))
    return {
        "model": model,
        "where": "browser",
        "seconds": round((state["t"] - start["t"]) / 1000, 1),
        "analysed_fps": round((state["r"] - start["r"]) * 1000 / (state["t"] - start["t"]), 1),
        "latency_median_ms": round(float(np.median(lat)), 1),
        "latency_p95_ms": round(float(np.percentile(lat, 95)), 1),
        "video_fps": round(1000 / usual, 1),
        "video_longest_gap_ms": round(float(gaps.max()), 1),
        "video_late_share": round(float(np.mean(gaps > 2.5 * usual)), 4),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("--data", type=Path, default=here.parents[1] / "shared" / "data")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--models", nargs="+", default=["full", "lite"])
    parser.add_argument("--out", type=Path, default=here)
    args = parser.parse_args()
    clip = args.data / "frontal_squat" / "frontal_squat.mp4"
    frames = load_frames(clip)
    results: list[dict[str, Any]] = []
    browser_results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="pronate-live-bench-") as tmp:
        server, thread, port = start_server(Path(tmp))
        try:
            for model in args.models:
                result = asyncio.run(play(port, frames, model=model, seconds=args.seconds))
                print(json.dumps(result))
                results.append(result)
            if CHROMIUM.is_file():
                source = y4m_clip(clip, Path(tmp) / "source.y4m")
                for model in args.models:
                    result = in_browser(port, source, model=model, seconds=args.seconds)
                    print(json.dumps(result))
                    browser_results.append(result)
        finally:
            server.should_exit = True
            thread.join(30)
    report = {
        "cores": os.cpu_count(),
        "clip": "frontal_squat.mp4, 720 px long side, 30 fps",
        "targets": {"analysed_fps_full": 25, "latency_median_ms": 120},
        "runs": results,
        "browser_runs": browser_results,
    }
    (args.out / "live.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "| model | analysed fps | latency median | latency p95 | server ms/frame | load |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {r['model']} | {r['analysed_fps']} | {r['latency_median_ms']} ms | "
        f"{r['latency_p95_ms']} ms | {r['server_ms_median']} | {r['load_1min']} |"
        for r in results
    ]
    if browser_results:
        lines += [
            "",
            "In the page (headless Chromium, fake 720 x 1280 camera, same 2 cores):",
            "",
            "| model | analysed fps | grab to overlay median | p95 | video fps | longest video gap"
            " | late video frames | load |",
            "|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        lines += [
            f"| {r['model']} | {r['analysed_fps']} | {r['latency_median_ms']} ms | "
            f"{r['latency_p95_ms']} ms | {r['video_fps']} | {r['video_longest_gap_ms']} ms | "
            f"{100 * r['video_late_share']:.1f} % | {r['load_1min']} |"
            for r in browser_results
        ]
    (args.out / "live.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

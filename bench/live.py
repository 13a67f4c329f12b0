"""Live mode's speed: analysed frames per second and glass-to-overlay latency.

A workspace runs in this process (uvicorn, its own thread); a WebSocket client plays a
real clip as a camera would: frames at the clip's pace (30 fps), each scaled to 720 px
on its long side (a 720p source as the page sends it), encoded as JPEG and sent with its
capture time, at most two frames in flight (as ``live.js`` does: a frame is skipped when
two are waiting, and the server itself reads only the newest). Latency is capture time ->
the reply with the reading received (the page then draws in the next animation frame,
< 17 ms more); analysed fps is replies per second of wall time. Run per model.

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

    from pronate.web.app import create_app
    from pronate.web.settings import WorkspaceSettings

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("--data", type=Path, default=here.parents[1] / "shared" / "data")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--models", nargs="+", default=["full", "lite"])
    parser.add_argument("--out", type=Path, default=here)
    args = parser.parse_args()
    frames = load_frames(args.data / "frontal_squat" / "frontal_squat.mp4")
    results = []
    with tempfile.TemporaryDirectory(prefix="pronate-live-bench-") as tmp:
        server, thread, port = start_server(Path(tmp))
        try:
            for model in args.models:
                result = asyncio.run(play(port, frames, model=model, seconds=args.seconds))
                print(json.dumps(result))
                results.append(result)
        finally:
            server.should_exit = True
            thread.join(30)
    report = {
        "cores": os.cpu_count(),
        "clip": "frontal_squat.mp4, 720 px long side, 30 fps",
        "targets": {"analysed_fps_full": 25, "latency_median_ms": 120},
        "runs": results,
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
    (args.out / "live.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

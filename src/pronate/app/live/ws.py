"""The live WebSocket ``/ws/live``: JPEG frames in, the chain's reading out.

Protocol (all JSON text, except the frames):

- Query: ``client`` (id; moments are saved into that client's session), ``session``
  (optional: the session id, else the client's session of today, created at the first
  moment saved: a stream without moments leaves no session),
  ``model`` (``full`` default, ``lite``).
- Server first sends ``{"type": "ready", "model"}`` once the model is loaded (or
  ``{"type": "error"}`` and closes).
- Client sends a frame as a text header ``{"type": "frame", "id": N, "t": MS, "source":
  [W, H]}`` (``t`` the capture time in ms on the client's clock, ``source`` the size of
  the picture the frame was scaled from: the client's size is judged in its pixels, as
  the recording's analysis will) followed by one binary message: the JPEG
  (a binary message without a header is a frame taken "now"). ``{"type": "capture"}``
  saves the newest reading as a moment by hand. ``{"type": "pick", "x": X, "y": Y}`` (a
  click on the client, pixels of the frames) reads that person from the next frame on,
  and never anyone else (``{"type": "pick"}``: the largest person again); the frame
  replies then carry ``picked`` (whether someone was at the pixel).
- The server reads only the newest frame: a frame that arrives while the model is busy
  replaces the waiting one (counted in ``dropped``), never queued. Per frame read it sends
  ``{"type": "frame", "id", "t", "width", "height", "landmarks", "metrics", "stance",
  "camera", "guidance", "moments", "dropped", "ms"}``; each moment also as
  ``{"type": "moment", ...}``.
- Anything else is answered by ``{"type": "error", "message"}`` and the stream goes on;
  after :data:`MAX_ERRORS` errors in a row the server closes (code 1003).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

import numpy as np
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from pronate.app.live.analyser import Detected, LiveAnalyser
from pronate.app.live.config import LiveConfig
from pronate.errors import ModelError
from pronate.pose.config import MODEL_NAMES

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])
MAX_FRAME_BYTES: Final[int] = 4 * 1024 * 1024
MAX_SIDE_PX: Final[int] = 1920
MAX_SOURCE_PX: Final[int] = 16384
"""The largest source picture a frame header may name."""
MAX_ERRORS: Final[int] = 50
LIVE_MODELS: Final[tuple[str, ...]] = ("full", "lite")

AnalyserFactory = Callable[[LiveConfig], LiveAnalyser]
MomentSink = Callable[[dict[str, Any]], dict[str, Any]]


def analyser_factory() -> AnalyserFactory:
    """How a connection gets its analyser (tests override this dependency)."""
    return LiveAnalyser


class FrameError(ValueError):
    """A frame that cannot be read (not a JPEG, too large)."""


def decode_jpeg(data: bytes) -> np.ndarray:
    """An RGB array of a JPEG (or PNG) image; :class:`FrameError` if it is not one."""
    import cv2

    if len(data) > MAX_FRAME_BYTES:
        raise FrameError(f"a frame may have at most {MAX_FRAME_BYTES} bytes")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.ndim != 3 or min(image.shape[:2]) < 16:
        raise FrameError("the frame is not a JPEG image")
    if max(image.shape[:2]) > MAX_SIDE_PX:
        raise FrameError(f"frames may be at most {MAX_SIDE_PX} px on their long side")
    return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))


@dataclass
class _Stream:
    """What the receiving task hands to the reading task: only the newest frame."""

    wake: asyncio.Event = field(default_factory=asyncio.Event)
    frame: tuple[dict[str, Any], bytes] | None = None
    header: dict[str, Any] | None = None
    capture: bool = False
    pick: tuple[bool, tuple[float, float] | None] | None = None
    """A click on the client waiting for the next frame (the point, or ``None``: the
    largest person again)."""
    closed: bool = False
    dropped: int = 0
    errors: int = 0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


async def _send(ws: WebSocket, stream: _Stream, message: dict[str, Any]) -> None:
    async with stream.send_lock:
        if stream.closed:
            return
        try:
            await ws.send_text(json.dumps(message, allow_nan=False, default=str))
        except (WebSocketDisconnect, RuntimeError):
            stream.closed = True


async def _error(ws: WebSocket, stream: _Stream, message: str) -> None:
    stream.errors += 1
    await _send(ws, stream, {"type": "error", "message": message})
    if stream.errors >= MAX_ERRORS:
        stream.closed = True
        stream.wake.set()
        await ws.close(code=1003, reason="too many bad messages")


def _header(text: str) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except ValueError:
        raise FrameError("a text message must be JSON") from None
    if not isinstance(message, dict) or message.get("type") not in ("frame", "capture", "pick"):
        raise FrameError('a text message is {"type": "frame" | "capture" | "pick", ...}')
    if message["type"] == "pick" and message.get("x") is not None:
        xy = (message.get("x"), message.get("y"))
        if not all(isinstance(v, int | float) and np.isfinite(v) and v >= 0 for v in xy):
            raise FrameError('a pick is {"type": "pick", "x": X, "y": Y} in pixels of the frames')
    t = message.get("t")
    if t is not None and (not isinstance(t, int | float) or not np.isfinite(t)):
        raise FrameError('"t" must be a number of milliseconds')
    source = message.get("source")
    if source is not None and not (
        isinstance(source, list)
        and len(source) == 2
        and all(isinstance(v, int) and 16 <= v <= MAX_SOURCE_PX for v in source)
    ):
        raise FrameError(f'"source" must be [width, height] in pixels, at most {MAX_SOURCE_PX}')
    return message


async def _receive(ws: WebSocket, stream: _Stream) -> None:
    """Keep the newest frame; answer bad messages; stop on disconnect."""
    while not stream.closed:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            break
        if message.get("text") is not None:
            try:
                header = _header(message["text"])
            except FrameError as exc:
                await _error(ws, stream, str(exc))
                continue
            if header["type"] == "capture":
                stream.capture = True
                stream.wake.set()
            elif header["type"] == "pick":
                x, y = header.get("x"), header.get("y")
                point = None if x is None or y is None else (float(x), float(y))
                stream.pick = (True, point)
            else:
                stream.header = header
        elif message.get("bytes") is not None:
            if stream.frame is not None:
                stream.dropped += 1
            header = stream.header or {"type": "frame"}
            stream.frame, stream.header = (header, message["bytes"]), None
            stream.wake.set()
    stream.closed = True
    stream.wake.set()


def _clock_s(header: dict[str, Any], start: float) -> float:
    t = header.get("t")
    return float(t) / 1000.0 if t is not None else time.monotonic() - start


def _detect(
    analyser: LiveAnalyser, data: bytes, time_s: float, source: list[int] | None
) -> Detected:
    rgb = decode_jpeg(data)
    size = (source[0], source[1]) if source else None
    return analyser.detect(rgb, time_s=time_s, jpeg=data, source=size)


async def _finish(
    ws: WebSocket,
    stream: _Stream,
    analyser: LiveAnalyser,
    detected: Detected,
    header: dict[str, Any],
    sink: MomentSink | None,
) -> None:
    """The reading of a detected frame (in a thread), its moments saved, the reply sent."""
    out = await asyncio.to_thread(analyser.read, detected)
    moments = out.pop("moments")
    out.update(type="frame", id=header.get("id"), t=header.get("t"), dropped=stream.dropped)
    picked = getattr(analyser, "picked", None)
    if picked is not None:
        out["picked"] = picked
    out["moments"] = await _moments(ws, stream, moments, sink)
    await _send(ws, stream, out)


async def _work(
    ws: WebSocket, stream: _Stream, analyser: LiveAnalyser, sink: MomentSink | None
) -> None:
    """Read the newest frame whenever one is waiting. The model runs in a thread; the
    reading of frame N (angles, reply) runs in another while frame N + 1 is detected."""
    start = time.monotonic()
    reading: asyncio.Task[None] | None = None
    try:
        while True:
            await stream.wake.wait()
            stream.wake.clear()
            if stream.closed:
                return
            if stream.capture:
                stream.capture = False
                if reading is not None:
                    await reading
                await _capture(ws, stream, analyser, sink)
            if stream.frame is None:
                continue
            (header, data), stream.frame = stream.frame, None
            if stream.pick is not None:
                analyser.pick(stream.pick[1])
                stream.pick = None
            try:
                detected = await asyncio.to_thread(
                    _detect, analyser, data, _clock_s(header, start), header.get("source")
                )
            except FrameError as exc:
                await _error(ws, stream, str(exc))
                continue
            stream.errors = 0
            if reading is not None:
                await reading  # replies stay in order; one reading at a time
            reading = asyncio.create_task(_finish(ws, stream, analyser, detected, header, sink))
    finally:
        if reading is not None and not reading.done():
            await reading


async def _capture(
    ws: WebSocket, stream: _Stream, analyser: LiveAnalyser, sink: MomentSink | None
) -> None:
    moment = analyser.capture()
    if moment is None:
        await _error(ws, stream, "nothing to capture yet: send a frame first")
    else:
        await _moments(ws, stream, [moment], sink)


async def _moments(
    ws: WebSocket, stream: _Stream, moments: list[dict[str, Any]], sink: MomentSink | None
) -> list[dict[str, Any]]:
    """Save the moments (when a client is given) and announce each; return them as sent."""
    sent = []
    for moment in moments:
        saved = await asyncio.to_thread(sink, moment) if sink is not None else _plain(moment)
        sent.append(saved)
        await _send(ws, stream, {"type": "moment", **saved})
    return sent


def _plain(moment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in moment.items() if k != "jpeg"}


def _sink(ws: WebSocket) -> MomentSink | None:
    """Where the moments of this connection are saved (``None``: no client given)."""
    from pronate.app.live import moments as store

    client = ws.query_params.get("client")
    if not client:
        return None
    session = ws.query_params.get("session")
    return store.sink(
        ws.app.state.workspace,
        client_id=int(client),
        visit_id=int(session) if session else None,
    )


@router.websocket("/ws/live")
async def live_socket(
    websocket: WebSocket, factory: Annotated[AnalyserFactory, Depends(analyser_factory)]
) -> None:
    """The live stream of one page: see the module's protocol. A handshake from another
    site's page, or for a host name the workspace does not answer to, never gets here
    (:class:`pronate.app.workspace.guard.SocketGuard`)."""
    await websocket.accept()
    model = websocket.query_params.get("model") or "full"
    try:
        if model not in LIVE_MODELS or model not in MODEL_NAMES:
            raise FrameError(f"model must be one of {', '.join(LIVE_MODELS)}")
        sink = _sink(websocket)
    except (FrameError, ValueError, LookupError) as exc:
        await websocket.send_text(json.dumps({"type": "error", "message": str(exc)}))
        await websocket.close(code=1008)
        return
    try:
        analyser = await asyncio.to_thread(factory, LiveConfig(model=model))
    except ModelError as exc:
        await websocket.send_text(json.dumps({"type": "error", "message": str(exc)}))
        await websocket.close(code=1011)
        return
    stream = _Stream()
    worker: asyncio.Task[None] | None = None
    try:
        await _send(websocket, stream, {"type": "ready", "model": model})
        worker = asyncio.create_task(_work(websocket, stream, analyser, sink))
        with contextlib.suppress(WebSocketDisconnect):
            await _receive(websocket, stream)
        stream.closed = True
        stream.wake.set()
        await worker  # finishes the frame in hand, never another
    finally:
        stream.closed = True
        if worker is not None and not worker.done():
            worker.cancel()
        # Not awaited: this also runs when the connection's task is cancelled. The
        # analyser's close waits for a frame still being read in its thread.
        threading.Thread(target=analyser.close, name="pronate-live-close").start()

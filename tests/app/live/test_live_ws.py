"""The live WebSocket protocol with a stand-in analyser (no model): garbage in, a flood of
frames (only the newest is read), a disconnect mid-stream (the model is freed), the token,
and moments saved into the client's session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from pronate.app.live import ws
from pronate.app.live.config import LiveConfig
from pronate.app.server import create_app
from pronate.app.workspace.settings import WorkspaceSettings


def jpeg(value: int = 90, size: tuple[int, int] = (48, 64)) -> bytes:
    image = np.full((*size, 3), value, dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data)


class Slow:
    """An analyser that takes ``delay`` seconds per frame and records what it read."""

    def __init__(self, *, delay: float, moments: list[dict[str, Any]] | None = None) -> None:
        self.delay = delay
        self.seen: list[float] = []
        self.closed = threading.Event()
        self.moments = list(moments or [])
        self.last: dict[str, Any] | None = None

    def read(self, detected: dict[str, Any]) -> dict[str, Any]:
        self.last = dict(detected)
        return self.last

    def detect(
        self,
        rgb: np.ndarray,
        *,
        time_s: float,
        jpeg: bytes | None = None,
        source: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        assert not self.closed.is_set(), "read after close"
        time.sleep(self.delay)
        self.seen.append(time_s)
        out = {
            "time": time_s,
            "width": rgb.shape[1],
            "height": rgb.shape[0],
            "landmarks": None,
            "metrics": {},
            "stance": "both",
            "camera": None,
            "guidance": [],
            "moments": [dict(m, jpeg=jpeg) for m in self.moments],
            "ms": 1000 * self.delay,
        }
        self.moments = []
        return out

    def capture(self) -> dict[str, Any] | None:
        if self.last is None:
            return None
        return {
            "source": "capture",
            "side": "left",
            "kind": "capture",
            "time": 1.0,
            "verdict": None,
            "metrics": {"knee_fppa_left_deg": 5.0},
            "jpeg": jpeg(),
        }

    def close(self) -> None:
        self.closed.set()


@pytest.fixture
def app_for(tmp_path: Path) -> Iterator[Any]:
    made: list[TestClient] = []

    def factory(analyser: Slow, **changes: Any) -> TestClient:
        settings = WorkspaceSettings(
            data_dir=tmp_path / "data",
            database_url=f"sqlite:///{tmp_path / 'data' / 'workspace.db'}",
            workers=0,
            **changes,
        )
        app = create_app(settings, start_workers=False)
        configs: list[LiveConfig] = []

        def make(config: LiveConfig) -> Slow:
            configs.append(config)
            return analyser

        app.dependency_overrides[ws.analyser_factory] = lambda: make
        app.state.configs = configs
        client = TestClient(app)
        client.__enter__()
        made.append(client)
        return client

    yield factory
    for client in made:
        client.__exit__(None, None, None)


def frame(socket: Any, *, ident: int, t: float, data: bytes | None = None) -> None:
    socket.send_json({"type": "frame", "id": ident, "t": t})
    socket.send_bytes(data if data is not None else jpeg())


def until(socket: Any, kind: str) -> dict[str, Any]:
    while True:
        message = socket.receive_json()
        if message["type"] == kind:
            return dict(message)


def test_ready_then_one_frame_read(app_for: Any) -> None:
    analyser = Slow(delay=0.0)
    client = app_for(analyser)
    with client.websocket_connect("/ws/live?model=lite") as socket:
        assert socket.receive_json() == {"type": "ready", "model": "lite"}
        frame(socket, ident=7, t=1500.0)
        out = until(socket, "frame")
    assert out["id"] == 7 and out["t"] == 1500.0
    assert (out["width"], out["height"]) == (64, 48)
    assert analyser.seen == [1.5]
    assert client.app.state.configs[0].model == "lite"


def test_garbage_is_answered_and_the_stream_goes_on(app_for: Any) -> None:
    analyser = Slow(delay=0.0)
    client = app_for(analyser)
    with client.websocket_connect("/ws/live") as socket:
        until(socket, "ready")
        socket.send_text("not json")
        assert "JSON" in until(socket, "error")["message"]
        socket.send_json({"type": "dance"})
        assert "type" in until(socket, "error")["message"]
        socket.send_json({"type": "frame", "t": "soon"})
        assert "milliseconds" in until(socket, "error")["message"]
        socket.send_bytes(b"\x00garbage" * 100)
        assert "not a JPEG" in until(socket, "error")["message"]
        socket.send_json({"type": "capture"})
        assert "nothing to capture" in until(socket, "error")["message"]
        frame(socket, ident=1, t=10.0)
        assert until(socket, "frame")["id"] == 1
    assert analyser.closed.wait(5)


def test_endless_garbage_closes_the_connection(app_for: Any) -> None:
    client = app_for(Slow(delay=0.0))
    with client.websocket_connect("/ws/live") as socket:
        until(socket, "ready")
        for _ in range(ws.MAX_ERRORS):
            socket.send_text("garbage")
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                socket.receive_json()
    assert closed.value.code == 1003


def test_unknown_model_is_refused(app_for: Any) -> None:
    client = app_for(Slow(delay=0.0))
    with client.websocket_connect("/ws/live?model=huge") as socket:
        assert "model must be" in socket.receive_json()["message"]
        with pytest.raises(WebSocketDisconnect):
            socket.receive_json()


def test_a_flood_reads_only_the_newest_frames(app_for: Any) -> None:
    analyser = Slow(delay=0.1)
    client = app_for(analyser)
    with client.websocket_connect("/ws/live") as socket:
        until(socket, "ready")
        for i in range(40):
            frame(socket, ident=i, t=1000.0 + 10 * i)
        replies: list[dict[str, Any]] = []
        while not replies or replies[-1]["id"] != 39:
            replies.append(until(socket, "frame"))
    ids = [r["id"] for r in replies]
    assert ids == sorted(ids) and ids[-1] == 39
    assert len(ids) < 10, f"frames were queued, not dropped: {ids}"
    assert replies[-1]["dropped"] == 40 - len(ids)
    assert analyser.seen == pytest.approx([1.0 + 0.01 * i for i in ids])


def test_disconnect_mid_stream_frees_the_model_and_the_server_goes_on(app_for: Any) -> None:
    analyser = Slow(delay=0.3)
    client = app_for(analyser)
    with client.websocket_connect("/ws/live") as socket:
        until(socket, "ready")
        for i in range(5):
            frame(socket, ident=i, t=100.0 * i)
    assert analyser.closed.wait(5), "the model was not freed"
    assert len(analyser.seen) <= 2
    assert client.get("/api/health").status_code == 200
    second = Slow(delay=0.0)
    client.app.dependency_overrides[ws.analyser_factory] = lambda: lambda _config: second
    with client.websocket_connect("/ws/live") as socket:
        until(socket, "ready")
        frame(socket, ident=1, t=5.0)
        assert until(socket, "frame")["id"] == 1


def test_the_token_is_needed_when_the_workspace_has_one(app_for: Any) -> None:
    client = app_for(Slow(delay=0.0), token="s3cret")
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/live") as socket:
        socket.receive_json()
    headers = {"Authorization": "Bearer s3cret"}
    with client.websocket_connect("/ws/live", headers=headers) as socket:
        assert until(socket, "ready")["model"] == "full"


def test_moments_are_saved_into_the_clients_session(app_for: Any) -> None:
    auto = {
        "source": "auto",
        "side": "right",
        "kind": "single_leg_stance",
        "time": 2.5,
        "verdict": "partial",
        "criteria": [{"name": "com_inside_base", "passed": True}],
        "metrics": {"knee_fppa_right_deg": 7.0},
        "uncertainty": {"knee_fppa_right_deg": 10.0},
    }
    client = app_for(Slow(delay=0.0, moments=[auto]))
    cid = client.post("/api/clients", json={"name": "Ada"}).json()["id"]
    with client.websocket_connect(f"/ws/live?client={cid}") as socket:
        until(socket, "ready")
        frame(socket, ident=1, t=2600.0, data=jpeg(120))
        announced = until(socket, "moment")
        out = until(socket, "frame")
        socket.send_json({"type": "capture"})
        captured = until(socket, "moment")
    assert out["moments"] == [{k: v for k, v in announced.items() if k != "type"}]
    listed = client.get(f"/api/clients/{cid}/moments").json()
    assert [m["source"] for m in listed] == ["auto", "capture"]
    first = listed[0]
    assert (first["side"], first["time"], first["verdict"]) == ("right", 2.5, "partial")
    assert first["metrics"] == {"knee_fppa_right_deg": 7.0}
    assert first["criteria"][0]["name"] == "com_inside_base"
    assert listed[1]["id"] == captured["id"]
    image = client.get(first["image"])
    assert image.status_code == 200 and image.content == jpeg(120)
    sessions = client.get(f"/api/clients/{cid}").json()["visits"]
    assert [s["id"] for s in sessions] == [first["session_id"]]
    images = list((Path(client.app.state.workspace.blobs.root) / "live").glob("*.jpg"))
    assert len(images) == 2
    assert client.delete(f"/api/clients/{cid}?confirm=Ada").status_code == 204
    assert not any(p.exists() for p in images)


def test_a_stream_without_moments_leaves_no_session(app_for: Any) -> None:
    """Opening the live page and streaming without a moment creates no session (issue 22:
    an empty "live session", and the recording filed into a second one)."""
    client = app_for(Slow(delay=0.0))
    cid = client.post("/api/clients", json={"name": "Ada"}).json()["id"]
    with client.websocket_connect(f"/ws/live?client={cid}") as socket:
        until(socket, "ready")
        socket.send_json({"type": "frame", "id": 1, "t": 10.0, "source": [1280, 720]})
        socket.send_bytes(jpeg())
        assert until(socket, "frame")["id"] == 1
    assert client.get(f"/api/clients/{cid}").json()["visits"] == []
    with client.websocket_connect(f"/ws/live?client={cid}") as socket:
        until(socket, "ready")
        socket.send_json({"type": "frame", "source": [1280]})
        assert "source" in until(socket, "error")["message"]


def test_an_unknown_client_is_refused(app_for: Any) -> None:
    client = app_for(Slow(delay=0.0))
    with client.websocket_connect("/ws/live?client=999") as socket:
        assert "no client" in socket.receive_json()["message"]
        with pytest.raises(WebSocketDisconnect):
            socket.receive_json()
    assert client.get("/api/clients/999/moments").status_code == 404


def test_the_live_page_of_a_client(app_for: Any) -> None:
    client = app_for(Slow(delay=0.0))
    cid = client.post("/api/clients", json={"name": "Ada"}).json()["id"]
    page = client.get(f"/live?client={cid}&source=camera")
    assert page.status_code == 200
    assert '<script src="/static/live.js" defer></script>' in page.text
    assert '<option value="camera" selected>' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/live.js").status_code == 200
    assert client.get("/live?client=999").status_code == 404


def test_a_page_of_another_site_cannot_open_the_stream(app_for: Any) -> None:
    client = app_for(Slow(delay=0.0))
    evil = {"origin": "http://evil.example"}
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/live", headers=evil):
        pass
    ours = {"origin": "http://testserver"}
    with client.websocket_connect("/ws/live", headers=ours) as socket:
        assert until(socket, "ready")["type"] == "ready"

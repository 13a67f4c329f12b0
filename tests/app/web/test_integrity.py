"""The holes found in issue 22 (items 6 and 7), on SQLite and PostgreSQL: ids never
reused, a client deleted while its clip is analysed, deleted text gone from the database
file, a reused analysis named after the new upload, ids out of range, a picture uploaded
as a video, and a WebSocket handshake of another site (DNS rebinding)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from webkit import finish_job, golden, golden_table, summary

from pronate.app.executor import Outcome
from pronate.app.jobs import execute
from pronate.app.live import ws
from pronate.app.workspace import queue
from pronate.app.workspace.settings import WorkspaceSettings
from pronate.pipeline import AnalysisRequest


def new_client(client: TestClient, name: str) -> int:
    return int(client.post("/api/clients", json={"name": name}).json()["id"])


def upload(client: TestClient, cid: int, data: bytes, name: str = "clip.mp4") -> dict[str, Any]:
    response = client.post(f"/api/clients/{cid}/clips", files={"file": (name, data, "video/mp4")})
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


class Stub:
    """An executor whose analysis runs ``during()`` and then writes a summary."""

    def __init__(self, during: Any = None) -> None:
        self.during, self.calls = during, 0

    def run(self, request: AnalysisRequest, progress: Any = None) -> Outcome:
        self.calls += 1
        if self.during is not None:
            self.during()
        folder = Path(request.outdir)
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text('{"video": "clip.mp4", "events": []}')
        return Outcome(request)


def test_ids_are_never_reused(client: TestClient, settings: WorkspaceSettings, tiny_video: bytes):
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    ann = new_client(client, "Ann")
    first = upload(client, ann, tiny_video)
    analysis = finish_job(sessions, settings.data_dir, first["job_id"], summary("partial"))
    assert client.delete(f"/api/clients/{ann}?confirm=Ann").status_code == 204
    bob = new_client(client, "Bob")
    second = upload(client, bob, tiny_video)
    again = finish_job(sessions, settings.data_dir, second["job_id"], summary("pronation"))
    assert bob > ann
    for key in ("session_id", "clip_id", "job_id"):
        assert second[key] > first[key], key
    assert again > analysis
    assert client.get(f"/analyses/{analysis}").status_code == 404  # a bookmark of Ann's


def test_deleting_a_client_while_its_clip_is_analysed_leaves_nothing(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes, caplog: Any
) -> None:
    workspace = client.app.state.workspace  # type: ignore[attr-defined]
    ann = new_client(client, "Ann")
    job_id = upload(client, ann, tiny_video)["job_id"]
    assert queue.claim(workspace.sessions) == job_id

    def delete() -> None:
        assert client.delete(f"/api/clients/{ann}?confirm=Ann").status_code == 204

    caplog.set_level(logging.INFO)
    execute.run_job(
        workspace.sessions,
        workspace.blobs,
        Stub(delete),  # type: ignore[arg-type]
        database_url=settings.database_url,
        job_id=job_id,
    )
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert list((settings.data_dir / "analyses").iterdir()) == []
    assert list((settings.data_dir / "clips").rglob("*.*")) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deleted_text_is_gone_from_the_database_file(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    secret = "Zebediah Quillfeather"
    cid = new_client(client, secret)
    visit = client.post(f"/api/clients/{cid}/sessions", json={"notes": "knee pain, zqx7"}).json()
    job = client.post(
        f"/api/clients/{cid}/clips",
        files={"file": ("zqx7-balance.mp4", tiny_video, "video/mp4")},
        data={"session_id": str(visit["id"])},
    ).json()["job_id"]
    finish_job(sessions, settings.data_dir, job, {**summary("partial"), "video": "zqx7.mp4"})
    assert client.delete(f"/api/clients/{cid}?confirm={secret}").status_code == 204
    files = [p for p in settings.data_dir.glob("workspace.db*") if p.is_file()]
    content = b"".join(p.read_bytes() for p in files)
    assert secret.encode() not in content and b"zqx7" not in content


def test_a_reused_analysis_is_named_after_the_new_upload(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    workspace = client.app.state.workspace  # type: ignore[attr-defined]
    ann, bob = new_client(client, "Ann"), new_client(client, "Bob")
    first = upload(client, ann, tiny_video, "ann-squats.mp4")["job_id"]
    content = {**golden("frontal_squat"), "video": "ann-squats.mp4"}
    table = golden_table("frontal_squat")
    before = finish_job(
        workspace.sessions, settings.data_dir, first, content, files={"timeseries.csv": table}
    )
    # an analysis folder holds its pose dataset, which the new report is made from
    import synthetic as syn
    from pronate.pose.schema import save_pose_dataset

    pose = syn.render_pose(syn.simulate(fps=30.0), syn.Camera())
    save_pose_dataset(pose, settings.data_dir / "analyses" / f"job-{first}" / "pose.nc")
    second = upload(client, bob, tiny_video, "bob-squats.mp4")["job_id"]
    assert queue.claim(workspace.sessions) == second
    executor = Stub()
    execute.run_job(
        workspace.sessions,
        workspace.blobs,
        executor,  # type: ignore[arg-type]
        database_url=settings.database_url,
        job_id=second,
    )
    assert executor.calls == 0  # reused, not analysed again
    reused = client.get(f"/api/jobs/{second}").json()["analysis_id"]
    assert client.get(f"/api/analyses/{reused}").json()["video"] == "bob-squats.mp4"
    report = client.get(f"/api/analyses/{reused}/report").text
    assert "bob-squats.mp4" in report and "ann-squats" not in report
    assert client.get(f"/api/analyses/{before}").json()["video"] == "ann-squats.mp4"
    folder = settings.data_dir / "analyses" / f"job-{first}"
    assert (folder / "report.html").read_text().count("ann-squats") == 0  # Ann's placeholder


@pytest.mark.parametrize(
    "url",
    [
        "/api/clients/9223372036854775808",
        "/api/clients/2147483648",
        "/api/jobs/99999999999999999999",
        "/analyses/9223372036854775807",
        "/clients/-1",
        "/api/analyses/2147483648/report",
    ],
)
def test_ids_out_of_range_are_404_with_the_security_headers(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404, response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_picture_is_refused_at_upload(client: TestClient, settings: WorkspaceSettings) -> None:
    cid = new_client(client, "Ann")
    ok, png = cv2.imencode(".png", np.full((120, 160, 3), 200, dtype=np.uint8))
    assert ok
    for name, data in (("photo.png", png.tobytes()), ("photo.mp4", png.tobytes())):
        response = client.post(
            f"/api/clients/{cid}/clips", files={"file": (name, data, "video/mp4")}
        )
        assert response.status_code == 415, response.text
        assert "picture" in response.json()["detail"]
    assert list((settings.data_dir / "clips").rglob("*.*")) == []
    assert client.get(f"/api/clients/{cid}").json()["visits"] == []


class Ready:
    """An analyser that never reads a frame (the handshake is what is tested)."""

    def detect(self, *a: Any, **k: Any) -> None:
        raise AssertionError("no frame is sent")

    def close(self) -> None:
        pass


def test_a_websocket_of_another_site_is_refused(make_client: Any) -> None:
    client = make_client(allowed_hosts=("testserver", "127.0.0.1"))
    client.app.dependency_overrides[ws.analyser_factory] = lambda: lambda _config: Ready()
    rebound = {"host": "evil.example:8000", "origin": "http://evil.example:8000"}
    for headers in (rebound, {"host": "evil.example:8000"}, {"origin": "http://evil.example"}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws/live", headers=headers) as socket,
        ):
            socket.receive_json()
        assert refused.value.code == 1008, headers
    ours = {"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}
    with client.websocket_connect("/ws/live", headers=ours) as socket:
        assert socket.receive_json()["type"] == "ready"


def test_errors_are_pages_for_a_browser_and_json_for_the_api(client: TestClient) -> None:
    html = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get("/clients/999", headers=html)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "No client with id 999." in page.text and '{"detail"' not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    nowhere = client.get("/no/such/page", headers=html)
    assert nowhere.status_code == 404 and "<h1>Not found</h1>" in nowhere.text
    api = client.get("/api/clients/999", headers=html)
    assert api.json() == {"detail": "no client with id 999"}
    assert client.get("/clients/999").json() == {"detail": "no client with id 999"}

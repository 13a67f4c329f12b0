"""The JSON API on SQLite and PostgreSQL: every endpoint and every bad request."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webkit import finish_job, summary

from pronate.app.workspace.settings import WorkspaceSettings


def new_client(client: TestClient, name: str = "Ann Example") -> int:
    response = client.post("/api/clients", json={"name": name})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def upload(
    client: TestClient, client_id: int, data: bytes, *, name: str = "clip.mp4", **form: str
) -> object:
    return client.post(
        f"/api/clients/{client_id}/clips", files={"file": (name, data, "video/mp4")}, data=form
    )


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_health(client: TestClient, database_url: str) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["database"] == database_url.split(":")[0].split("+")[0]


def test_create_list_rename_archive_clients(client: TestClient) -> None:
    ann, bob = new_client(client, "  Ann   Example "), new_client(client, "Bob")
    assert [c["name"] for c in client.get("/api/clients").json()] == ["Ann Example", "Bob"]
    renamed = client.patch(f"/api/clients/{ann}", json={"name": "Anne Example"})
    assert renamed.json()["name"] == "Anne Example"
    assert client.patch(f"/api/clients/{bob}", json={"archived": True}).json()["archived"]
    assert [c["id"] for c in client.get("/api/clients").json()] == [ann]
    assert [c["id"] for c in client.get("/api/clients?archived=true").json()] == [ann, bob]
    assert client.get(f"/api/clients/{ann}").json()["visits"] == []


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}, []])
def test_bad_client_bodies(client: TestClient, body: object) -> None:
    response = client.post("/api/clients", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_unknown_ids_are_404(client: TestClient) -> None:
    for method, url in [
        ("GET", "/api/clients/99"),
        ("PATCH", "/api/clients/99"),
        ("DELETE", "/api/clients/99?confirm=x"),
        ("POST", "/api/clients/99/sessions"),
        ("GET", "/api/clients/99/history"),
        ("GET", "/api/jobs/99"),
        ("POST", "/api/jobs/99/retry"),
        ("GET", "/api/analyses/99"),
        ("GET", "/api/analyses/99/report"),
        ("GET", "/api/analyses/99/files/overlay.mp4"),
        ("GET", "/clients/99"),
        ("GET", "/clients/99/timeline"),
        ("GET", "/analyses/99"),
    ]:
        response = client.request(method, url, json={} if method != "GET" else None)
        assert response.status_code == 404, (method, url, response.text)
    assert upload(client, 99, b"x").status_code == 404  # type: ignore[attr-defined]
    assert client.get("/api/clients/abc").status_code == 422


def test_sessions(client: TestClient) -> None:
    cid = new_client(client)
    first = client.post(f"/api/clients/{cid}/sessions", json={"date": "2026-10-01"})
    assert first.status_code == 201
    client.post(f"/api/clients/{cid}/sessions", json={"date": "2026-11-05", "notes": "after"})
    visits = client.get(f"/api/clients/{cid}").json()["visits"]
    assert [v["date"] for v in visits] == ["2026-11-05", "2026-10-01"]
    assert visits[0]["notes"] == "after"
    bad = client.post(f"/api/clients/{cid}/sessions", json={"date": "yesterday"})
    assert bad.status_code == 422


def test_upload_stores_by_content_hash(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    cid = new_client(client)
    response = upload(client, cid, tiny_video, name="My Clip.mp4")
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    out = response.json()  # type: ignore[attr-defined]
    sha = hashlib.sha256(tiny_video).hexdigest()
    stored = settings.data_dir / "clips" / sha[:2] / sha
    assert stored.read_bytes() == tiny_video
    assert not any("My Clip" in p.name for p in files_in(settings.data_dir))
    assert files_in(settings.data_dir / "tmp") == []
    job = client.get(f"/api/jobs/{out['job_id']}").json()
    assert job == {
        "id": out["job_id"],
        "state": "queued",
        "progress": 0.0,
        "error": None,
        "analysis_id": None,
        "attempts": 0,
    }
    detail = client.get(f"/api/clients/{cid}").json()
    assert [v["id"] for v in detail["visits"]] == [out["session_id"]]
    assert detail["visits"][0]["clips"][0]["name"] == "My Clip.mp4"
    again = upload(client, cid, tiny_video, session_id=str(out["session_id"])).json()  # type: ignore[attr-defined]
    assert again["session_id"] == out["session_id"] and again["clip_id"] != out["clip_id"]
    assert len(files_in(settings.data_dir / "clips")) == 1


@pytest.mark.parametrize(
    "name", ["../../evil.mp4", "/etc/cron.d/evil.mp4", "..\\..\\evil.mp4", "a/../../evil.mp4"]
)
def test_path_traversal_names_never_become_paths(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes, tmp_path: Path, name: str
) -> None:
    cid = new_client(client)
    response = upload(client, cid, tiny_video, name=name)
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert not any("evil" in p.name for p in files_in(tmp_path))
    assert not Path("/etc/cron.d/evil.mp4").exists()
    clip = client.get(f"/api/clients/{cid}").json()["visits"][0]["clips"][0]
    assert clip["name"] == "evil.mp4"


def test_not_a_video_is_refused_and_nothing_kept(
    client: TestClient, settings: WorkspaceSettings
) -> None:
    cid = new_client(client)
    response = upload(client, cid, b"this is not a video" * 50)
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert "not a video" in response.json()["detail"]  # type: ignore[attr-defined]
    assert files_in(settings.data_dir / "clips") == files_in(settings.data_dir / "tmp") == []
    assert client.get(f"/api/clients/{cid}").json()["visits"] == []


def test_too_large_is_refused_and_nothing_kept(
    make_client: Callable[..., TestClient], settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    client = make_client(max_upload_bytes=len(tiny_video) - 1)
    cid = new_client(client)
    response = upload(client, cid, tiny_video)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "larger than the limit" in response.json()["detail"]  # type: ignore[attr-defined]
    huge = upload(client, cid, tiny_video * 200)
    assert huge.status_code == 413  # type: ignore[attr-defined]
    assert files_in(settings.data_dir / "clips") == files_in(settings.data_dir / "tmp") == []


def test_too_large_without_content_length_is_stopped_early(
    make_client: Callable[..., TestClient], settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    client = make_client(max_upload_bytes=len(tiny_video))
    cid = new_client(client)

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to trust
        yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n'
        for _ in range(200):
            yield b"\0" * 65536
        yield b"\r\n--B--\r\n"

    response = client.post(
        f"/api/clients/{cid}/clips",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]
    assert files_in(settings.data_dir / "clips") == files_in(settings.data_dir / "tmp") == []
    assert client.get(f"/api/clients/{cid}").json()["visits"] == []


def test_upload_bad_session_and_missing_file(client: TestClient, tiny_video: bytes) -> None:
    ann, bob = new_client(client, "Ann"), new_client(client, "Bob")
    bobs = client.post(f"/api/clients/{bob}/sessions", json={"date": "2026-10-01"}).json()["id"]
    assert upload(client, ann, tiny_video, session_id=str(bobs)).status_code == 404  # type: ignore[attr-defined]
    assert upload(client, ann, tiny_video, session_id="999").status_code == 404  # type: ignore[attr-defined]
    assert upload(client, ann, tiny_video, session_id="x").status_code == 422  # type: ignore[attr-defined]
    missing = client.post(f"/api/clients/{ann}/clips", data={"session_id": str(bobs)})
    assert missing.status_code == 422


def test_analysis_summary_report_and_files(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    cid = new_client(client)
    job_id = upload(client, cid, tiny_video).json()["job_id"]  # type: ignore[attr-defined]
    assert client.post(f"/api/jobs/{job_id}/retry").status_code == 409
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    content = summary("pronation", fppa=9.0)
    analysis = finish_job(sessions, settings.data_dir, job_id, content)
    job = client.get(f"/api/jobs/{job_id}").json()
    assert (job["state"], job["progress"], job["analysis_id"]) == ("done", 1.0, analysis)
    assert client.get(f"/api/analyses/{analysis}").json() == content
    report = client.get(f"/api/analyses/{analysis}/report")
    assert report.status_code == 200 and "<p>report</p>" in report.text
    assert "default-src 'none'" in report.headers["content-security-policy"]
    frame = client.get(
        f"/api/analyses/{analysis}/files/keyframes/01_left_single_leg_squat_1.00s.png"
    )
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/png"
    assert client.get(f"/api/analyses/{analysis}/files/overlay.mp4").status_code == 404
    page = client.get(f"/analyses/{analysis}")
    assert page.status_code == 200
    assert "Pronation — every link of the chain that counts was met" in page.text
    assert "camera-hint" not in page.text


def test_analysis_page_says_why_and_where_to_film(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    """An oblique clip: the page gives the camera's reason and placement hint (issue 8)."""
    cid = new_client(client)
    job_id = upload(client, cid, tiny_video).json()["job_id"]  # type: ignore[attr-defined]
    content = summary("unmeasurable")
    content["camera"] = {
        "frontal_measurable": False,
        "reason": "the camera is at least 30 deg off the client's front",
        "placement_hint": "move the camera at least 30 deg around the client",
    }
    content["quality"] = {"warnings": ["the subject is only 290 px tall"]}
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    analysis = finish_job(sessions, settings.data_dir, job_id, content)
    page = client.get(f"/analyses/{analysis}").text
    assert "No frontal verdict from this camera" in page
    assert "move the camera at least 30 deg around the client" in page
    assert "290 px tall" in page


@pytest.mark.parametrize(
    "name",
    [
        "../../workspace.db",
        "..%2F..%2Fworkspace.db",
        "keyframes/../../../workspace.db",
        "keyframes/..%2F..%2Fsummary.json",
        "summary.json",
        "%2Fetc%2Fpasswd",
        "keyframes/%2E%2E/report.html",
    ],
)
def test_output_path_traversal_is_404(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes, name: str
) -> None:
    cid = new_client(client)
    job_id = upload(client, cid, tiny_video).json()["job_id"]  # type: ignore[attr-defined]
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    analysis = finish_job(sessions, settings.data_dir, job_id, summary("partial"))
    response = client.get(f"/api/analyses/{analysis}/files/{name}")
    # 422 where the client itself collapses the dots (the URL then names no analysis)
    assert response.status_code in (404, 422)
    assert b"SQLite" not in response.content and b"root:" not in response.content


def test_history_in_date_order_with_first_pronation(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    cid = new_client(client)
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    plan = [
        ("2026-11-20", "pronation", 8.0),
        ("2026-10-01", "missing", -3.0),
        ("2026-12-01", "pronation", 9.0),
    ]
    ids = {}
    for date, verdict, fppa in plan:
        sid = client.post(f"/api/clients/{cid}/sessions", json={"date": date}).json()["id"]
        job = upload(client, cid, tiny_video, session_id=str(sid)).json()["job_id"]  # type: ignore[attr-defined]
        finish_job(sessions, settings.data_dir, job, summary(verdict, fppa=fppa))
        ids[date] = sid
    history = client.get(f"/api/clients/{cid}/history").json()
    assert [e["date"] for e in history["sessions"]] == ["2026-10-01", "2026-11-20", "2026-12-01"]
    assert [e["label"] for e in history["sessions"]] == ["2026-10-01", "2026-11-20", "2026-12-01"]
    left = [e["movements"]["single_leg"]["left"] for e in history["sessions"]]
    assert [s["verdict"] for s in left] == ["missing", "pronation", "pronation"]
    assert [s["metrics"]["knee_fppa_in_band"] for s in left] == [-3.0, 8.0, 9.0]
    [movement] = history["movements"]
    assert (movement["key"], movement["title"]) == ("single_leg", "Single-leg stance and squat")
    assert movement["first_pronation"] == {"left": ids["2026-11-20"], "right": None}
    right = [e["movements"]["single_leg"]["right"] for e in history["sessions"]]
    assert all(s["verdict"] is None and s["moments"] == 0 for s in right)
    page = client.get(f"/clients/{cid}/timeline")
    assert page.status_code == 200 and page.text.count("first pronation") >= 2
    clips = re.findall(r'<clipPath id="([^"]+)"', page.text)
    # inline SVG: each plot has ids of its own; a number never measured gets no plot
    assert len(clips) == len(set(clips)) == 3


def test_delete_client_needs_confirmation_and_removes_files(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    ann, bob = new_client(client, "Ann"), new_client(client, "Bob")
    other = b"\x00" + tiny_video  # a different content: its own blob (not a valid video)
    job = upload(client, ann, tiny_video).json()["job_id"]  # type: ignore[attr-defined]
    upload(client, bob, tiny_video)
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    finish_job(sessions, settings.data_dir, job, summary("partial"))
    assert client.delete(f"/api/clients/{ann}").status_code == 409
    assert client.delete(f"/api/clients/{ann}?confirm=ann").status_code == 409
    assert client.get(f"/api/clients/{ann}").status_code == 200
    assert client.delete(f"/api/clients/{ann}?confirm=Ann").status_code == 204
    assert client.get(f"/api/clients/{ann}").status_code == 404
    assert client.get(f"/api/jobs/{job}").status_code == 404
    assert not (settings.data_dir / "analyses" / f"job-{job}").exists()
    assert len(files_in(settings.data_dir / "clips")) == 1  # still Bob's
    assert client.delete(f"/api/clients/{bob}?confirm=Bob").status_code == 204
    assert files_in(settings.data_dir / "clips") == []
    del other


def test_token_required_when_set(make_client: Callable[..., TestClient]) -> None:
    client = make_client(token="s3cret-token")
    for url in ["/api/health", "/api/clients", "/", "/docs", "/openapi.json", "/static/app.js"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert "token" in response.json()["detail"]
    wrong = client.get("/api/health", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = client.get("/api/health", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200
    assert client.post("/api/clients", json={"name": "A"}).status_code == 401
    opened = client.get("/?token=s3cret-token", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/"
    assert client.get("/").status_code == 200  # the cookie set above
    assert client.get("/api/clients").status_code == 200


def test_other_host_names_and_other_sites_are_refused(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(allowed_hosts=("testserver", "127.0.0.1"))
    assert client.get("/api/health").status_code == 200
    rebound = client.get("/api/clients", headers={"Host": "evil.example:8000"})
    assert rebound.status_code == 403 and "host name" in rebound.json()["detail"]
    body = {"name": "Ann"}
    foreign = client.post("/api/clients", json=body, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "other web sites" in foreign.json()["detail"]
    fetched = client.post("/api/clients", json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403
    same = client.post("/api/clients", json=body, headers={"Origin": "http://testserver"})
    assert same.status_code == 201
    assert [c["name"] for c in client.get("/api/clients").json()] == ["Ann"]


def test_no_token_needed_on_localhost(client: TestClient) -> None:
    assert client.get("/api/health").status_code == 200


def test_pages_escape_names_and_forbid_external_loads(client: TestClient) -> None:
    cid = new_client(client, "<script>alert(1)</script>")
    for url in ["/", f"/clients/{cid}", f"/clients/{cid}/timeline", "/docs"]:
        page = client.get(url)
        assert page.status_code == 200, url
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "<script>alert(1)" not in page.text
        assert "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/").text


def test_docs_are_served_offline(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/static/docs/swagger-ui-bundle.js" in page and "/static/docs-init.js" in page
    for url in [
        "/static/docs/swagger-ui-bundle.js",
        "/static/docs/swagger-ui.css",
        "/static/docs-init.js",
        "/static/app.js",
        "/static/app.css",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/static/..%2F..%2Fapp.py").status_code == 404
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/health",
        "/api/clients",
        "/api/clients/{client_id}/clips",
        "/api/jobs/{job_id}",
        "/api/analyses/{analysis_id}",
        "/api/analyses/{analysis_id}/report",
        "/api/clients/{client_id}/history",
    ]:
        assert path in paths

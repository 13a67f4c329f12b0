"""Resumable uploads: a clip sent in pieces, a piece refused at the wrong offset, the
upload picked up where it stands, finished into a clip whose content is the file's."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from pronate.app.store.models import Clip


def test_an_upload_in_pieces_resumes_and_becomes_a_clip(
    client: TestClient, tiny_video: bytes
) -> None:
    client_id = client.post("/api/clients", json={"name": "Ann"}).json()["id"]
    size = len(tiny_video)
    opened = client.post(
        f"/api/clients/{client_id}/uploads", json={"name": "session.mp4", "size": size}
    )
    assert opened.status_code == 201, opened.text
    upload = opened.json()["upload_id"]
    assert opened.json() == {"upload_id": upload, "offset": 0, "size": size}
    third = size // 3
    put = client.put(f"/api/uploads/{upload}?offset=0", content=tiny_video[:third])
    assert put.json()["offset"] == third
    # the connection dropped: a client that does not know where it stands is told
    wrong = client.put(f"/api/uploads/{upload}?offset=0", content=tiny_video[:third])
    assert wrong.status_code == 409 and f"byte {third}" in wrong.json()["detail"]
    assert client.get(f"/api/uploads/{upload}").json()["offset"] == third
    early = client.post(f"/api/uploads/{upload}/finish")
    assert early.status_code == 409
    too_much = client.put(
        f"/api/uploads/{upload}?offset={third}", content=tiny_video[third:] + b"x"
    )
    assert too_much.status_code == 413
    assert client.get(f"/api/uploads/{upload}").json()["offset"] == third  # not taken
    rest = client.put(f"/api/uploads/{upload}?offset={third}", content=tiny_video[third:])
    assert rest.json()["offset"] == size
    done = client.post(f"/api/uploads/{upload}/finish")
    assert done.status_code == 201, done.text
    out = done.json()
    assert client.get(f"/api/jobs/{out['job_id']}").json()["state"] == "queued"
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    with ws.sessions() as db:
        clip = db.get(Clip, out["clip_id"])
        assert clip is not None and clip.display_name == "session.mp4"
        assert clip.sha256 == hashlib.sha256(tiny_video).hexdigest()
    assert ws.blobs.clip_path(clip.sha256).read_bytes() == tiny_video
    assert client.get(f"/api/uploads/{upload}").status_code == 404  # gone once finished


def test_uploads_refused(client: TestClient, tiny_video: bytes) -> None:
    client_id = client.post("/api/clients", json={"name": "Bo"}).json()["id"]
    big = client.post(f"/api/clients/{client_id}/uploads", json={"name": "a.mp4", "size": 10**10})
    assert big.status_code == 413
    assert client.get("/api/uploads/../../etc").status_code == 404
    assert client.put("/api/uploads/" + "0" * 32 + "?offset=0", content=b"x").status_code == 404
    notes = b"hello, not a video\n" * 10
    upload = client.post(
        f"/api/clients/{client_id}/uploads", json={"name": "n.mp4", "size": len(notes)}
    ).json()["upload_id"]
    client.put(f"/api/uploads/{upload}?offset=0", content=notes)
    assert client.post(f"/api/uploads/{upload}/finish").status_code == 415
    dropped = client.post(
        f"/api/clients/{client_id}/uploads", json={"name": "d.mp4", "size": 5}
    ).json()["upload_id"]
    assert client.delete(f"/api/uploads/{dropped}").status_code == 204
    assert client.get(f"/api/uploads/{dropped}").status_code == 404

"""Moments for the client: plain-words numbers, the share card, two moments side by side."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from webkit import finish_job, summary

from pronate.app.web.moments import plain_lines
from pronate.app.workspace.settings import WorkspaceSettings


def analysed(
    client: TestClient,
    settings: WorkspaceSettings,
    video: bytes,
    *,
    name: str,
    plan: list[tuple[str, str, float]],
) -> tuple[int, list[int]]:
    """A client with one analysed clip per (date, verdict, fppa); (client id, analyses)."""
    cid = client.post("/api/clients", json={"name": name}).json()["id"]
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    analyses = []
    for date, verdict, fppa in plan:
        sid = client.post(f"/api/clients/{cid}/sessions", json={"date": date}).json()["id"]
        job = client.post(
            f"/api/clients/{cid}/clips",
            files={"file": ("c.mp4", video, "video/mp4")},
            data={"session_id": str(sid)},
        ).json()["job_id"]
        analyses.append(finish_job(sessions, settings.data_dir, job, summary(verdict, fppa=fppa)))
    return cid, analyses


def test_plain_lines() -> None:
    event = {
        "side": "right",
        "criteria": [
            {"name": "knee_fppa_in_band_right", "value": 9.6, "threshold": 16.8},
            {"name": "com_inside_base", "value": -0.12, "threshold": 0.0},
            {"name": "pelvis_loaded_side_up", "value": -3.2, "threshold": 1.0},
            {"name": "knee_fppa_in_band_left", "value": 30.0, "threshold": 16.8},
        ],
    }
    assert plain_lines(event) == [
        "Knee angle at the deepest point: +10° (healthy knees stay below 17°)",
        "Balance: body weight outside the foot's support, 0.12 foot lengths from its edge",
        "Pelvis: the standing side dropped by 3°",
    ]
    assert plain_lines({"side": "left", "criteria": []}) == []
    band = {
        "side": "left",
        "criteria": [{"name": "knee_fppa_in_band_left", "value": -2.4, "threshold": [-5.0, 16.8]}],
    }
    assert plain_lines(band) == ["Knee angle at the deepest point: -2° (normal band -5° to +17°)"]


def test_card_is_a_png_download(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    from matplotlib.image import imread

    _, (analysis,) = analysed(
        client, settings, tiny_video, name="Ann", plan=[("2026-10-01", "pronation", 7.0)]
    )
    response = client.get(f"/api/analyses/{analysis}/moments/1/card.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "attachment" in response.headers["content-disposition"]
    image = imread(io.BytesIO(response.content), format="png")
    assert image.shape[:2] == (675, 1200)
    for bad in ("0", "2", "x"):
        url = f"/api/analyses/{analysis}/moments/{bad}/card.png"
        assert client.get(url).status_code in (404, 422), bad
    assert client.get("/api/analyses/999/moments/1/card.png").status_code == 404


def test_compare_two_moments(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    cid, (before, after) = analysed(
        client,
        settings,
        tiny_video,
        name="Ann",
        plan=[("2026-10-01", "missing", -4.0), ("2026-11-05", "pronation", 8.0)],
    )
    page = client.get(f"/clients/{cid}/compare")
    assert page.status_code == 200
    assert "left single leg squat, 2026-10-01" in page.text
    assert "left single leg squat, 2026-11-05" in page.text
    assert "Knee angle at the deepest point: -4°" in page.text
    assert "Knee angle at the deepest point: +8°" in page.text
    chosen = client.get(f"/clients/{cid}/compare?a={after}-1&b={after}-1")
    assert chosen.text.count("Knee angle at the deepest point: +8°") == 2
    other, (foreign,) = analysed(
        client, settings, tiny_video, name="Bob", plan=[("2026-10-02", "partial", 3.0)]
    )
    assert client.get(f"/clients/{cid}/compare?a={foreign}-1").status_code == 404
    assert client.get(f"/clients/{cid}/compare?a=nonsense").status_code == 404
    assert client.get(f"/clients/{cid}/compare?a={before}-9").status_code == 404
    del other

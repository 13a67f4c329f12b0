"""Moments for the client: plain-words numbers, the share card, two moments side by side."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from webkit import finish_job, summary

from pronate.app.workspace.settings import WorkspaceSettings
from pronate.outputs.evidence import key_rows


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


def test_key_numbers_in_words() -> None:
    """The numbers of a moment in the coach's words, with units, ± and the norm (the
    card's and Compare's lines: knee, pelvis, balance)."""
    event = {
        "side": "right",
        "kind": "single_leg_squat",
        "verdict": "partial",
        "criteria": [
            {"name": "knee_fppa_in_band", "value": 9.6, "uncertainty": 10.0, "threshold": 16.8},
            {"name": "com_inside_base", "value": -0.12, "uncertainty": 0.15, "threshold": 0.0},
            {"name": "pelvis_loaded_side_up", "value": -3.2, "uncertainty": 11, "threshold": 1.0},
            {"name": "xcom_inside_base", "value": 0.3, "threshold": 0.0},
        ],
    }
    rows = {r.name: r for r in key_rows(event)}
    assert list(rows) == ["knee_fppa_in_band", "pelvis_loaded_side_up", "com_inside_base"]
    assert rows["knee_fppa_in_band"].label == "Knee angle at the peak (FPPA, + inward)"
    assert rows["knee_fppa_in_band"].value == "10° ± 10°"
    assert rows["com_inside_base"].value == "−0.12 ± 0.15 foot lengths"
    assert rows["com_inside_base"].threshold == "> 0 foot lengths"
    assert rows["pelvis_loaded_side_up"].value == "−3° ± 11°"
    assert key_rows({"side": "left", "criteria": []}) == []
    band = {
        "side": "left",
        "criteria": [{"name": "knee_fppa_in_band_left", "value": -2.4, "threshold": [-5.0, 16.8]}],
    }
    assert key_rows(band)[0].threshold == "inside −5° to 16.8°"


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
    assert "left single-leg squat · c.mp4 at 1.0 s · 2026-10-01" in page.text
    assert "left single-leg squat · c.mp4 at 1.0 s · 2026-11-05" in page.text
    assert '<td class="value">−4.0°</td>' in page.text
    assert '<td class="value">8.0°</td>' in page.text
    chosen = client.get(f"/clients/{cid}/compare?a={after}-1&b={after}-1")
    assert chosen.text.count('<td class="value">8.0°</td>') == 2
    other, (foreign,) = analysed(
        client, settings, tiny_video, name="Bob", plan=[("2026-10-02", "partial", 3.0)]
    )
    assert client.get(f"/clients/{cid}/compare?a={foreign}-1").status_code == 404
    assert client.get(f"/clients/{cid}/compare?a=nonsense").status_code == 404
    assert client.get(f"/clients/{cid}/compare?a={before}-9").status_code == 404
    del other

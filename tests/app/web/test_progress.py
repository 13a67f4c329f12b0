"""Progress per movement and leg (issue 22): no vote across kinds of moment, live moments
counted and shown like the clips' ones (session and client pages, a page of their own,
timeline, Compare, share card), sessions labelled with date and time, Compare's default
pair, share cards per kind."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from webkit import finish_job, golden

from pronate.app.live.moments import save
from pronate.app.store.models import Visit
from pronate.app.workspace.settings import WorkspaceSettings


def new_client(client: TestClient, name: str = "Ann") -> int:
    return int(client.post("/api/clients", json={"name": name}).json()["id"])


def session(client: TestClient, cid: int, date: str | None = None) -> int:
    body = {"date": date} if date else {}
    return int(client.post(f"/api/clients/{cid}/sessions", json=body).json()["id"])


def analysed(
    client: TestClient,
    settings: WorkspaceSettings,
    video: bytes,
    cid: int,
    sid: int,
    name: str,
    summary: dict[str, Any] | None = None,
) -> int:
    """A clip of session ``sid`` analysed as the golden clip ``name`` (or as ``summary``);
    its analysis id."""
    job = client.post(
        f"/api/clients/{cid}/clips",
        files={"file": (f"{name}.mp4", video, "video/mp4")},
        data={"session_id": str(sid)},
    ).json()["job_id"]
    sessions = client.app.state.workspace.sessions  # type: ignore[attr-defined]
    content = {**(summary or golden(name)), "video": f"{name}.mp4"}
    return finish_job(sessions, settings.data_dir, job, content)


def one_squat_decided(verdict: str) -> dict[str, Any]:
    """The front squat's summary (three squats, all ``uncertain``) with its first squat
    decided: ``verdict`` at 97 %."""
    summary = golden("frontal_squat")
    first = summary["events"][0]
    first.update(
        verdict=verdict,
        probability=0.97,
        likely=[{"verdict": verdict, "share": 0.97}],
        legs={"left": verdict, "right": verdict},
    )
    return summary


def live(client: TestClient, sid: int, **moment: Any) -> dict[str, Any]:
    """A moment saved by live mode into session ``sid``."""
    workspace = client.app.state.workspace  # type: ignore[attr-defined]
    with workspace.sessions() as db:
        visit = db.get(Visit, sid)
        moment = {"source": "auto", "jpeg": JPEG, **moment}
        return save(db, workspace.blobs.root, visit=visit, moment=moment)


STANCE = {
    "side": "left",
    "kind": "single_leg_stance",
    "time": 12.5,
    "verdict": "pronation",
    "legs": {"left": "pronation"},
    "criteria": [
        {
            "name": "knee_fppa_in_band",
            "value": 6.2,
            "uncertainty": 10.0,
            "threshold": [-10.0, 16.8],
            "passed": True,
            "status": "passed",
        },
        {
            "name": "pelvis_loaded_side_up",
            "value": 14.0,
            "uncertainty": 12.0,
            "threshold": 1.0,
            "passed": True,
            "status": "passed",
        },
    ],
}
JPEG = bytes(cv2.imencode(".jpg", np.full((64, 48, 3), 120, dtype=np.uint8))[1])


def test_no_vote_across_kinds_and_live_moments_count(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    cid = new_client(client)
    first, second = session(client, cid, "2026-10-01"), session(client, cid, "2026-11-05")
    # sports2d: one two-leg squat (uncertain) and one right single-leg stance (collapse);
    # with it, three squats of which one is a decided collapse; the second session's
    # three squats are all uncertain
    analysed(client, settings, tiny_video, cid, first, "sports2d_demo")
    summary = one_squat_decided("collapse")
    analysed(client, settings, tiny_video, cid, first, "frontal_squat", summary)
    analysed(client, settings, tiny_video, cid, second, "frontal_squat")
    moment = live(client, second, **STANCE)
    history = client.get(f"/api/clients/{cid}/history").json()
    one, two = history["sessions"]
    assert one["movements"]["single_leg"]["right"]["verdict"] == "collapse"  # not outvoted
    # the decided squat counts, the undecided ones don't outvote it
    assert one["movements"]["squat"]["right"]["verdict"] == "collapse"
    assert two["movements"]["squat"]["left"]["verdict"] == "uncertain"
    assert two["movements"]["single_leg"]["left"] == {
        "verdict": "pronation",
        "moments": 1,
        "live": 1,
        "metrics": {
            "knee_fppa_in_band": 6.2,
            "knee_valgus_movement": None,
            "pelvis_loaded_side_up": 14.0,
            "pelvis_over_foot": None,
            "com_inside_base": None,
        },
    }
    assert two["live_moments"] == [moment["id"]]
    keys = [m["key"] for m in history["movements"]]
    assert keys == ["single_leg", "squat"]  # in the order of MOVEMENTS
    single = history["movements"][0]
    assert single["first_pronation"] == {"left": second, "right": None}
    page = client.get(f"/clients/{cid}/timeline").text
    assert page.count('class="card movement"') == 2
    assert "Two-leg squat" in page and "Single-leg stance and squat" in page
    assert "1 moment, 1 live" in page


def test_live_moments_are_on_the_pages(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    cid = new_client(client)
    sid = session(client, cid, "2026-11-05")
    moment = live(client, sid, **STANCE)
    url = f"/clients/{cid}/moments/{moment['id']}"
    assert moment["page"] == url
    assert moment["headline"].startswith("Pronation — every link")
    assert moment["evidence"][0]["value"] == "6° ± 10°"
    client_page = client.get(f"/clients/{cid}").text
    assert f'href="{url}"' in client_page and "live at 12.5 s" in client_page
    page = client.get(url)
    assert page.status_code == 200
    assert "Pronation — every link of the chain that counts was met" in page.text
    assert '<td class="value">14° ± 12°</td>' in page.text
    assert "inside −10° to 16.8°" in page.text
    card = client.get(moment["card"])
    assert card.status_code == 200 and card.content[:4] == b"\x89PNG"
    compare = client.get(f"/clients/{cid}/compare").text
    assert f'value="live-{moment["id"]}"' in compare
    assert "left single-leg stance · live at 12.5 s · 2026-11-05" in compare
    other = new_client(client, "Bob")
    assert client.get(f"/clients/{other}/moments/{moment['id']}").status_code == 404
    assert client.get(f"/clients/{cid}/moments/99999999999").status_code == 404


def test_sessions_of_the_same_day_are_told_apart(client: TestClient) -> None:
    cid = new_client(client)
    session(client, cid)
    session(client, cid)
    labels = [v["label"] for v in client.get(f"/api/clients/{cid}").json()["visits"]]
    assert labels[1].count(":") == 1  # today, with the time it was created
    assert labels[0] == labels[1] + " (2)"


def test_compare_defaults_to_the_same_movement_and_leg_first_against_latest(
    client: TestClient, settings: WorkspaceSettings, tiny_video: bytes
) -> None:
    cid = new_client(client)
    dates = ("2026-10-01", "2026-10-15", "2026-11-05")
    first, middle, last = (session(client, cid, d) for d in dates)
    before = analysed(client, settings, tiny_video, cid, first, "balancing_cam01_as_front")
    analysed(client, settings, tiny_video, cid, middle, "frontal_squat")  # 3 squats, 1 session
    after = analysed(client, settings, tiny_video, cid, last, "balancing_cam01_as_front")
    page = client.get(f"/clients/{cid}/compare").text
    cards = page.split('class="card moment-card')[1:]
    assert [c.split('data-key="')[1].split('"')[0] for c in cards] == [f"{before}-1", f"{after}-1"]
    assert "balancing_cam01_as_front.mp4 at 0.7 s · 2026-10-01" in cards[0]
    assert all("<h2>Left single-leg stance</h2>" in card for card in cards)


def test_share_cards_per_kind(
    client: TestClient,
    settings: WorkspaceSettings,
    tiny_video: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matplotlib.axes import Axes

    written: list[str] = []
    original = Axes.text

    def text(self: Axes, x: float, y: float, s: str, *a: Any, **k: Any) -> Any:
        written.append(str(s))
        return original(self, x, y, s, *a, **k)

    monkeypatch.setattr(Axes, "text", text)
    cid = new_client(client, "Anna-Maria Konstantinopoulou-Vandenberghe of the Long Names")
    sid = session(client, cid, "2026-11-05")
    squat = analysed(client, settings, tiny_video, cid, sid, "frontal_squat")
    oblique = analysed(client, settings, tiny_video, cid, sid, "balancing_cam01")
    assert client.get(f"/api/analyses/{squat}/moments/1/card.png").status_code == 200
    squat_card = "\n".join(written)
    assert "Left leg: knee angle at the peak" in squat_card
    assert "Right leg: knee angle at the peak" in squat_card
    assert "Pelvis tilt" in squat_card and "Balance" in squat_card
    assert "Anna-Maria Konstantinopoulou- …" in squat_card  # shortened, not clipped
    assert "Vandenberghe" not in squat_card
    written.clear()
    assert client.get(f"/api/analyses/{oblique}/moments/1/card.png").status_code == 200
    oblique_card = "\n".join(written)
    assert "Not measurable" in oblique_card and "Film from the front" in oblique_card
    assert "move the camera at least" in oblique_card
    assert "°" not in oblique_card.split("Why:")[1].split("Next time")[0]  # no numbers

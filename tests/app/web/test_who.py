""" "Who is the client?" in headless Chromium: a clip of two people side by side (the
squat, the performer; a taller man standing still) is analysed for the performer; the
analysis page shows who was analysed; on the "who" page a click on the man analyses the
clip again, for him, and the page opens the new analysis."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pronate.app.workspace.queue import JobSettings
from pronate.app.workspace.settings import LOCAL_NAMES, WorkspaceSettings
from pronate.outputs.report.pdf import HEADLESS_FLAGS
from served import running_workspace

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.shared]

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 300


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[str]:
    """A running workspace (SQLite, one worker, ``full`` model) at the returned address."""
    data = tmp_path / "data"
    settings = WorkspaceSettings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'workspace.db'}",
        jobs=JobSettings(model="full", write_video=False),
        workers=1,
        allowed_hosts=LOCAL_NAMES,
    )
    with running_workspace(settings) as address:
        yield address


def finished(http: httpx.Client, job_id: int) -> dict[str, object]:
    end = time.monotonic() + TIMEOUT_S
    while time.monotonic() < end:
        job: dict[str, object] = http.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            assert job["state"] == "done", job
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def test_who_is_the_client_click_analyses_again_for_that_person(
    workspace: str, tmp_path: Path
) -> None:
    if os.environ.get("PRONATE_BROWSER_TESTS", "1") == "0" or not Path(CHROMIUM).is_file():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    import crowd

    scene = crowd.side_by_side()
    http = httpx.Client(base_url=workspace, timeout=60)
    client_id = http.post("/api/clients", json={"name": "Two People"}).json()["id"]
    with scene.path.open("rb") as f:
        upload = http.post(
            f"/api/clients/{client_id}/clips", files={"file": ("two.mp4", f, "video/mp4")}
        ).json()
    first = finished(http, upload["job_id"])
    summary = http.get(f"/api/analyses/{first['analysis_id']}").json()
    subject = summary["subject"]
    assert subject["chosen_by"] == "performer"
    chosen = next(p for p in subject["people"] if p["chosen"])
    assert chosen["box"][2] < 640  # the squat, on the left
    shots = Path(os.environ.get("PRONATE_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(HEADLESS_FLAGS))
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.set_default_timeout(30_000)
        page.goto(f"{workspace}/analyses/{first['analysis_id']}")
        thumb = page.locator("#subject img.who-thumb")
        thumb.wait_for()
        page.wait_for_function("() => document.querySelector('#subject img').naturalWidth > 0")
        page.screenshot(path=str(shots / "analysis-subject.png"), full_page=True)
        with page.expect_navigation():
            page.click("#who-link")
        boxes = page.locator(".who-box")
        assert boxes.count() == 2
        page.wait_for_function(
            "() => [...document.querySelectorAll('.who-box')].every(b => b.offsetWidth > 10)"
        )
        page.screenshot(path=str(shots / "who.png"), full_page=True)
        other = page.locator(".who-box:not(.chosen)")
        with page.expect_navigation(url="**/analyses/*", timeout=TIMEOUT_S * 1000):
            other.click()
        again = int(page.url.rstrip("/").rsplit("/", 1)[-1])
        page.screenshot(path=str(shots / "analysis-picked.png"), full_page=True)
        context.close()
        browser.close()
    assert problems == [], problems
    assert again != first["analysis_id"]
    picked = http.get(f"/api/analyses/{again}").json()["subject"]
    assert picked["chosen_by"] == "pick"
    assert picked["pick"]["time_s"] == pytest.approx(subject["time_s"])
    man = next(p for p in picked["people"] if p["chosen"])
    assert man["box"][0] > 640  # the man, on the right

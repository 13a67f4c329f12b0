"""A whole recording in the workspace, in headless Chromium: the upload is analysed as a
recording (its job's progress goes through both passes), and the analysis page shows the
moments on a timeline of the recording; a click on a mark plays that moment's clip."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pronate.app.workspace.queue import JobSettings
from pronate.app.workspace.settings import LOCAL_NAMES, WorkspaceSettings
from served import running_workspace

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.shared]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def recording_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A running workspace (one worker, ``full`` model, overlay clips) where a video of
    10 s or more is a recording."""
    monkeypatch.setenv("PRONATE_RECORDING_MIN_S", "10")
    data = tmp_path / "data"
    settings = WorkspaceSettings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'workspace.db'}",
        jobs=JobSettings(model="full", write_video=True),
        workers=1,
        allowed_hosts=LOCAL_NAMES,
    )
    with running_workspace(settings) as address:
        yield address


def test_a_recording_on_its_timeline(
    recording_workspace: str, tmp_path: Path, shared_data: Path
) -> None:
    if os.environ.get("PRONATE_BROWSER_TESTS", "1") == "0" or not Path(CHROMIUM).is_file():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    from pronate.outputs.report.pdf import HEADLESS_FLAGS
    from recordings import Part, compose_recording

    video = tmp_path / "session.mp4"
    parts = [
        Part("talk", 4),
        Part("squat"),
        Part("slide", 3),
        Part("balance_front"),
        Part("talk", 3),
    ]
    spans = compose_recording(video, parts, data=shared_data)
    http = httpx.Client(base_url=recording_workspace, timeout=60)
    client_id = http.post("/api/clients", json={"name": "Session Client"}).json()["id"]
    session = http.post(f"/api/clients/{client_id}/sessions", json={"date": "2026-12-06"})
    assert session.status_code == 201, session.text
    shots = Path(os.environ.get("PRONATE_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(HEADLESS_FLAGS))
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.set_default_timeout(30_000)
        # pieces of 256 kB: the recording goes through the resumable upload, piece by piece
        page.add_init_script("window.PRONATE_PIECE_BYTES = 262144;")
        pieces: list[str] = []
        page.on("request", lambda r: r.method == "PUT" and pieces.append(r.url))
        page.goto(f"{recording_workspace}/clients/{client_id}")
        page.set_input_files(".dropzone input[type=file]", str(video))
        item = page.locator("li.clip[data-job]")
        item.wait_for(timeout=120_000)
        job_id = int(item.get_attribute("data-job") or 0)
        assert len(pieces) >= video.stat().st_size // 262144
        progress: list[float] = []
        end = time.monotonic() + 600
        shot = False
        while True:
            job = http.get(f"/api/jobs/{job_id}").json()
            progress.append(float(job["progress"] or 0.0))
            if job["state"] in ("done", "failed"):
                break
            if not shot and 0.3 < progress[-1] < 1.0:  # the page shows it at its next look
                page.wait_for_function(
                    "() => document.querySelector('li.clip progress').value > 0.3"
                )
                page.screenshot(path=str(shots / "recording-job.png"))
                shot = True
            assert time.monotonic() < end, "the job did not finish"
            time.sleep(0.2)
        assert job["state"] == "done", job
        assert progress == sorted(progress) and any(0.0 < p < 1.0 for p in progress)
        summary = http.get(f"/api/analyses/{job['analysis_id']}").json()
        assert summary["recording"] is True and summary["video"] == "session.mp4"
        exercises = [s for s in spans if s.exercise]
        assert len(summary["stretches"]) == len(exercises)
        events = summary["events"]
        assert events
        clip = http.get(f"/api/analyses/{job['analysis_id']}/files/{events[0]['clip']}")
        assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
        page.goto(f"{recording_workspace}/analyses/{job['analysis_id']}")
        marks = page.locator("#rec-timeline .rec-mark")
        assert marks.count() == len(events)
        assert page.locator("#rec-timeline .rec-stretch").count() == len(exercises)
        width = page.locator("#rec-timeline").bounding_box()["width"]
        for mark, ev in zip(marks.all(), events, strict=True):  # each where it is in time
            box = mark.bounding_box()
            left = page.locator("#rec-timeline").bounding_box()["x"]
            at = (box["x"] + box["width"] / 2 - left) / width * summary["duration_s"]
            assert abs(at - ev["peak_s"]) < 0.01 * summary["duration_s"] + 0.2
        page.wait_for_function(
            "() => [...document.querySelectorAll('.rec-moments img')]"
            ".every(i => i.naturalWidth > 0)"
        )
        page.screenshot(path=str(shots / "recording-page.png"), full_page=True)
        marks.last.click()
        page.wait_for_function(
            "() => { const v = document.getElementById('overlay');"
            " return v.src.includes('/files/moments/') && v.readyState >= 2; }"
        )
        src = page.evaluate("() => document.getElementById('overlay').src")
        assert src.endswith(events[-1]["clip"])
        page.screenshot(path=str(shots / "recording-moment.png"))
        browser.close()
    assert not problems, problems

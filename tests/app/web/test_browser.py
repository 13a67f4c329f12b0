"""The workspace in headless Chromium (Debian's, driven by Playwright; no browser is
downloaded): create a client, upload a real clip, watch the progress bar finish, see the
verdict and play the overlay, open the timeline after two sessions. Every page is
screenshotted into ``$PRONATE_SCREENSHOTS`` (default: the test's temporary folder), and
no request may leave the workspace."""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pronate.app.server import create_app
from pronate.app.workspace.queue import JobSettings
from pronate.app.workspace.settings import LOCAL_NAMES, WorkspaceSettings
from pronate.outputs.evidence import VERDICTS
from pronate.outputs.report.pdf import HEADLESS_FLAGS

pytestmark = [pytest.mark.browser, pytest.mark.model]

CHROMIUM = "/usr/bin/chromium"
ARGS = list(HEADLESS_FLAGS)
ANALYSIS_TIMEOUT_MS = 150_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path, cam01: Path) -> Iterator[str]:
    """A running workspace (SQLite, one worker, lite model) at the returned address."""
    import uvicorn

    data = tmp_path / "data"
    settings = WorkspaceSettings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'workspace.db'}",
        jobs=JobSettings(model="lite"),
        workers=1,
        allowed_hosts=LOCAL_NAMES,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < end, "the workspace did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PRONATE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(live: str) -> Iterator[object]:
    if os.environ.get("PRONATE_BROWSER_TESTS", "1") == "0" or not Path(CHROMIUM).is_file():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route(
            lambda url: not url.startswith(live),
            lambda route: (outside.append(route.request.url), route.abort()),
        )
        tab = context.new_page()
        tab.on("console", lambda m: m.type == "error" and problems.append(m.text))
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.set_default_timeout(20_000)
        yield tab
        context.close()
        browser.close()
    assert outside == [], f"requests left the workspace: {outside}"
    assert problems == [], f"errors in the browser: {problems}"


def add_session(page: object, date: str, notes: str) -> None:
    page.fill("#new-session input[name=date]", date)  # type: ignore[attr-defined]
    page.fill("#new-session input[name=notes]", notes)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#new-session button[type=submit]")  # type: ignore[attr-defined]


DROP = """(zone, [name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type: "video/mp4" }));
  const init = { dataTransfer: data, bubbles: true, cancelable: true };
  for (const kind of ["dragover", "drop"]) zone.dispatchEvent(new DragEvent(kind, init));
}"""


def upload_and_finish(page: object, date: str, clip: Path, *, drop: bool = False) -> list[float]:
    """Upload ``clip`` into the session of ``date`` (chosen in the file dialog, or dropped
    on the drop zone); the progress values seen until done."""
    section = page.locator("section.session", has_text=f"Session {date}")  # type: ignore[attr-defined]
    if drop:
        payload = base64.b64encode(clip.read_bytes()).decode()
        section.locator(".dropzone").evaluate(DROP, [clip.name, payload])
    else:
        section.locator("input.file-input").set_input_files(str(clip))
    item = section.locator("li.clip").last
    seen: list[float] = []
    end = time.monotonic() + ANALYSIS_TIMEOUT_MS / 1000
    while time.monotonic() < end:
        seen.append(float(item.locator("progress").evaluate("p => p.value")))
        state = item.get_attribute("data-state") or ""
        if state in ("done", "failed"):
            break
        time.sleep(0.25)
    assert item.get_attribute("data-state") == "done", item.inner_text()
    seen.append(float(item.locator("progress").evaluate("p => p.value")))
    return seen


def test_coach_workflow(page: object, live: str, cam01: Path, shots: Path) -> None:
    page.goto(live + "/")  # type: ignore[attr-defined]
    page.fill("#new-client input[name=name]", "Ann Example")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#new-client button[type=submit]")  # type: ignore[attr-defined]
    client_url = page.url  # type: ignore[attr-defined]
    assert "/clients/" in client_url
    add_session(page, "2026-10-01", "first visit")
    seen = upload_and_finish(page, "2026-10-01", cam01)
    assert any(0 < v < 1 for v in seen) and seen[-1] == 1, seen  # the bar moved, then filled
    page.screenshot(path=str(shots / "client.png"), full_page=True)  # type: ignore[attr-defined]

    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("li.clip a.open")  # type: ignore[attr-defined]
    assert "/analyses/" in page.url  # type: ignore[attr-defined]
    verdict = page.inner_text("#verdict-0-left")  # type: ignore[attr-defined]
    assert verdict.split(" (")[0] in [title for title, _ in VERDICTS.values()], verdict
    video = page.locator("video#overlay")  # type: ignore[attr-defined]
    video.evaluate("v => { v.muted = true; }")
    page.wait_for_function("() => document.querySelector('video#overlay').readyState >= 1")  # type: ignore[attr-defined]
    duration = float(video.evaluate("v => v.duration"))
    assert 1.5 < duration < 1.8  # 100 frames at 60 fps
    moment = page.locator("button.moment").first  # type: ignore[attr-defined]
    peak = float(moment.get_attribute("data-time") or "nan")
    moment.click()
    page.wait_for_function(  # type: ignore[attr-defined]
        "t => document.querySelector('video#overlay').currentTime >= t - 0.05", arg=peak
    )
    video.evaluate("v => v.pause()")
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('video#overlay').readyState >= 2"
    )
    assert page.locator(".keyframes img").count() >= 1  # type: ignore[attr-defined]
    widths = page.locator(".keyframes img").evaluate_all("a => a.map(i => i.naturalWidth)")  # type: ignore[attr-defined]
    assert all(w > 0 for w in widths)
    page.screenshot(path=str(shots / "analysis.png"), full_page=True)  # type: ignore[attr-defined]

    report = page.get_attribute("#report-link", "href")  # type: ignore[attr-defined]
    page.goto(live + report)  # type: ignore[attr-defined]
    assert "pronate" in page.title().lower() or page.locator("h1").count()  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "report.png"))  # type: ignore[attr-defined]

    page.goto(client_url)  # type: ignore[attr-defined]
    add_session(page, "2026-11-05", "after four weeks")
    upload_and_finish(page, "2026-11-05", cam01, drop=True)
    page.click("#timeline-link")  # type: ignore[attr-defined]
    page.wait_for_selector("#verdicts")  # type: ignore[attr-defined]
    rows = page.locator("#verdicts tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 2
    assert "2026-10-01" in rows.nth(0).inner_text() and "2026-11-05" in rows.nth(1).inner_text()
    assert rows.nth(0).locator("td").nth(1).inner_text().strip() != "–"
    assert page.locator("svg.trend").count() == 5  # type: ignore[attr-defined]
    points = page.locator("svg.trend circle").count()  # type: ignore[attr-defined]
    unmeasured = page.locator("svg.trend text.unmeasured").count()  # type: ignore[attr-defined]
    assert points >= 2 or unmeasured == 5, (points, unmeasured)
    page.screenshot(path=str(shots / "timeline.png"), full_page=True)  # type: ignore[attr-defined]

    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#compare-link")  # type: ignore[attr-defined]
    cards = page.locator(".moment-card")  # type: ignore[attr-defined]
    assert cards.count() == 2
    assert "2026-10-01" in cards.nth(0).inner_text() and "2026-11-05" in cards.nth(1).inner_text()
    page.screenshot(path=str(shots / "compare.png"), full_page=True)  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        cards.nth(1).locator("a[download]").click()
    download.value.save_as(str(shots / "card.png"))
    assert (shots / "card.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    page.goto(live + "/")  # type: ignore[attr-defined]
    assert "Ann Example" in page.inner_text("#client-list")  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "clients.png"))  # type: ignore[attr-defined]

    page.goto(live + "/docs")  # type: ignore[attr-defined]
    page.wait_for_selector(".swagger-ui .info .title")  # type: ignore[attr-defined]
    assert "pronate workspace" in page.inner_text(".swagger-ui .info .title")  # type: ignore[attr-defined]
    page.get_by_text("/api/clients/{client_id}/history", exact=True).wait_for()  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "docs.png"))  # type: ignore[attr-defined]

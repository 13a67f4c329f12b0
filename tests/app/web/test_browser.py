"""The workspace in headless Chromium (Debian's, driven by Playwright; no browser is
downloaded): create a client, upload a real clip, watch the progress bar finish, see the
verdict and play the overlay, open the timeline after two sessions. Every page is
screenshotted into ``$PRONATE_SCREENSHOTS`` (default: the test's temporary folder), and
no request may leave the workspace."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pronate.app.workspace.queue import JobSettings
from pronate.app.workspace.settings import LOCAL_NAMES, WorkspaceSettings
from pronate.outputs.evidence import VERDICTS
from pronate.outputs.report.pdf import HEADLESS_FLAGS
from served import running_workspace

pytestmark = [pytest.mark.browser, pytest.mark.model]

CHROMIUM = "/usr/bin/chromium"
ARGS = list(HEADLESS_FLAGS)
ANALYSIS_TIMEOUT_MS = 150_000


@pytest.fixture
def live(tmp_path: Path, cam01: Path) -> Iterator[str]:
    """A running workspace (SQLite, one worker, lite model) at the returned address."""
    data = tmp_path / "data"
    settings = WorkspaceSettings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'workspace.db'}",
        jobs=JobSettings(model="lite"),
        workers=1,
        allowed_hosts=LOCAL_NAMES,
    )
    with running_workspace(settings) as address:
        yield address


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
    before = section.locator("li.clip").count()
    if drop:
        payload = base64.b64encode(clip.read_bytes()).decode()
        section.locator(".dropzone").evaluate(DROP, [clip.name, payload])
    else:
        section.locator("input.file-input").set_input_files(str(clip))
    item = section.locator("li.clip").nth(before)
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


def squat_cut(tmp_path: Path, cam01: Path, *, start_s: float, name: str) -> Path:
    """Two two-leg squats of ``frontal_squat.mp4`` (from ``start_s``, 3.6 s) at 540 px,
    30 fps: a second kind of moment for the timeline."""
    import cv2

    from scenes import frames_of, write_clip

    source = cam01.parents[1] / "frontal_squat" / "frontal_squat.mp4"
    if not source.is_file():
        pytest.skip("../shared/data is not present")
    frames = [
        cv2.resize(f, (302, 540), interpolation=cv2.INTER_AREA)
        for i, f in enumerate(frames_of(source, fps=30.0))
        if start_s <= i / 30.0 < start_s + 3.6
    ]
    return write_clip(tmp_path / name, frames, fps=30.0)


def test_coach_workflow(page: object, live: str, cam01: Path, shots: Path, tmp_path: Path) -> None:
    first_squats = squat_cut(tmp_path, cam01, start_s=0.0, name="squats-october.mp4")
    later_squats = squat_cut(tmp_path, cam01, start_s=3.6, name="squats-november.mp4")
    page.goto(live + "/")  # type: ignore[attr-defined]
    page.fill("#new-client input[name=name]", "Ann Example")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#new-client button[type=submit]")  # type: ignore[attr-defined]
    client_url = page.url  # type: ignore[attr-defined]
    assert "/clients/" in client_url
    add_session(page, "2026-10-01", "first visit")
    seen = upload_and_finish(page, "2026-10-01", cam01)
    assert any(0 < v < 1 for v in seen) and seen[-1] == 1, seen  # the bar moved, then filled
    upload_and_finish(page, "2026-10-01", first_squats, drop=True)
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

    page.goto(client_url)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("li.clip", has_text="squats-october").locator("a.open").click()  # type: ignore[attr-defined]
    quality = page.inner_text("#quality")  # type: ignore[attr-defined]
    assert "Confidence of the verdicts" in quality
    evidence = page.locator("#moment-1")  # type: ignore[attr-defined]
    headline = evidence.locator(".headline").inner_text()
    assert headline.split(" — ")[0] in [title for title, _ in VERDICTS.values()], headline
    table = evidence.locator("table.evidence-table").inner_text()
    assert "°" in table and "foot lengths" in table and "hip widths" in table
    assert "≥ 3°" in table and "inside −10° to 16.8°" in table
    assert "_" not in table  # no internal names
    statuses = evidence.locator("td.status").all_inner_texts()
    assert set(statuses) <= {
        "met",
        "not met",
        "too close to call (within its ±)",
        "not measured",
        "not judged (the knee did not move in)",
    }, statuses
    values = evidence.locator("td.value").all_inner_texts()
    assert sum("± " in v for v in values) >= 5, values  # values with their uncertainty
    evidence.screenshot(path=str(shots / "evidence.png"))
    page.screenshot(path=str(shots / "analysis-squats.png"), full_page=True)  # type: ignore[attr-defined]

    report = page.get_attribute("#report-link", "href")  # type: ignore[attr-defined]
    page.goto(live + report)  # type: ignore[attr-defined]
    assert "pronate" in page.title().lower() or page.locator("h1").count()  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "report.png"))  # type: ignore[attr-defined]

    page.goto(client_url)  # type: ignore[attr-defined]
    add_session(page, "2026-11-05", "after four weeks")
    upload_and_finish(page, "2026-11-05", cam01, drop=True)
    upload_and_finish(page, "2026-11-05", later_squats)
    page.click("#timeline-link")  # type: ignore[attr-defined]
    page.wait_for_selector("section.movement")  # type: ignore[attr-defined]
    movements = page.locator("section.movement")  # type: ignore[attr-defined]
    assert movements.count() == 2  # cam01's one-leg moments and the two-leg squats, apart
    titles = movements.locator("h2").all_inner_texts()
    assert "Two-leg squat" in titles, titles
    for i in range(2):
        rows = movements.nth(i).locator("table.verdicts tbody tr")
        assert rows.count() == 2
        assert "2026-10-01" in rows.nth(0).inner_text() and "2026-11-05" in rows.nth(1).inner_text()
    squat = page.locator("section.movement[data-movement=squat]")  # type: ignore[attr-defined]
    row = squat.locator("table.verdicts tbody tr").first.inner_text()
    assert "moment" in row and "–" not in row.split("\t")[1], row  # both legs judged
    assert squat.locator("svg.trend").count() == 4
    points = page.locator("svg.trend circle").count()  # type: ignore[attr-defined]
    assert points >= 4, points
    page.screenshot(path=str(shots / "timeline.png"), full_page=True)  # type: ignore[attr-defined]

    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#compare-link")  # type: ignore[attr-defined]
    cards = page.locator(".moment-card")  # type: ignore[attr-defined]
    assert cards.count() == 2
    first, last = (cards.nth(i).inner_text() for i in range(2))
    assert "2026-10-01" in first and "2026-11-05" in last  # first session against the latest
    titles = cards.locator("h2").all_inner_texts()
    assert titles[0] == titles[1], titles  # the same movement and leg
    assert " at " in first and ".mp4" in first  # the clip and the time of each moment
    page.screenshot(path=str(shots / "compare.png"), full_page=True)  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        cards.nth(1).locator("a[download]").click()
    download.value.save_as(str(shots / "card.png"))
    assert (shots / "card.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    other = page.context.new_page()  # type: ignore[attr-defined]  # its 404 is no page error
    missing = other.goto(live + "/analyses/99999999999")
    assert missing is not None and missing.status == 404
    assert other.inner_text("h1") == "Not found"
    other.screenshot(path=str(shots / "not-found.png"))
    other.close()

    page.goto(live + "/")  # type: ignore[attr-defined]
    assert "Ann Example" in page.inner_text("#client-list")  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "clients.png"))  # type: ignore[attr-defined]

    page.goto(live + "/docs")  # type: ignore[attr-defined]
    page.wait_for_selector(".swagger-ui .info .title")  # type: ignore[attr-defined]
    assert "pronate workspace" in page.inner_text(".swagger-ui .info .title")  # type: ignore[attr-defined]
    page.get_by_text("/api/clients/{client_id}/history", exact=True).wait_for()  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "docs.png"))  # type: ignore[attr-defined]

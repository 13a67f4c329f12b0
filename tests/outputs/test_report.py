"""The coach's report ``report.html``: sections, self-containment, wiring, and a browser.

Unit tests build the report from the synthetic script (front view: two single-leg squats
with pronation, one without the chain, one collapse, two squats). The browser test opens
it in headless Chromium over the DevTools protocol, checks that it makes no request and
logs no error, and saves screenshots (``PRONATE_SCREENSHOT_DIR`` keeps a copy).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

import synthetic as syn
from hand_made import assessment
from pronate.app.cli import main
from pronate.camera.view import ViewInfo
from pronate.errors import OutputError
from pronate.io.video import iter_frames, probe_video
from pronate.outputs.render.moments import in_order
from pronate.outputs.report import (
    REPORT_NAME,
    build_report,
    evidence_table,
    meaning_paragraphs,
    moment_gist,
    write_pdf,
    write_report,
)
from pronate.pipeline import AnalysisOptions, analyze_pose, run_analyze
from pronate.pose.schema import save_pose_dataset
from pronate.verdict.criteria import Criterion
from pronate.verdict.thresholds import Thresholds
from stages import camera_facing

CREATED = datetime(2024, 5, 6, 7, 8)
SECTIONS = ("clip", "verdicts", "meaning", "moments", "plots", "left-right", "limits")
PLOTS = ("fppa", "femur", "tibia", "obliquity", "shift", "com")
MUSCLES = ("peroneals", "IT band", "piriformis", "psoas")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of ``<script>`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._in_script: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "script":
            self._in_script = values

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self.scripts.append((self._in_script, data))

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if "id" in a}

    def urls(self) -> list[str]:
        return [a[k] for _, a in self.tags for k in ("src", "href", "srcset") if k in a]


def parse(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    return tags


def png(path: Path, colour: tuple[int, int, int], *, size: tuple[int, int] = (360, 640)) -> Path:
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:] = colour
    cv2.putText(image, path.stem, (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    assert cv2.imwrite(str(path), image)
    return path


@pytest.fixture(scope="module")
def analysis() -> tuple[Any, Any, dict[str, Any]]:
    """Pose, analysis and summary of the synthetic script seen from the front."""
    pose = syn.render_pose(syn.simulate(fps=30.0), syn.Camera(yaw_deg=0.0, roll_deg=5.0))
    result, summary = analyze_pose(pose, options=AnalysisOptions())
    assert in_order(result.assessments) == tuple(result.assessments)
    assert [a.verdict for a in result.assessments] == [
        "pronation",
        "pronation",
        "missing",
        "collapse",
        "pronation",
        "pronation",
    ]
    return pose, result, summary


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("keyframes")
    frames = {n: png(folder / f"{n:02d}_frame.png", (40 * n, 90, 160)) for n in (1, 2, 3, 4)}
    both = png(folder / "left_vs_right.png", (20, 120, 60), size=(720, 640))
    return {"keyframes": frames, "left_vs_right": both}


@pytest.fixture(scope="module")
def report(analysis, pictures) -> str:
    pose, result, summary = analysis
    return build_report(result, summary=summary, pose=pose, created=CREATED, **pictures)


def section(text: str, ident: str) -> str:
    """The HTML of the element with ``id=ident`` up to the next moment or section."""
    start = text.index(f'id="{ident}"')
    ends = [text.find(m, start + 1) for m in ('<section class="card', "</main>")]
    return text[start : min(e for e in ends if e > 0)]


def test_every_required_section_is_there(report, analysis):
    _, _, summary = analysis
    tags = parse(report)
    ids = tags.ids()
    assert set(SECTIONS) <= ids
    assert {f"plot-{key}" for key in PLOTS} <= ids
    assert {f"moment-{n}" for n in range(1, 7)} <= ids
    head = section(report, "clip")
    for words in ("frames at 30 fps", "front (normal confidence)", "synthetic", "2024-05-06"):
        assert words in head, words
    verdicts = section(report, "verdicts")
    assert "Left leg" in verdicts and "Right leg" in verdicts
    assert verdicts.count('class="badge v-') >= 2 + len(summary["events"])
    for n, event in enumerate(summary["events"], 1):
        moment = section(report, f"moment-{n}")
        assert 'class="evidence"' in moment
        assert "link of the chain" in moment and "threshold" in moment and "pass" in moment
        assert 'alt="thigh against shin tilt' in moment
        assert f"v-{event['verdict']}" in moment
    assert "Left vs right" in section(report, "left-right")
    limits = section(report, "limits")
    for words in ("One camera, two dimensions", "View.", "Confidence.", "Foot: experimental"):
        assert words in limits, words


def test_key_frames_and_plots_are_embedded_as_data_uris(report, pictures):
    tags = parse(report)
    images = [a for tag, a in tags.tags if tag == "img"]
    assert images and all(a["src"].startswith("data:image/") for a in images)
    sources = [a["srcset"] for tag, a in tags.tags if tag == "source"]
    assert len(sources) == len(PLOTS) and all(s.startswith("data:image/svg+xml") for s in sources)
    for n in pictures["keyframes"]:
        assert 'src="data:image/jpeg;base64,' in section(report, f"moment-{n}")
    assert 'src="data:image/jpeg;base64,' not in section(report, "moment-5")  # none given
    assert 'src="data:image/jpeg;base64,' in section(report, "left-right")
    for _, attrs in tags.tags:
        if attrs.get("alt", "").startswith("key frame"):
            data = base64.b64decode(attrs["src"].split(",", 1)[1])
            image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            assert image is not None and image.shape[:2] == (640, 360)


def test_nothing_comes_from_the_network(report):
    tags = parse(report)
    for url in tags.urls():
        assert url.startswith(("data:", "#")), url
        assert not url.lower().startswith(("http:", "https:", "//")), url
    assert not re.search(r"""(?:src|href|srcset)\s*=\s*["']?\s*(?:https?:)?//""", report, re.I)
    assert "url(" not in report.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@import" not in report
    scripts = [(attrs, body) for attrs, body in tags.scripts]
    assert all(attrs.get("type") == "application/json" for attrs, _ in scripts)
    assert not any(attrs.get("src") for tag, attrs in tags.tags if tag == "script")


def test_inline_data_is_json_safe(report, analysis):
    _, _, summary = analysis
    tags = parse(report)
    (data,) = [body for attrs, body in tags.scripts if attrs.get("id") == "summary-data"]

    def no_constants(name: str) -> None:
        raise AssertionError(f"non-JSON constant {name}")

    parsed = json.loads(data, parse_constant=no_constants)
    assert parsed == json.loads(json.dumps(summary, allow_nan=False))
    assert "</" not in data


def test_plots_draw_the_normative_bands_of_the_thresholds(analysis):
    _, result, summary = analysis

    def fppa_svg(thresholds: Thresholds) -> str:
        changed = replace(result, thresholds=thresholds)
        text = build_report(changed, summary=summary, created=CREATED)
        (attrs,) = [
            a for tag, a in parse(text).tags if tag == "img" and "Knee angle" in a.get("alt", "")
        ]
        return base64.b64decode(attrs["src"].split(",", 1)[1]).decode()

    assert "band limit 16.8°" in fppa_svg(Thresholds())
    assert "band limit 18.6°" in fppa_svg(Thresholds(fppa_max_deg=18.6))
    # the thresholds are the analysis's, whatever the summary says
    custom = dict(summary, thresholds=Thresholds(fppa_max_deg=12.0).as_dict())
    text = build_report(result, summary=custom, created=CREATED)
    assert "up to 16.8° (the 95th" in text and "up to 12°" not in text
    text = build_report(
        replace(result, thresholds=Thresholds(fppa_max_deg=12.0)), summary=summary, created=CREATED
    )
    assert "up to 12° (the 95th" in text


def test_evidence_table_lists_every_criterion_with_value_threshold_and_pass(analysis):
    _, result, _ = analysis
    collapse = result.assessments[3]
    table = evidence_table(collapse)
    for c in collapse.criteria:
        assert c.name in table
    assert "−10.0° to 16.8°" in table and "≥ 3.0°" in table and "in phase: 22.5–67.5°" in table
    assert "✗ no" in table and "✓ yes" in table
    both = result.assessments[4]
    bilateral = evidence_table(both)
    assert bilateral.count("<tr") - 1 == len(
        {re.sub(r"_(left|right)$", "", c.name) for c in both.criteria}
    )
    assert '<span class="leg">left</span>' in bilateral


def test_what_this_means_follows_the_verdicts(analysis):
    _, result, summary = analysis
    text = " ".join(meaning_paragraphs(result, summary))
    assert "tripod" in text and "centre of mass" in text
    assert all(m in text for m in MUSCLES)  # one moment is missing
    assert "Collapse" in text
    pronation_only = replace(
        result, assessments=[a for a in result.assessments if a.verdict == "pronation"]
    )
    text = " ".join(meaning_paragraphs(pronation_only, summary))
    assert not any(m in text for m in MUSCLES)
    assert "<b>Left leg</b>" in text


def test_report_without_moments_or_measures(analysis):
    """A side view: no moment, no frontal metric measured, so no plot (and no picture)."""
    _, result, summary = analysis
    empty = replace(
        result,
        camera=camera_facing("left"),
        assessments=[],
        metrics=result.metrics.drop_vars(list(result.metrics.data_vars)),
    )
    notes = ["video gone"]
    text = build_report(empty, summary=dict(summary, events=[]), created=CREATED, notes=notes)
    ids = parse(text).ids()
    assert set(SECTIONS) - {"moments"} <= ids
    assert "No loading moment was found" in text
    assert "video gone" in text
    assert "left (none confidence)" in section(text, "clip")
    assert "from the side" in section(text, "limits")
    assert section(text, "plots").count("Not measurable in this clip (side view).") == len(PLOTS)
    assert "<img" not in text


def test_oblique_and_deep_squat_are_explained(analysis):
    _, result, summary = analysis
    both = result.assessments[4]
    camera = replace(
        camera_facing("oblique"),
        view=ViewInfo("oblique", -30.0, False, "auto"),
        roll_deg=-11.3,
        roll_method="scene_lines",
        roll_confidence="high",
        pitch_deg=16.0,
        reason="the camera is at least 30 deg off the client's front",
        placement_hint="move the camera at least 30 deg around the client",
    )
    quality = {"image_size": [1080, 1920], "subject_height_px": 1300.0, "warnings": []}
    unseen = replace(
        both,
        moment=replace(both.moment, knee_s=both.moment.peak_s - 0.2),
        verdict="unmeasurable",
        reason=camera.reason,
        placement_hint=camera.placement_hint,
    )
    changed = replace(result, camera=camera, assessments=[unseen], quality=quality)
    text = build_report(changed, summary=summary, created=CREATED)
    assert "No frontal verdict from this clip" in section(text, "meaning")
    assert "no frontal-plane number or verdict" in section(text, "limits")
    panel = html.unescape(section(text, "camera"))
    assert "from the room's vertical lines" in panel
    assert "move the camera at least 30 deg" in panel and "1300 px" in panel
    assert "To measure: move the camera" in section(text, "moment-1")
    assert "Deep squats." in section(text, "limits") and "drop of 0.20 leg" in text
    assert "The knee is read on the way down" in section(text, "moment-1")


def test_user_text_is_escaped(analysis):
    _, result, summary = analysis
    text = build_report(
        result, summary=dict(summary, video="<script>alert(1)</script>.mp4"), created=CREATED
    )
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text


def test_the_templates_escape_every_text_of_the_analysis_and_summary(analysis):
    """Autoescape: a clip name, a model, a note, a camera's reason and a warning written
    as markup come out as text, in the page and in its title, and break no attribute."""
    _, result, summary = analysis
    attack = "<script>alert(1)</script>"
    name = "<svg onload=alert(1)>.mp4"
    quote = '"><img src=x onerror=alert(1)>'
    camera = replace(result.camera, frontal_measurable=False, reason=attack, placement_hint=quote)
    changed = replace(result, model=quote, camera=camera, quality={"warnings": [attack]})
    text = build_report(
        changed, summary=dict(summary, video=f"/clips/{name}"), created=CREATED, notes=[attack]
    )
    for markup in ("<script>alert", "<svg onload", "<img src=x"):
        assert markup not in text, markup
    tags = parse(text)
    assert [tag for tag, _ in tags.tags].count("script") == 1  # the summary's JSON
    assert not any(tag == "img" and a.get("src") == "x" for tag, a in tags.tags)
    assert "<title>pronate · &lt;svg onload=alert(1)&gt;.mp4</title>" in text
    clip = section(text, "clip")
    assert "<b>&lt;svg onload=alert(1)&gt;.mp4</b>" in clip
    assert '<code title="the analysed file">/clips/&lt;svg onload=alert(1)&gt;.mp4</code>' in clip
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in clip
    assert '<p class="note">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in text
    assert "&lt;script&gt;" in section(text, "camera") and "&lt;script&gt;" in section(
        text, "meaning"
    )
    (data,) = [body for attrs, body in tags.scripts if attrs.get("id") == "summary-data"]
    assert json.loads(data)["video"] == f"/clips/{name}"


def test_values_carry_their_uncertainty_and_status(analysis):
    _, result, summary = analysis
    moment = assessment(
        "left",
        "single_leg_squat",
        1.0,
        1.5,
        2.0,
        "partial",
        criteria=[
            Criterion("knee_fppa_in_band", 16.04, 16.8, True, uncertainty=5.0),
            Criterion("pelvis_over_foot", 0.123, 0.2, False, uncertainty=0.05),
            Criterion("knee_valgus_movement", 4.0, 3.0, True, uncertainty=float("nan")),
        ],
    )
    assert [c.status for c in moment.criteria] == ["uncertain", "failed", "passed"]
    table = evidence_table(moment)
    assert "16.0° ± 5.0°" in table and "? unsure" in table
    assert "0.12 ± 0.05 hip widths" in table and "✗ no" in table
    assert ">4.0°</td>" in table and "✓ yes" in table  # an uncertainty not a number: left out
    # an uncertain criterion is not a failed one
    assert moment_gist(moment, view="front") == (
        "Part of the chain: the pelvis did not shift over the standing foot."
    )
    text = build_report(replace(result, assessments=[moment]), summary=summary, created=CREATED)
    assert "16.0° ± 5.0°" in section(text, "moment-1")


def test_write_report_is_atomic_and_pdf_needs_a_browser(tmp_path, analysis):
    _, result, summary = analysis
    path = write_report(tmp_path / REPORT_NAME, result, summary=summary, created=CREATED)
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")
    with pytest.raises(OutputError, match="cannot run"):
        write_pdf(path, tmp_path / "report.pdf", browser=str(tmp_path / "no-such-chromium"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [REPORT_NAME]


def small_pose_and_clip(make_clip, folder: Path, *, source: str) -> tuple[Path, int]:
    """The synthetic script at 10 fps on a 320x180 camera, its pose saved with
    ``source_video`` set, and a plain clip of the same size and length."""
    camera = syn.Camera(yaw_deg=0.0, roll_deg=5.0, focal_px=10000 / 6, width=320, height=180)
    pose = syn.render_pose(syn.simulate(fps=10.0), camera)
    n = pose.sizes["time"]
    frames = [np.full((180, 320, 3), 30 + (i % 50), np.uint8) for i in range(n)]
    make_clip("clip.mp4", frames, fps=10.0)
    pose.attrs["source_video"] = source
    folder.mkdir(parents=True, exist_ok=True)
    return save_pose_dataset(pose, folder / "pose.nc"), n


def test_analyze_from_pose_draws_everything_from_the_source_video(tmp_path, make_clip):
    pose_path, n = small_pose_and_clip(
        make_clip, tmp_path / "in", source=str(tmp_path / "clip.mp4")
    )
    steps: list[int] = []
    totals: list[int] = []

    def progress(total: int):
        totals.append(total)
        return steps.append

    out = run_analyze(tmp_path / "out", pose_path=pose_path, render_progress=progress)
    folder = tmp_path / "out"
    for name in ("pose.nc", "keypoints.csv", "timeseries.csv", "summary.json", REPORT_NAME):
        assert (folder / name).is_file(), name
    assert out.overlay_path == folder / "overlay.mp4"
    assert sum(1 for _ in iter_frames(out.overlay_path)) == n
    assert probe_video(out.overlay_path).fps == pytest.approx(10.0)
    assert totals == [n] and sum(steps) == n
    assert out.keyframes_dir == folder / "keyframes"
    assert len(list(out.keyframes_dir.glob("0*.png"))) == len(out.summary["events"])
    assert (out.keyframes_dir / "left_vs_right.png").is_file()
    assert out.report_path == folder / REPORT_NAME and out.warnings == []
    text = out.report_path.read_text(encoding="utf-8")
    assert text.count('alt="key frame of moment') == len(out.summary["events"])


def test_analyze_from_pose_without_its_video_still_writes_the_report(tmp_path, make_clip, capsys):
    pose_path, _ = small_pose_and_clip(make_clip, tmp_path / "in", source="gone/clip.mp4")
    code = main(["analyze", "--from", str(pose_path), "-o", str(tmp_path / "out"), "-q"])
    out, err = capsys.readouterr()
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("pronate: warning: video gone/clip.mp4")
    assert f"report: {tmp_path / 'out' / REPORT_NAME}" in out.splitlines()[-1]
    assert "pronation" in out and "collapse" in out  # the verdict table
    assert not (tmp_path / "out" / "overlay.mp4").exists()
    assert not (tmp_path / "out" / "keyframes").exists()
    text = (tmp_path / "out" / REPORT_NAME).read_text(encoding="utf-8")
    assert "No pictures in this report" in text and "data:image/jpeg" not in text


def test_relative_source_video_is_found_beside_the_pose_and_no_video_skips_it(tmp_path, make_clip):
    pose_path, _ = small_pose_and_clip(make_clip, tmp_path, source="clip.mp4")
    out = run_analyze(tmp_path / "out", pose_path=pose_path, write_video=False)
    assert out.overlay_path is None and not (tmp_path / "out" / "overlay.mp4").exists()
    assert out.keyframes_dir is not None and out.warnings == []
    assert "data:image/jpeg" in out.report_path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- browser


def browser_or_skip() -> str:
    from browser import chromium

    path = chromium()
    if path is None:
        pytest.skip("chromium is not installed")
    return path


def screenshot(devtools, session: str, path: Path, *, width: int, mobile: bool) -> dict:
    """Full-page screenshot at ``width`` CSS pixels; returns the page's size."""
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}
    devtools.call("Emulation.setDeviceMetricsOverride", metrics, session=session)
    size = devtools.call(
        "Runtime.evaluate",
        {
            "expression": "[document.documentElement.scrollWidth, window.innerWidth, "
            "document.documentElement.scrollHeight]",
            "returnByValue": True,
        },
        session=session,
    )["result"]["value"]
    metrics["height"] = min(int(size[2]), 16000)
    devtools.call("Emulation.setDeviceMetricsOverride", metrics, session=session)
    shot = devtools.call(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return {"scroll_width": size[0], "inner_width": size[1], "height": size[2]}


@pytest.mark.browser
def test_report_opens_offline_in_headless_chromium(tmp_path, analysis, pictures):
    from browser import DevTools, console_errors, requested_urls

    browser = browser_or_skip()
    pose, result, summary = analysis
    page = write_report(
        tmp_path / REPORT_NAME, result, summary=summary, pose=pose, created=CREATED, **pictures
    )
    with DevTools(browser, tmp_path / "profile") as devtools:
        session = devtools.open_page()
        devtools.call("Page.navigate", {"url": page.as_uri()}, session=session)
        devtools.wait_for("Page.loadEventFired", session=session)
        decoded = devtools.call(
            "Runtime.evaluate",
            {
                "expression": "Promise.all(Array.from(document.images).map("
                "i => i.decode().then(() => i.naturalWidth, () => 0)))",
                "awaitPromise": True,
                "returnByValue": True,
            },
            session=session,
        )["result"]["value"]
        full = screenshot(devtools, session, tmp_path / "report_full.png", width=1280, mobile=False)
        phone = screenshot(devtools, session, tmp_path / "report_phone.png", width=390, mobile=True)
        errors = console_errors(devtools, session)
        urls = requested_urls(devtools, session)
    assert errors == []
    assert urls and urls[0] == page.as_uri()
    assert all(u == page.as_uri() or u.startswith("data:") for u in urls), urls
    assert decoded and all(w > 0 for w in decoded), decoded  # every picture renders
    assert full["height"] > 2000
    assert phone["scroll_width"] <= phone["inner_width"]  # no sideways scrolling on a phone
    for name in ("report_full.png", "report_phone.png"):
        image = cv2.imread(str(tmp_path / name))
        assert image is not None and image.std() > 10
    target = os.environ.get("PRONATE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name in ("report_full.png", "report_phone.png"):
            shutil.copy2(tmp_path / name, Path(target) / name)


# --------------------------------------------------------------------------- real clip


@pytest.mark.shared
@pytest.mark.model
def test_analyze_real_clip_writes_every_output(tracked_clip, tmp_path):
    """The balancing clip, tracked once per session: ``analyze --from`` its pose draws the
    overlay from the recorded source video, frame for frame."""
    pose = tracked_clip("balancing_cam01")
    source = Path(pose.attrs["source_video"])
    pose_path = save_pose_dataset(pose, tmp_path / "tracked" / "pose.nc")
    out = run_analyze(tmp_path / "out", pose_path=pose_path)
    folder = tmp_path / "out"
    names = ("pose.nc", "keypoints.csv", "timeseries.csv", "summary.json", "overlay.mp4")
    for name in (*names, REPORT_NAME):
        assert (folder / name).is_file(), name
    assert out.warnings == []
    assert out.summary["events"], "no loading moment in the balancing clip"
    assert len(list((folder / "keyframes").glob("0*.png"))) == len(out.summary["events"])
    frames_in = sum(1 for _ in iter_frames(source))
    assert sum(1 for _ in iter_frames(folder / "overlay.mp4")) == frames_in
    assert probe_video(folder / "overlay.mp4").fps == pytest.approx(probe_video(source).fps)
    text = (folder / REPORT_NAME).read_text(encoding="utf-8")
    assert text.count('alt="key frame of moment') == len(out.summary["events"])

"""Bad and awkward inputs through ``pronate analyze``, as a coach would bring them.

Each row runs the command in a subprocess (stderr to a pipe, as in a shell) and expects
either exit 0 with results, or exit 2 with one clear line ``pronate: error: ...`` and no
traceback. The clips are made small from the real ones (half size, a second or two, the
lite model), so the table stays fast. Then property tests: the per-frame metric functions
of :mod:`pronate.metrics.kinematics` never raise on any series (those of
:mod:`pronate.verdict.moments`
are in ``tests/verdict/test_moments.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clips import (
    SHARED_DATA,
    write_anamorphic,
    write_clip,
    write_raw_h264,
    write_stamped_clip,
    write_with_thumbnail,
)
from pronate.app.cli import main
from pronate.metrics import frontal_series as kin
from pronate.pose.keypoints import KEYPOINTS
from pronate.pose.schema import save_pose_dataset

SQUAT = SHARED_DATA / "frontal_squat" / "frontal_squat.mp4"
DEMO = SHARED_DATA / "sports2d_demo" / "demo.mp4"


def squat_frames(n: int, *, step: int = 2, scale: float = 0.5) -> list[np.ndarray]:
    """``n`` frames of the frontal squat (every ``step``-th), resized by ``scale``."""
    out: list[np.ndarray] = []
    with av.open(str(SQUAT)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % step == 0:
                image = frame.to_ndarray(format="rgb24")
                out.append(
                    cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                )
            if len(out) == n:
                break
    return out


def shifted(image: np.ndarray, dx: int) -> np.ndarray:
    """The picture moved ``dx`` pixels right, the uncovered part a plain wall."""
    out = np.full_like(image, 128)
    w = image.shape[1]
    if abs(dx) < w:
        if dx >= 0:
            out[:, dx:] = image[:, : w - dx]
        else:
            out[:, :dx] = image[:, -dx:]
    return out


def sound_only(path: Path) -> Path:
    """An .m4a with one second of AAC silence and no picture."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        for k in range(16):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 16000, k * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def truncated(path: Path, frames: Sequence[np.ndarray]) -> Path:
    """A clip with its index at the front (``+faststart``) cut to 30 % of its bytes."""
    whole = write_clip(path.with_name(f"whole_{path.name}"), frames, fps=30.0, faststart=True)
    data = whole.read_bytes()
    path.write_bytes(data[: int(0.3 * len(data))])
    return path


def _vfr(root: Path, frames: list[np.ndarray]) -> Path:
    steps = np.where(np.arange(60) % 2, 1 / 20, 1 / 40)  # a phone's uneven frame times
    times = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    return write_clip(root / "vfr.mp4", frames[:60], times_s=times)


def _out_and_back(root: Path, frames: list[np.ndarray]) -> Path:
    """The subject slides out of the picture to the right (frames 23-67) and back."""
    moved = [shifted(f, int(np.clip(900 - 40 * abs(i - 45), 0, 600))) for i, f in enumerate(frames)]
    return write_clip(root / "out_and_back.mp4", moved, fps=30.0)


def _four_k(root: Path, frames: list[np.ndarray]) -> Path:
    """12 frames of 2160x3840 (portrait 4K), encoded fast."""
    path = root / "4k.mp4"
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 2160, 3840, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for image in frames[:12]:
            big = cv2.resize(image, (2160, 3840), interpolation=cv2.INTER_LINEAR)
            for packet in stream.encode(av.VideoFrame.from_ndarray(big, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _two_people(root: Path, frames: list[np.ndarray]) -> Path:
    """The squat beside itself: two people of the same size (45 frames)."""
    pairs = [np.hstack([f, f]) for f in frames[:45]]
    return write_clip(root / "two_people.mp4", pairs, fps=30.0)


def _empty(root: Path, frames: list[np.ndarray]) -> Path:
    (root / "empty.mp4").write_bytes(b"")
    return root / "empty.mp4"


def _empty_pose(root: Path, frames: list[np.ndarray]) -> Path:
    (root / "empty.nc").write_bytes(b"")
    return root / "empty.nc"


def _negative_config(root: Path, frames: list[np.ndarray]) -> Path:
    (root / "negative.toml").write_text("fppa_max_deg = -5\n")
    return root / "negative.toml"


def _config(text: str) -> Callable[[Path, list[np.ndarray]], Path]:
    def make(root: Path, frames: list[np.ndarray]) -> Path:
        path = root / f"config_{abs(hash(text))}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return make


def _pose(
    *, n: int = 30, fps: float = 30.0, scale: float = 1.0, seen: bool = True
) -> Callable[[Path, list[np.ndarray]], Path]:
    """A pose dataset of ``n`` frames of a 446x796 picture: a plausible body, its
    coordinates times ``scale``, or nobody seen."""

    def make(root: Path, frames: list[np.ndarray]) -> Path:
        from pronate.pose.schema import make_pose_dataset

        rng = np.random.default_rng(0)
        body = np.column_stack([rng.uniform(150, 300, 33), rng.uniform(100, 700, 33), np.zeros(33)])
        position = np.repeat(body[None], n, axis=0) * scale
        if not seen:
            position[:] = np.nan
        pose = make_pose_dataset(
            position=position,
            confidence=np.full((n, 33), 0.9),
            world=np.zeros((n, 33, 3)),
            time_s=np.arange(n) / 30.0,
            fps=fps,
            source_video="",
            model="mediapipe-pose-lite",
            image_width=446,
            image_height=796,
        )
        path = root / f"pose_{n}_{fps}_{scale}_{seen}.nc"
        return save_pose_dataset(pose, path)

    return make


def _odd_clock(root: Path, frames: list[np.ndarray]) -> Path:
    """160 frames at 20 fps (so that 1, 2 and 4 tracking segments all fit) whose clock
    ties and steps back here and there."""
    pictures = [*frames, *frames[::-1][:70]]
    times = 50 * np.arange(len(pictures))
    times[[20, 21, 90]] = times[[19, 19, 89]]  # ties
    times[[50, 130]] = times[[50, 130]] - 70  # steps back
    return write_stamped_clip(root / "odd_clock.mkv", pictures, times_ms=times.tolist())


def _hole(root: Path, frames: list[np.ndarray]) -> Path:
    """Three seconds of squats with 10 s of nothing in their middle."""
    times = np.concatenate([np.arange(45) / 30, 11.5 + np.arange(45) / 30])
    return write_clip(root / "hole.mp4", frames, times_s=times)


MAKERS: dict[str, Callable[[Path, list[np.ndarray]], Path]] = {
    "small": lambda root, frames: write_clip(root / "small.mp4", frames[:10], fps=30.0),
    "empty": _empty,
    "empty_pose": _empty_pose,
    "negative_config": _negative_config,
    "huge_window": _config("value_window_s = 1e10\n"),
    "huge_margin": _config("com_margin_min = 1e308\n"),
    "bom_config": _config("\ufefffppa_max_deg = 18.0\n"),
    "fps_inf_pose": _pose(fps=np.inf),
    "no_frames_pose": _pose(n=0),
    "nan_pose": _pose(seen=False),
    "far_pose": _pose(scale=1e6),
    "sound": lambda root, frames: sound_only(root / "sound.m4a"),
    # 6 s of squats forward and backward: 180 frames declared, about 30 left
    "truncated": lambda root, frames: truncated(root / "truncated.mp4", [*frames, *frames[::-1]]),
    # 90 frames declared, 9 left: too few to track
    "truncated_short": lambda root, frames: truncated(root / "short.mp4", frames),
    "vfr": _vfr,
    "out_and_back": _out_and_back,
    "4k": _four_k,
    "two_people": _two_people,
    "still_start": lambda root, frames: write_clip(
        root / "still_start.mp4", [frames[0]] * 90 + frames[:45], fps=30.0
    ),
    "square": lambda root, frames: write_clip(root / "square.mp4", frames[:45], fps=30.0),
    "raw60": lambda root, frames: write_raw_h264(root / "clip60.h264", frames[:60], fps=60),
    "thumbnail": lambda root, frames: write_with_thumbnail(root / "thumb.mp4", frames[:45]),
    "anamorphic": lambda root, frames: write_anamorphic(
        root / "anamorphic.mp4", frames[:45], aspect=Fraction(4, 3)
    ),
    "odd_clock": _odd_clock,
    "hole": _hole,
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``clip(name)``: an awkward input of :data:`MAKERS`, made once from the real frontal
    squat (90 frames at 30 fps, half size: 446x796)."""
    if not SQUAT.is_file():
        pytest.skip("../shared/data is not present")
    root = tmp_path_factory.mktemp("clips")
    made: dict[str, Path] = {}
    frames: list[np.ndarray] = []

    def get(name: str) -> Path:
        if name not in made:
            if not frames:
                frames.extend(squat_frames(90))
            made[name] = MAKERS[name](root, frames)
        return made[name]

    return get


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    outdir: Path


def pronate(*args: str | Path, outdir: Path, umask: int = 0o022) -> Run:
    """Run ``pronate analyze ARGS -o OUTDIR -q`` in a subprocess."""
    argv = [sys.executable, "-m", "pronate.app.cli", "analyze", *map(str, args), "-o", str(outdir)]
    previous = os.umask(umask)  # inherited by the child
    try:
        done = subprocess.run(
            [*argv, "-q"], capture_output=True, text=True, timeout=600, check=False
        )
    finally:
        os.umask(previous)
    return Run(done.returncode, done.stdout, done.stderr, outdir)


def own_lines(stderr: str) -> list[str]:
    """stderr without MediaPipe's native log lines (``INFO: [...]``, ``W0000 ...``)."""
    native = ("INFO: [", "WARNING: [", "ERROR: [", "I0000", "W0000", "E0000")
    return [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(native)]


def in_process(capsys: pytest.CaptureFixture[str], *args: str | Path, outdir: Path) -> Run:
    """Run ``pronate analyze ARGS -o OUTDIR -q`` through the CLI's ``main``."""
    code = main(["analyze", *map(str, args), "-o", str(outdir), "-q"])
    out, err = capsys.readouterr()
    return Run(code, out, err, outdir)


def assert_one_error(run: Run, *parts: str) -> None:
    assert run.code == 2, run.stderr
    lines = own_lines(run.stderr)
    assert len(lines) == 1 and lines[0].startswith("pronate: error: "), run.stderr
    for part in parts:
        assert part in lines[0]
    assert not (run.outdir / "pose.nc").exists()  # refused before tracking


def assert_results(run: Run, *warnings: str) -> dict[str, object]:
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    summary = json.loads((run.outdir / "summary.json").read_text())
    said = [ln for ln in own_lines(run.stderr) if ln.startswith("pronate: warning: ")]
    for warning in warnings:
        assert any(warning in ln for ln in said), run.stderr
        assert any(warning in w for w in summary["warnings"]), summary["warnings"]
    return summary


LITE = ("--model", "lite")

Args = Callable[[Callable[[str], Path]], list[str | Path]]
BAD: list[tuple[str, Args, tuple[str, ...]]] = [
    (
        "pick outside",
        lambda clip: [clip("small"), "--pick", "5000,5000", *LITE],
        ("--pick 5000,5000 is outside the frame", "446x796 pixels"),
    ),
    (
        "pick negative",
        lambda clip: [clip("small"), "--pick", "-10,20", *LITE],
        ("--pick -10,20 is outside the frame",),
    ),
    ("no input", lambda clip: [], ("no input", "VIDEO", "--from POSE.nc")),
    (
        "negative threshold",
        lambda clip: [clip("small"), "--config", clip("negative_config")],
        ("fppa_max_deg", "must not be negative"),
    ),
    ("empty file", lambda clip: [clip("empty")], ("empty.mp4 is empty (0 bytes)",)),
    (
        "empty pose",
        lambda clip: ["--from", clip("empty_pose")],
        ("empty.nc is empty (0 bytes): not a pose dataset",),
    ),
    ("sound only", lambda clip: [clip("sound")], ("sound.m4a has only sound, no picture",)),
    # issue 24 defect 7: taken with confident output, or refused after the whole tracking
    (
        "confidence above 1",
        lambda clip: [clip("small"), "--min-confidence", "2", *LITE],
        ("--min-confidence 2 is out of range", "from 0 to 1"),
    ),
    ("roll nan", lambda clip: [clip("small"), "--roll", "nan"], ("--roll nan is out of range",)),
    ("roll inf", lambda clip: [clip("small"), "--roll", "inf"], ("--roll inf is out of range",)),
    ("cutoff 0", lambda clip: [clip("small"), "--cutoff", "0"], ("--cutoff 0 is out of range",)),
    (
        "even hampel window",
        lambda clip: [clip("small"), "--hampel-window", "4"],
        ("--hampel-window 4 must be an odd whole number",),
    ),
    (
        "huge hampel window",
        lambda clip: [clip("small"), "--hampel-window", "1000001"],
        ("--hampel-window 1000001 must lie in 1..99",),
    ),
    (
        "hampel sigma 0",
        lambda clip: [clip("small"), "--hampel-sigma", "0"],
        ("--hampel-sigma 0 is out of range",),
    ),
    (
        "max gap negative",
        lambda clip: [clip("small"), "--max-gap", "-1"],
        ("--max-gap -1 is out of range",),
    ),
    # issue 24 defect 7: OverflowError, MemoryError
    (
        "config window of 1e10 s",
        lambda clip: [clip("small"), "--config", clip("huge_window")],
        ("'value_window_s' must lie within ±60 s, got 1e+10",),
    ),
    (
        "config margin of 1e308",
        lambda clip: [clip("small"), "--config", clip("huge_margin")],
        ("'com_margin_min' must lie within ±100, got 1e+308",),
    ),
    # issue 24 defect 7: tracebacks, or an all-NaN pose reported as a front view
    ("from fps inf", lambda clip: ["--from", clip("fps_inf_pose")], ("fps = inf",)),
    ("from no frame", lambda clip: ["--from", clip("no_frames_pose")], ("holds no frame",)),
    (
        "from nobody seen",
        lambda clip: ["--from", clip("nan_pose")],
        ("no keypoint is seen in any frame (all NaN)",),
    ),
    (
        "from coordinates x1e6",
        lambda clip: ["--from", clip("far_pose")],
        ("frame sizes outside its 446x796 picture",),
    ),
]


@pytest.mark.parametrize(("name", "args", "parts"), BAD, ids=[row[0] for row in BAD])
def test_bad_input_is_one_clear_line(clip, capsys, tmp_path, monkeypatch, name, args, parts):
    """Issue 9 defect 6: these scanned the clip, or gave argparse's or a wrong message.
    Each is refused before any tracking (issue 24)."""
    from pronate.pipeline import track

    def no_tracking(*args: object, **kwargs: object) -> None:
        raise AssertionError("tracked before refusing")

    monkeypatch.setattr(track, "track_video", no_tracking)
    assert_one_error(in_process(capsys, *args(clip), outdir=tmp_path / "out"), *parts)


@pytest.mark.model
def test_too_short_for_tracking_because_truncated_says_so(clip, capsys, tmp_path):
    run = in_process(capsys, clip("truncated_short"), *LITE, outdir=tmp_path / "out")
    assert_one_error(run, "frames of", "the video is truncated: its header declares 90 frames")


AWKWARD = [
    ("variable frame rate", "vfr", 60),
    ("walks out and back", "out_and_back", 90),
    ("4K", "4k", 12),
    ("long still start", "still_start", 135),
]


@pytest.mark.model
@pytest.mark.parametrize(("name", "kind", "frames"), AWKWARD, ids=[row[0] for row in AWKWARD])
def test_awkward_clip_gives_results(clip, tmp_path, name, kind, frames):
    run = pronate(clip(kind), *LITE, "--no-video", outdir=tmp_path / "out")
    summary = assert_results(run)
    assert summary["frames"] == frames
    assert summary["warnings"] == []  # no false alarm of truncation on uneven frame times


@pytest.mark.model
def test_two_people_of_the_same_size_are_said(clip, tmp_path):
    """Issue 9: the larger was taken silently; with two of about the same size the user
    hears which one and how to take the other."""
    run = pronate(clip("two_people"), *LITE, "--no-video", outdir=tmp_path / "out")
    summary = assert_results(run, "two people could be the client")
    (said,) = [w for w in summary["warnings"] if "two people" in w]
    assert "--pick" in said


@pytest.mark.model
def test_truncated_clip_warns_and_a_rerun_leaves_one_run(clip, tmp_path):
    """Issue 9 defects 4, 5 and 9: a clip cut to 30 % of its bytes (index at the front)
    was analysed silently; a --no-video re-run left the earlier overlay.mp4 behind; outputs
    were 0600."""
    out = tmp_path / "out"
    first = pronate(clip("truncated"), *LITE, outdir=out)
    summary = assert_results(first, "the video is truncated: its header declares 180 frames")
    assert summary["frames"] < 90
    assert "the video is truncated" in (out / "report.html").read_text()
    assert (out / "overlay.mp4").is_file()
    (out / "my notes.txt").write_text("mine")
    again = pronate("--from", out / "pose.nc", "--no-video", outdir=out)
    assert_results(again, "the video is truncated")  # remembered in pose.nc
    manifest = json.loads((out / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    assert not (out / "overlay.mp4").exists()
    assert names >= {"pose.nc", "summary.json", "timeseries.csv", "report.html"}
    assert "overlay.mp4" not in names and (out / "my notes.txt").read_text() == "mine"
    assert {(out / n).stat().st_mode & 0o777 for n in names} == {0o644}


@pytest.mark.shared
@pytest.mark.model
def test_walking_and_jumping_clip_is_analysed(tracked_clip, tmp_path):
    """Issue 9 defect 1: sports2d demo (jumping jacks, a walker) crashed in pronate.verdict.moments
    with
    ``zero-size array to reduction operation fmin``; so did the clip played forward and
    backward six times."""
    pose = tracked_clip("sports2d_demo")
    path = save_pose_dataset(pose, tmp_path / "pose.nc")
    run = pronate("--from", path, "--no-video", outdir=tmp_path / "out")
    assert_results(run)
    part = pose.isel(time=slice(0, 50))
    there_and_back = xr.concat([part, part.isel(time=slice(None, None, -1))] * 6, dim="time")
    n = there_and_back.sizes["time"]
    fps = float(pose.attrs["fps"])
    there_and_back = there_and_back.assign_coords(
        time=np.arange(n) / fps, frame=("time", np.arange(n))
    )
    there_and_back.attrs["source_video"] = ""
    path = save_pose_dataset(there_and_back, tmp_path / "palindrome.nc")
    assert_results(pronate("--from", path, outdir=tmp_path / "palindrome"))


# ------------------------------------------------------- issue 24: odd clocks and pictures


@pytest.mark.model
def test_a_raw_stream_is_analysed_at_the_rate_it_was_recorded(clip, tmp_path):
    """Issue 24 defect 6: a raw .h264 at 60 fps was analysed at 25 fps (times x2.4)."""
    summary = assert_results(pronate(clip("raw60"), *LITE, "--no-video", outdir=tmp_path / "out"))
    assert summary["fps"] == pytest.approx(60.0) and summary["frames"] == 60
    pose = xr.open_dataset(tmp_path / "out" / "pose.nc", engine="h5netcdf")
    assert float(pose["time"][-1]) == pytest.approx(59 / 60)


@pytest.mark.model
def test_the_clip_is_found_behind_a_thumbnail_stream(clip, tmp_path):
    """Issue 24 defect 6: the small first stream was analysed ("no person found")."""
    summary = assert_results(
        pronate(clip("thumbnail"), *LITE, "--no-video", outdir=tmp_path / "out")
    )
    assert summary["frames"] == 45
    pose = xr.open_dataset(tmp_path / "out" / "pose.nc", engine="h5netcdf")
    assert (pose.attrs["image_width"], pose.attrs["image_height"]) == (446, 796)


@pytest.mark.model
def test_an_anamorphic_clip_is_measured_on_square_pixels(clip, tmp_path):
    """Issue 24 defect 6: a clip with 4:3 pixels was measured on stretched pixels."""
    runs = {}
    for kind in ("square", "anamorphic"):
        assert_results(pronate(clip(kind), *LITE, "--no-video", outdir=tmp_path / kind))
        runs[kind] = xr.open_dataset(tmp_path / kind / "pose.nc", engine="h5netcdf").load()
    square, anamorphic = runs["square"], runs["anamorphic"]
    assert anamorphic.attrs["image_width"] == pytest.approx(446, abs=2)
    legs = [f"{side}_{joint}" for side in ("left", "right") for joint in ("hip", "knee", "ankle")]
    x = [r["position"].sel(keypoint=legs, space="x").values for r in (square, anamorphic)]
    assert np.nanmedian(np.abs(x[0] - x[1])) < 6  # pixels, where the shown picture has them


@pytest.mark.model
def test_a_bom_in_the_config_file_is_fine(clip, tmp_path):
    """Issue 24 defect 7: a --config with a UTF-8 byte-order mark failed."""
    run = pronate(
        clip("small"), *LITE, "--no-video", "--config", clip("bom_config"), outdir=tmp_path / "out"
    )
    assert assert_results(run)["events"] is not None


@pytest.mark.model
def test_a_hole_in_the_clock_is_said_and_no_moment_spans_it(clip, tmp_path):
    """Issue 24 defect 6: a 10-s hole gave a moment spanning it, "13.8 fps", no word."""
    run = pronate(clip("hole"), *LITE, "--no-video", outdir=tmp_path / "out")
    summary = assert_results(run, "the timestamps of hole.mp4 jump 10.0 s after 1.47 s (frame 45)")
    assert summary["fps"] == pytest.approx(30.0, rel=0.02)
    for event in summary["events"]:
        assert not (event["start_s"] < 1.5 and event["end_s"] > 11.4), event


@pytest.mark.model
def test_an_odd_clock_gives_the_same_results_on_1_2_and_4_segments(clip, tmp_path):
    """Issue 24 defect 5: with 2 segments the end of such a clip was dropped, with a false
    "cut short" warning and a line per frame."""
    from pronate.pipeline import run_analyze
    from pronate.pose.config import TrackConfig

    runs = []
    for workers in (1, 2, 4):
        out = run_analyze(
            tmp_path / f"w{workers}",
            video=clip("odd_clock"),
            track=TrackConfig(model="lite", workers=workers),
            write_video=False,
            report=False,
        )
        pose = xr.open_dataset(out.pose_path, engine="h5netcdf").load()
        runs.append((out.summary, pose))
    (summary, pose), *others = runs
    assert pose.sizes["time"] == 160 and summary["frames"] == 160
    (said,) = [w for w in summary["warnings"] if "timestamp" in w]
    assert "5 frame(s) of odd_clock.mkv" in said
    assert not [w for w in summary["warnings"] if "truncated" in w]
    for other_summary, other_pose in others:
        assert other_summary["events"] == summary["events"]
        assert other_summary["warnings"] == summary["warnings"]
        np.testing.assert_array_equal(other_pose["time"].values, pose["time"].values)
        np.testing.assert_array_equal(other_pose["position"].values, pose["position"].values)


# --------------------------------------------------- issue 24: what is not ours stays


@pytest.mark.model
def test_a_folder_of_the_users_is_only_added_to(clip, tmp_path):
    """Issue 24 defect 1: a user's report.pdf and overlay.mp4 in OUTDIR were deleted."""
    out = tmp_path / "out"
    out.mkdir()
    mine = {"report.pdf": b"my report", "overlay.mp4": b"my video", "notes.txt": b"notes"}
    for name, data in mine.items():
        (out / name).write_bytes(data)
    assert_results(pronate(clip("small"), *LITE, "--no-video", outdir=out))
    assert {name: (out / name).read_bytes() for name in mine} == mine
    listed = {f["name"] for f in json.loads((out / "manifest.json").read_text())["files"]}
    assert not listed & set(mine)
    refused = pronate(clip("small"), *LITE, outdir=out)  # would write its own overlay.mp4
    assert refused.code == 2
    (line,) = own_lines(refused.stderr)
    assert line.startswith("pronate: error: ") and "overlay.mp4 was not written by pronate" in line
    assert {name: (out / name).read_bytes() for name in mine} == mine


@pytest.mark.model
def test_a_clip_in_its_output_folder_is_never_written_over(clip, tmp_path):
    """Issue 24 defect 1: VIDEO given as OUTDIR/overlay.mp4 was overwritten by the
    overlay (deleted with --no-video)."""
    out = tmp_path / "out"
    out.mkdir()
    video = out / "overlay.mp4"
    video.write_bytes(clip("small").read_bytes())
    for extra in ([], ["--no-video"]):
        run = pronate(video, *LITE, *extra, outdir=out)
        assert_one_error(run, "overlay.mp4 is an input of this run")
        assert video.read_bytes() == clip("small").read_bytes()


@pytest.mark.model
def test_a_second_run_into_a_busy_folder_is_refused(clip, tmp_path):
    """Issue 24 defect 4: two runs into one folder both went on and mixed their files."""
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    with (out / ".pronate.lock").open("w") as lock:  # as a first run holds it
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        fcntl.flock(lock, fcntl.LOCK_EX)
        run = pronate(clip("small"), *LITE, outdir=out)
    assert_one_error(run, f"in use by another pronate run (pid {os.getpid()})")
    assert sorted(p.name for p in out.iterdir()) == [".pronate.lock"]


# ----------------------------------------------------------------------------- properties

_PLANES = ("lateral", "vertical")
_EXTREME = st.sampled_from([np.nan, 0.0, 1e300, -1e300, 1e-300, np.inf, -np.inf])


@st.composite
def frontal_points(draw: st.DrawFn) -> xr.DataArray:
    """Frontal points (time, keypoint, plane): all-NaN, constant, one frame, extreme, random."""
    n = draw(st.integers(min_value=1, max_value=12))
    shape = (n, len(KEYPOINTS), 2)
    kind = draw(st.sampled_from(["nan", "constant", "extreme", "random"]))
    if kind == "nan":
        values = np.full(shape, np.nan)
    elif kind == "constant":
        values = np.full(shape, draw(_EXTREME | st.floats(-1e3, 1e3)))
    elif kind == "extreme":
        values = np.array(draw(st.lists(_EXTREME, min_size=8, max_size=8)))[
            np.arange(np.prod(shape)) % 8
        ].reshape(shape)
    else:
        seed = draw(st.integers(0, 2**16))
        values = np.random.default_rng(seed).normal(0, 100, shape)
    return xr.DataArray(
        values,
        dims=("time", "keypoint", "plane"),
        coords={"time": np.arange(n) / 30.0, "keypoint": list(KEYPOINTS), "plane": list(_PLANES)},
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points=frontal_points(), width=_EXTREME | st.floats(0, 1e3))
def test_per_frame_metrics_never_raise(points: xr.DataArray, width: float):
    quiet = xr.DataArray(np.ones(points.sizes["time"], bool), dims="time")
    with np.errstate(all="ignore"):
        for side in ("left", "right"):
            for value in (
                kin.femur_frontal(points, side=side),
                kin.tibia_frontal(points, side=side),
                kin.knee_fppa(points, side=side),
                kin.knee_flexion(points, side=side),
                kin.ankle_medial_shift(points, side=side, neutral=quiet, foot_length=width),
            ):
                assert value.sizes["time"] == points.sizes["time"]
        kin.pelvic_obliquity(points)
        kin.trunk_lean(points)
        kin.hip_width(points, neutral=quiet)
        shift = kin.pelvis_shift(points, neutral=quiet, width=width)
        kin.extrapolated(shift, omega0=3.0)

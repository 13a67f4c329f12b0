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
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clips import SHARED_DATA, write_clip
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


MAKERS: dict[str, Callable[[Path, list[np.ndarray]], Path]] = {
    "small": lambda root, frames: write_clip(root / "small.mp4", frames[:10], fps=30.0),
    "empty": _empty,
    "empty_pose": _empty_pose,
    "negative_config": _negative_config,
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
]


@pytest.mark.parametrize(("name", "args", "parts"), BAD, ids=[row[0] for row in BAD])
def test_bad_input_is_one_clear_line(clip, capsys, tmp_path, name, args, parts):
    """Issue 9 defect 6: these scanned the clip, or gave argparse's or a wrong message."""
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
    summary = assert_results(run, "two people of about the same size")
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

"""Shared fixtures: paths to the real data, synthetic clips, and real clips tracked once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import xarray as xr

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

REAL_CLIPS = {
    "balancing_cam01": "pose2sim_balancing/cam01.mp4",
    "balancing_cam03": "pose2sim_balancing/cam03.mp4",
    "frontal_squat": "frontal_squat/frontal_squat.mp4",
    "sports2d_demo": "sports2d_demo/demo.mp4",
}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data folder ``../shared/data``; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


def write_clip(
    path: Path,
    frames: Sequence[np.ndarray],
    *,
    fps: float = 30.0,
    times_s: Sequence[float] | None = None,
    display_rotation: float = 0.0,
    faststart: bool = True,
) -> Path:
    """Encode RGB ``frames`` into an H.264 MP4, with optional real timestamps (for
    variable frame rate) and display-rotation metadata (as phones write it)."""
    options = {"movflags": "+faststart"} if faststart else {}
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        if times_s is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if display_rotation:
            stream.set_display_rotation(display_rotation)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            if times_s is not None:
                frame.pts = round(times_s[i] * 1000)
                frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture
def make_clip(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_clip(name, frames, **options)`` writes a clip into ``tmp_path``."""

    def factory(name: str, frames: Sequence[np.ndarray], **options: object) -> Path:
        return write_clip(tmp_path / name, frames, **options)  # type: ignore[arg-type]

    return factory


@pytest.fixture(scope="session")
def tracked_clip(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], xr.Dataset]:
    """Track a real clip once per test session (heavy model, default clean-up) and return
    its pose dataset; ``tracked_clip.outdir(name)`` gives the folder of its outputs."""
    from pronate.config import FilterConfig, TrackConfig
    from pronate.pipeline import run_track

    cache: dict[str, xr.Dataset] = {}
    root = tmp_path_factory.mktemp("tracked")

    def get(name: str) -> xr.Dataset:
        if name not in cache:
            out = run_track(
                shared_data / REAL_CLIPS[name],
                root / name,
                track=TrackConfig(),
                filters=FilterConfig(),
            )
            cache[name] = out.pose
        return cache[name]

    def outdir(name: str) -> Path:
        get(name)
        return root / name

    get.outdir = outdir  # type: ignore[attr-defined]
    return get


@pytest.fixture(scope="session")
def balancing_mocap(shared_data: Path) -> tuple[xr.DataArray, dict[str, object]]:
    """The balancing trial's mocap reference: the TRC markers (Y up, metres, 60 Hz, frame
    for frame with the videos) and the calibrated cameras by name (``cam01``, ``cam03``;
    never use ``cam02``/``cam04``, reserved for independent evaluation)."""
    from pronate.reference import read_calibration, read_trc, select_camera

    folder = shared_data / "pose2sim_balancing"
    cameras = read_calibration(folder / "Calib_qualisys.toml")
    return read_trc(folder / "Balancing_for_IK.trc"), {
        name: select_camera(cameras, name) for name in ("cam01", "cam03")
    }

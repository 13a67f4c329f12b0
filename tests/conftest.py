"""Shared fixtures: paths to the real data, synthetic clips, and real clips tracked once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from clips import REAL_CLIPS, SHARED_DATA, write_clip


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data folder ``../shared/data``; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


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
    from pronate.pipeline import run_track
    from pronate.pose.config import FilterConfig, TrackConfig

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
    from pronate.validation.reference import read_calibration, read_trc, select_camera

    folder = shared_data / "pose2sim_balancing"
    cameras = read_calibration(folder / "Calib_qualisys.toml")
    return read_trc(folder / "Balancing_for_IK.trc"), {
        name: select_camera(cameras, name) for name in ("cam01", "cam03")
    }

"""Golden outputs: the analysis of every clip in ``../shared/data`` stays exactly as recorded.

Recorded at the main of 2026-12-06 before the stage redesign (issue 19), which changed
nothing here; re-recorded for issue 20 (the +/- of every frontal metric frame by frame,
``*_unc`` columns, and the verdict's probability: ``uncertain`` where no verdict reaches
80 % of the readings within the +/-; keypoints.csv unchanged); re-recorded for issue 20,
part 3 (one loading, one moment: summary.json only -- the moments, their verdicts, and the
new thresholds; keypoints.csv and timeseries.csv unchanged). Heavy model:
``summary.json`` (without the clip's path), ``timeseries.csv`` and ``keypoints.csv`` of
``pronate analyze --from pose.nc`` on each real clip (tracked once per session), the
same clips with the view forced to front / back (so that every frontal metric and
verdict is exercised on real keypoints), the balancing trial's motion capture seen by
cam01, and the C3D gait trial seen by a virtual frontal camera.

A change of any figure fails here. A change that is meant (a better method, measured)
re-records them: ``PRONATE_RECORD_GOLDEN=1 pytest tests/test_golden.py``, and the commit
says what changed and why.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xarray as xr

from pronate.pipeline import AnalysisOptions, run_analyze
from pronate.pose.schema import save_pose_dataset

pytestmark = [pytest.mark.shared, pytest.mark.model]

GOLDEN = Path(__file__).parent / "golden"
RECORD = os.environ.get("PRONATE_RECORD_GOLDEN") == "1"

TRACKED_CASES = {
    "balancing_cam01": ("balancing_cam01", None),
    "balancing_cam03": ("balancing_cam03", None),
    "frontal_squat": ("frontal_squat", None),
    "sports2d_demo": ("sports2d_demo", None),
    "balancing_cam01_as_front": ("balancing_cam01", "front"),
    "balancing_cam03_as_back": ("balancing_cam03", "back"),
}


def _normalised_summary(summary: dict[str, Any], root: Path) -> str:
    """summary.json without what names this run's paths."""
    kept = {k: v for k, v in summary.items() if k != "video"}
    text = json.dumps(kept, indent=2, sort_keys=True, allow_nan=False)
    return text.replace(str(root), "<root>") + "\n"


def _outputs(outdir: Path, summary: dict[str, Any], root: Path) -> dict[str, str]:
    return {
        "summary.json": _normalised_summary(summary, root),
        "timeseries.csv": (outdir / "timeseries.csv").read_text(),
        "keypoints.csv": (outdir / "keypoints.csv").read_text(),
    }


def _check(case: str, produced: dict[str, str]) -> None:
    folder = GOLDEN / case
    if RECORD:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in produced.items():  # mtime 0: the same text gives the same file
            data = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
            (folder / f"{name}.gz").write_bytes(data)
        return
    for name, text in produced.items():
        path = folder / f"{name}.gz"
        assert path.is_file(), f"no golden {path}: record it (see the module docstring)"
        with gzip.open(path, "rt", encoding="utf-8") as f:
            expected = f.read()
        if text != expected:
            got, want = text.splitlines(), expected.splitlines()
            first = next(
                (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                min(len(got), len(want)),
            )
            pytest.fail(
                f"{case}/{name} differs from the golden at line {first + 1} "
                f"({len(got)} lines, golden {len(want)}):\n"
                f"  got:    {got[first] if first < len(got) else '<end>'}\n"
                f"  golden: {want[first] if first < len(want) else '<end>'}"
            )


def _analyse_pose_file(pose_path: Path, outdir: Path, view: str | None) -> dict[str, Any]:
    out = run_analyze(
        outdir,
        pose_path=pose_path,
        options=AnalysisOptions(view=view),
        write_video=False,
        report=False,
    )
    return out.summary


@pytest.mark.parametrize("case", sorted(TRACKED_CASES))
def test_real_clip_analysis_is_unchanged(
    case: str, tracked_clip: Callable[[str], xr.Dataset], tmp_path: Path
) -> None:
    clip, view = TRACKED_CASES[case]
    pose_path = tracked_clip.outdir(clip) / "pose.nc"  # type: ignore[attr-defined]
    summary = _analyse_pose_file(pose_path, tmp_path / "out", view)
    _check(case, _outputs(tmp_path / "out", summary, pose_path.parent.parent))


def test_balancing_mocap_analysis_is_unchanged(
    balancing_mocap: tuple[xr.DataArray, dict[str, object]], tmp_path: Path
) -> None:
    from pronate.validation.reference import reference_pose_dataset

    trc, cameras = balancing_mocap
    pose = reference_pose_dataset(trc, cameras["cam01"], source="balancing-mocap")  # type: ignore[arg-type]
    pose_path = save_pose_dataset(pose, tmp_path / "pose.nc")
    summary = _analyse_pose_file(pose_path, tmp_path / "out", "front")
    _check("balancing_mocap_cam01_as_front", _outputs(tmp_path / "out", summary, tmp_path))


def test_c3d_gait_frontal_analysis_is_unchanged(shared_data: Path, tmp_path: Path) -> None:
    from pronate.validation import mocap

    trial = mocap.read_c3d(shared_data / "c3d_gait" / "gait-pig.c3d")
    pose, _ = mocap.frontal_pose_dataset(trial)
    pose.attrs["source_video"] = "c3d-gait"
    pose_path = save_pose_dataset(pose, tmp_path / "pose.nc")
    summary = _analyse_pose_file(pose_path, tmp_path / "out", None)
    _check("c3d_gait_frontal", _outputs(tmp_path / "out", summary, tmp_path))

"""An analysis as one picklable request (pronate.pipeline.request)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from pronate.pipeline import AnalysisOptions, AnalysisRequest, request
from pronate.pose.config import FilterConfig, TrackConfig
from pronate.verdict.thresholds import Thresholds


def test_a_request_pickles_with_every_setting() -> None:
    req = AnalysisRequest(
        outdir=Path("out"),
        video=Path("clip.mp4"),
        track=TrackConfig(model="lite", pick=(10.0, 20.0), workers=1),
        filters=FilterConfig(cutoff_hz=4.0),
        options=AnalysisOptions(view="front", sex="female", thresholds=Thresholds(fppa_max_deg=5)),
        write_video=False,
        pdf=True,
    )
    assert pickle.loads(pickle.dumps(req)) == req


def test_run_request_hands_everything_to_run_analyze(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def fake(outdir: Path, **kw: Any) -> str:
        seen.update(kw, outdir=outdir)
        return "outputs"

    monkeypatch.setattr(request, "run_analyze", fake)
    req = AnalysisRequest(outdir=tmp_path, pose_path=tmp_path / "pose.nc", report=False)
    tick = print
    assert request.run_request(req, progress=tick) == "outputs"
    assert seen == {
        "outdir": tmp_path,
        "video": None,
        "pose_path": tmp_path / "pose.nc",
        "track": req.track,
        "filters": req.filters,
        "options": req.options,
        "progress": tick,
        "write_video": True,
        "report": False,
        "pdf": False,
        "render_progress": None,
    }

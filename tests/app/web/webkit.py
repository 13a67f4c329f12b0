"""Helpers of the workspace tests: summaries shaped like the pipeline's, analyses on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from pronate.app.store.models import Job
from pronate.app.workspace import queue

KEYFRAME = np.zeros((40, 30, 3), dtype=np.uint8) + np.uint8(90)
KEYS = (
    "knee_fppa_peak_deg",
    "knee_valgus_change_deg",
    "com_margin_norm",
    "pelvis_shift_toward_norm",
    "pelvis_loaded_side_up_deg",
    "femur_tibia_in_phase_pct",
)


def summary(left: str | None, *, fppa: float = 5.0, right: str | None = None) -> dict[str, Any]:
    """A ``summary.json`` with one moment per given side (the fields the workspace reads)."""
    events, sides = [], {}
    for side, verdict in (("left", left), ("right", right)):
        medians = {k: None for k in KEYS}
        if verdict is not None:
            events.append(
                {
                    "side": side,
                    "kind": "single_leg_squat",
                    "peak_s": 1.0,
                    "verdict": verdict,
                    "legs": {side: verdict},
                    "criteria": [
                        {"name": "knee_fppa_in_band", "value": fppa, "threshold": 16.8},
                        {"name": "com_inside_base", "value": 0.3, "threshold": 0.0},
                        {"name": "pelvis_loaded_side_up", "value": 4.0, "threshold": 1.0},
                    ],
                }
            )
            medians = {k: (fppa if k == "knee_fppa_peak_deg" else 0.5) for k in KEYS}
        sides[side] = {"moments": int(verdict is not None), "verdict": verdict, "medians": medians}
    return {
        "view": "front",
        "fps": 30.0,
        "frames": 10,
        "events": events,
        "sides": sides,
        "uncertainty_deg": {"knee_fppa": 7.0},
        "thresholds": {"fppa_max_deg": 16.8},
    }


GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def golden(name: str) -> dict[str, Any]:
    """The ``summary.json`` of a real clip, from ``tests/golden/NAME``."""
    import gzip

    data: dict[str, Any] = json.loads(
        gzip.decompress((GOLDEN / name / "summary.json.gz").read_bytes())
    )
    return data


def golden_table(name: str) -> str:
    """The ``timeseries.csv`` of a real clip, from ``tests/golden/NAME``."""
    import gzip

    return gzip.decompress((GOLDEN / name / "timeseries.csv.gz").read_bytes()).decode()


def finish_job(
    sessions: sessionmaker[Session],
    data_dir: Path,
    job_id: int,
    content: dict[str, Any],
    *,
    files: dict[str, str] | None = None,
) -> int:
    """Mark a queued job done with an analysis folder holding ``content`` as its summary,
    a report, a key frame and ``files`` (name -> text), as the worker would; returns the
    analysis id."""
    folder = data_dir / "analyses" / f"job-{job_id}"
    (folder / "keyframes").mkdir(parents=True)
    text = json.dumps(content)
    (folder / "summary.json").write_text(text)
    (folder / "report.html").write_text("<!doctype html><title>report</title><p>report</p>")
    for name, body in (files or {}).items():
        (folder / name).write_text(body)
    from matplotlib.image import imsave

    imsave(folder / "keyframes" / "01_left_single_leg_squat_1.00s.png", KEYFRAME)
    with sessions() as db:
        job = db.get(Job, job_id)
        assert job is not None
        job.state = "running"
        db.commit()
        clip_id = job.clip_id
    analysis = queue.finish(
        sessions, job_id, clip_id=clip_id, folder=f"analyses/job-{job_id}", summary=text
    )
    assert analysis is not None
    return analysis

"""``pronate analyze`` and :func:`pronate.pipeline.run_analyze`: outputs, options, errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import synthetic as syn
from pronate.app.cli import main
from pronate.errors import InputError
from pronate.metrics.schema import METRIC_VARIABLES
from pronate.pipeline import AnalysisOptions, run_analyze
from pronate.pose.schema import load_pose_dataset, save_pose_dataset
from pronate.verdict.thresholds import Thresholds


@pytest.fixture(scope="module")
def synthetic_pose_path(tmp_path_factory):
    """The default synthetic script seen from the front, saved as a pose dataset."""
    skeleton = syn.simulate(fps=30.0)
    pose = syn.render_pose(skeleton, syn.Camera(yaw_deg=0.0, roll_deg=5.0))
    return save_pose_dataset(pose, tmp_path_factory.mktemp("syn") / "pose.nc")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, pattern: str) -> None:
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("pronate: error: ")
    assert pattern in lines[0]


def test_run_analyze_from_pose_writes_everything(synthetic_pose_path, tmp_path):
    out = run_analyze(tmp_path / "o", pose_path=synthetic_pose_path)
    for name in ("pose.nc", "keypoints.csv", "timeseries.csv", "summary.json"):
        assert (tmp_path / "o" / name).is_file(), name
    summary = json.loads(out.summary_path.read_text())
    assert summary == out.summary
    assert summary["view"] == "front"
    assert [e["verdict"] for e in summary["events"]] == [
        "pronation",
        "pronation",
        "missing",
        "collapse",
        "pronation",
        "pronation",
    ]
    with out.timeseries_path.open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["frame", "time_s", *METRIC_VARIABLES]
    assert len(rows) == 1 + load_pose_dataset(synthetic_pose_path).sizes["time"]
    pose = load_pose_dataset(out.pose_path)
    assert pose["com_world"].dims == ("time", "space")
    assert np.isfinite(pose["com_world"].values).all()


def test_run_analyze_in_place_keeps_one_pose(synthetic_pose_path, tmp_path):
    folder = tmp_path / "o"
    folder.mkdir()
    target = folder / "pose.nc"
    target.write_bytes(synthetic_pose_path.read_bytes())
    out = run_analyze(folder, pose_path=target)
    assert out.keypoints_path is None
    assert "com_world" in load_pose_dataset(target)
    again = run_analyze(folder, pose_path=target)  # a pose that already has com_world
    assert again.summary == out.summary


def test_options_reach_the_analysis(synthetic_pose_path, tmp_path):
    options = AnalysisOptions(
        view="front", roll_deg=5.0, sex="female", thresholds=Thresholds(fppa_max_deg=5.0)
    )
    out = run_analyze(tmp_path, pose_path=synthetic_pose_path, options=options)
    assert out.summary["view"] == "front"
    assert out.summary["view_confidence"] == "normal"
    assert out.summary["roll_deg"] == 5.0
    assert out.summary["thresholds"]["fppa_max_deg"] == 5.0
    assert out.summary["events"][0]["verdict"] == "collapse"


def test_run_analyze_needs_exactly_one_input(synthetic_pose_path, tmp_path):
    with pytest.raises(InputError):
        run_analyze(tmp_path)
    with pytest.raises(InputError):
        run_analyze(tmp_path, video=tmp_path / "v.mp4", pose_path=synthetic_pose_path)


def test_cli_analyze_from(capsys, synthetic_pose_path, tmp_path):
    config = tmp_path / "t.toml"
    config.write_text("fppa_max_deg = 18.6\n")
    code, out, err = run(
        capsys,
        "analyze",
        "--from",
        str(synthetic_pose_path),
        "-o",
        str(tmp_path / "o"),
        "--config",
        str(config),
        "--sex",
        "male",
    )
    assert code == 0, err
    assert "view: front (normal confidence)" in out
    assert out.count("single_leg_stance") == 4  # 30-40 deg knee bends (issue 9)
    assert "collapse" in out and "missing" in out
    assert "wrote" in out and "summary.json" in out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["thresholds"]["fppa_max_deg"] == 18.6


def test_cli_analyze_user_errors(capsys, synthetic_pose_path, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("fppa_max = 3\n")
    code, _, err = run(
        capsys,
        "analyze",
        "--from",
        str(synthetic_pose_path),
        "-o",
        str(tmp_path),
        "--config",
        str(bad),
    )
    one_line_error(code, err, "unknown threshold 'fppa_max'")
    code, _, err = run(capsys, "analyze", "-o", str(tmp_path))
    one_line_error(code, err, "either VIDEO or --from")
    code, _, err = run(
        capsys,
        "analyze",
        str(tmp_path / "v.mp4"),
        "--from",
        str(synthetic_pose_path),
        "-o",
        str(tmp_path),
    )
    one_line_error(code, err, "either VIDEO or --from")
    code, _, err = run(capsys, "analyze", "--from", str(tmp_path / "nope.nc"), "-o", str(tmp_path))
    one_line_error(code, err, "no such file")
    code, _, err = run(capsys, "analyze", str(tmp_path / "nope.mp4"), "-o", str(tmp_path))
    one_line_error(code, err, "no such file")


@pytest.mark.model
def test_cli_analyze_video_without_person(capsys, tmp_path, make_clip):
    rng = np.random.default_rng(1)
    frames = [
        np.full((240, 320, 3), 90, np.uint8) + rng.integers(0, 20, (240, 320, 3), dtype=np.uint8)
        for _ in range(12)
    ]
    clip = make_clip("empty_room.mp4", frames)
    code, _, err = run(
        capsys, "analyze", str(clip), "-o", str(tmp_path / "o"), "--model", "lite", "-q"
    )
    one_line_error(code, err, "no person found")
    assert not (tmp_path / "o" / "summary.json").exists()


@pytest.mark.shared
@pytest.mark.model
def test_cli_analyze_real_video(capsys, shared_data, tmp_path):
    """Tracking then analysis of the 100-frame balancing clip, end to end."""
    video = shared_data / "pose2sim_balancing" / "cam01.mp4"
    code, out, err = run(capsys, "analyze", str(video), "-o", str(tmp_path), "-q")
    assert code == 0, err
    assert "view: oblique" in out
    for name in ("pose.nc", "keypoints.csv", "timeseries.csv", "summary.json"):
        assert (tmp_path / name).is_file(), name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["frames"] == 100 and summary["fps"] == 60.0
    assert summary["model"] == "mediapipe-pose-heavy"


def test_ctrl_c_while_drawing_leaves_no_half_result(synthetic_pose_path, tmp_path, monkeypatch):
    """Issue 9: Ctrl-C after tracking (while the pictures are drawn) used to leave pose.nc,
    summary.json and the tables behind, beside an earlier run's report. Issue 24: the
    run's files are written aside, so the folder keeps the earlier run, whole, and the
    user's own files."""
    import pronate.pipeline.analyze

    out = tmp_path / "o"
    run_analyze(out, pose_path=synthetic_pose_path, write_video=False)
    (out / "notes.txt").write_text("mine")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pronate.pipeline.analyze, "run_pictures", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_analyze(out, pose_path=synthetic_pose_path, write_video=False)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_ctrl_c_before_writing_keeps_the_earlier_run(synthetic_pose_path, tmp_path, monkeypatch):
    import pronate.pipeline.analyze

    out = tmp_path / "o"
    run_analyze(out, pose_path=synthetic_pose_path, write_video=False)
    before = sorted(p.name for p in out.iterdir())

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pronate.pipeline.analyze, "load_pose_dataset", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_analyze(out, pose_path=synthetic_pose_path, write_video=False)
    assert sorted(p.name for p in out.iterdir()) == before

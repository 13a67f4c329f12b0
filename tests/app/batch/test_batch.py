"""``pronate batch`` on real clips: a corrupt clip, a non-video file and a duplicate in the
folder; the tidy table; results equal to ``pronate analyze``; re-runs skip; Dask."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pronate.app.batch.table import COLUMNS
from pronate.app.cli import main

MODEL = ["--model", "lite", "--no-video"]


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*argv: str | Path) -> Run:
    """``pronate ARGV`` in this process, its exit status and output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def folder(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice/balance.mp4 and bob/other side.mp4 (real), copy.mp4 (alice's content),
    bob/broken.mp4 (cut after 30 kB), notes.txt."""
    data = shared_data / "pose2sim_balancing"
    root = tmp_path_factory.mktemp("clips")
    (root / "alice").mkdir()
    (root / "bob").mkdir()
    shutil.copy(data / "cam01.mp4", root / "alice" / "balance.mp4")
    shutil.copy(data / "cam03.mp4", root / "bob" / "other side.mp4")
    shutil.copy(data / "cam01.mp4", root / "copy.mp4")
    (root / "bob" / "broken.mp4").write_bytes((data / "cam01.mp4").read_bytes()[:30_000])
    (root / "notes.txt").write_text("not a video\n")
    return root


@pytest.fixture(scope="module")
def first(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    """The batch run once over ``folder`` on 2 local processes."""
    outdir = tmp_path_factory.mktemp("batch") / "out"
    return run_cli("batch", folder, "-o", outdir, "--workers", "2", *MODEL), outdir


def test_failed_clip_is_reported_and_the_rest_go_on(first: tuple[Run, Path]) -> None:
    run, outdir = first
    assert run.code == 2
    errors = [line for line in run.err.splitlines() if line.startswith("pronate: error:")]
    assert errors[0].startswith("pronate: error: bob/broken.mp4: ")
    assert errors[-1] == "pronate: error: 1 clip(s) failed: bob/broken.mp4"
    assert len(errors) == 2
    assert "Traceback" not in run.err
    assert "pronate: warning: passed over (not videos): notes.txt" in run.err
    assert "2 analysed, 1 copied, 1 failed of 4" in run.out
    names = sorted(p.name for p in outdir.iterdir())
    assert names == [
        "alice__balance",
        "batch-index.json",
        "bob__other_side",
        "copy",
        "moments.csv",
        "moments.parquet",
    ]  # nothing of the broken clip, no .partial folder left
    assert "copied   copy.mp4 -> copy/ (same content as alice/balance.mp4)" in run.out


def test_tidy_table_has_one_row_per_moment_and_leg(first: tuple[Run, Path]) -> None:
    _, outdir = first
    table = pd.read_parquet(outdir / "moments.parquet")
    assert list(table.columns) == list(COLUMNS)
    expected = []
    for clip, client, folder in [
        ("alice/balance.mp4", "alice", "alice__balance"),
        ("bob/other side.mp4", "bob", "bob__other_side"),
        ("copy.mp4", "", "copy"),
    ]:
        summary = json.loads((outdir / folder / "summary.json").read_text())
        for i, event in enumerate(summary["events"]):
            legs = ["left", "right"] if event["side"] == "both" else [event["side"]]
            for leg in legs:
                expected.append((clip, client, i, leg, event["kind"], event["verdict"]))
                row = table[
                    (table["clip"] == clip) & (table["moment"] == i) & (table["leg"] == leg)
                ]
                assert len(row) == 1
                peak = row.iloc[0]
                assert peak.peak_s == pytest.approx(event["peak_s"])
                flexion = event["metrics"].get(f"knee_flexion_{leg}_deg")
                assert peak.knee_flexion_deg == pytest.approx(flexion, nan_ok=True)
                sigma = event["uncertainty"]["pelvic_obliquity_deg"]  # None: not measured
                assert peak.pelvic_obliquity_deg_unc == pytest.approx(
                    float("nan") if sigma is None else sigma, nan_ok=True
                )
    got = list(
        table[["clip", "client", "moment", "leg", "kind", "verdict"]]
        .fillna("")
        .itertuples(index=False, name=None)
    )
    assert got == expected
    assert len(expected) >= 3  # each real clip has a loading moment
    csv = pd.read_csv(outdir / "moments.csv", keep_default_na=False, na_values=[""])
    assert len(csv) == len(table)
    assert list(csv["clip"]) == list(table["clip"])


def test_results_equal_single_clip_analyze(
    first: tuple[Run, Path], folder: Path, tmp_path: Path
) -> None:
    _, outdir = first
    single = run_cli("analyze", folder / "alice" / "balance.mp4", "-o", tmp_path, "-q", *MODEL)
    assert single.code == 0, single.err
    alone = json.loads((tmp_path / "summary.json").read_text())
    for folder_name in ("alice__balance", "copy"):
        batched = json.loads((outdir / folder_name / "summary.json").read_text())
        assert batched["events"] == alone["events"]
        assert {k: v for k, v in batched.items() if k != "video"} == {
            k: v for k, v in alone.items() if k != "video"
        }


def test_rerun_skips_clips_already_done(
    first: tuple[Run, Path], folder: Path, tmp_path: Path
) -> None:
    _, outdir = first
    again = tmp_path / "again"
    shutil.copytree(outdir, again)
    before = (again / "alice__balance" / "summary.json").stat().st_mtime_ns
    moved = folder.parent / f"{folder.name}-moved"
    shutil.copytree(folder, moved)
    (moved / "bob" / "broken.mp4").unlink()
    (moved / "alice" / "balance.mp4").rename(moved / "alice" / "renamed.mp4")
    run = run_cli("batch", moved, "-o", again, *MODEL)
    assert run.code == 0, run.err
    assert "skipped  alice/balance.mp4" not in run.out
    assert "skipped  bob/other side.mp4 (already done in bob__other_side/)" in run.out
    assert "skipped  copy.mp4 (already done in copy/)" in run.out
    assert "copied   alice/renamed.mp4 -> alice__renamed/" in run.out
    assert "analysed" not in run.out
    assert (again / "alice__balance" / "summary.json").stat().st_mtime_ns == before
    table = pd.read_csv(again / "moments.csv", keep_default_na=False)
    assert sorted(set(table["clip"])) == ["alice/renamed.mp4", "bob/other side.mp4", "copy.mp4"]


def test_list_file_with_a_missing_clip(first: tuple[Run, Path], tmp_path: Path) -> None:
    _, outdir = first
    again = tmp_path / "again"
    shutil.copytree(outdir, again)
    listing = tmp_path / "list.txt"
    listing.write_text(f"# one clip\n\n{outdir.parent / 'missing.mp4'}\n")
    run = run_cli("batch", listing, "-o", again, *MODEL)
    assert run.code == 2
    assert "missing.mp4: " in run.err and "Traceback" not in run.err


def test_no_video_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("x")
    run = run_cli("batch", tmp_path / "in", "-o", tmp_path / "out")
    assert run.code == 2
    assert run.err.strip() == f"pronate: error: no video found in {tmp_path / 'in'}"
    run = run_cli("batch", tmp_path / "nowhere", "-o", tmp_path / "out")
    assert run.err.strip() == f"pronate: error: {tmp_path / 'nowhere'} does not exist"


def test_unreachable_dask_scheduler_is_one_error(folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    run = run_cli("batch", folder / "copy.mp4", "-o", tmp_path, "--dask", "tcp://127.0.0.1:9")
    assert run.code == 2
    assert run.err.startswith("pronate: error: cannot reach the Dask scheduler at tcp://")
    assert len(run.err.strip().splitlines()) == 1


def test_dask_local_cluster_gives_the_same_results(
    first: tuple[Run, Path], folder: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    _, local = first
    clips = tmp_path / "clips"
    (clips / "alice").mkdir(parents=True)
    shutil.copy(folder / "alice" / "balance.mp4", clips / "alice" / "balance.mp4")
    shutil.copy(folder / "bob" / "broken.mp4", clips / "broken.mp4")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        run = run_cli(
            "batch", clips, "-o", tmp_path / "out", "--dask", cluster.scheduler_address, *MODEL
        )
    assert run.code == 2
    assert "analysed alice/balance.mp4 -> alice__balance/" in run.out
    assert "pronate: error: broken.mp4: " in run.err
    on_cluster = json.loads((tmp_path / "out" / "alice__balance" / "summary.json").read_text())
    here = json.loads((local / "alice__balance" / "summary.json").read_text())
    assert on_cluster["events"] == here["events"]
    a = pd.read_parquet(tmp_path / "out" / "moments.parquet")
    b = pd.read_parquet(local / "moments.parquet")
    pd.testing.assert_frame_equal(a, b[b["clip"] == "alice/balance.mp4"].reset_index(drop=True))


def test_single_segment_tracking_gives_analyze_s_results(shared_data: Path, tmp_path: Path) -> None:
    """Batch tracks each clip as one segment; ``analyze`` splits a 540-frame clip in two
    (on 2 cores or more): the verdicts are the same and the metrics equal to rounding."""
    from pronate.app.executor import analyse
    from pronate.pipeline import AnalysisRequest
    from pronate.pose.config import TrackConfig

    video = shared_data / "frontal_squat" / "frontal_squat.mp4"
    task = AnalysisRequest(
        video=video,
        outdir=tmp_path / "b",
        track=TrackConfig(model="lite", workers=1),
        write_video=False,
    )
    assert analyse(task).error == ""
    single = run_cli("analyze", video, "-o", tmp_path / "a", "-q", *MODEL)
    assert single.code == 0, single.err
    batched, alone = (json.loads((tmp_path / d / "summary.json").read_text()) for d in "ba")
    assert len(alone["events"]) >= 1
    assert [e["verdict"] for e in batched["events"]] == [e["verdict"] for e in alone["events"]]
    for b, a in zip(batched["events"], alone["events"], strict=True):
        for cb, ca in zip(b["criteria"], a["criteria"], strict=True):
            assert (cb["name"], cb["status"]) == (ca["name"], ca["status"])
        for key, value in a["metrics"].items():
            if isinstance(value, float):
                assert b["metrics"][key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
            else:
                assert b["metrics"][key] == value, key

"""The one executor of batch runs and jobs: outcomes, a crash retried in a fresh pool,
closing, the worker's side (partial folder, never raises)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crash import Bomb
from pronate.app.executor import CRASHED, ROUNDS, Executor, Throttled, analyse
from pronate.pipeline import AnalysisRequest


def test_a_crash_is_retried_in_a_fresh_pool_and_spares_the_others(tmp_path: Path) -> None:
    deaths = tmp_path / "deaths"
    doomed = AnalysisRequest(video=tmp_path / "a.mp4", outdir=tmp_path / "a")
    other = AnalysisRequest(video=tmp_path / "missing.mp4", outdir=tmp_path / "b")
    with Executor(workers=2) as executor:
        crashed = executor.run(doomed, Bomb(deaths))
        assert (crashed.kind, crashed.error) == ("crash", CRASHED)
        assert deaths.read_text() == "x" * (ROUNDS + 1)
        outcomes = {o.request.outdir.name: o for o in executor.run_all([other, other])}
        assert outcomes["b"].kind == "input"  # a fresh pool ran it
        assert "missing.mp4" in outcomes["b"].error


def test_a_closed_executor_runs_nothing(tmp_path: Path) -> None:
    executor = Executor(workers=1)
    executor.close()
    outcome = executor.run(AnalysisRequest(video=tmp_path / "a.mp4", outdir=tmp_path / "a"))
    assert outcome.kind == "crash" and "stopped" in outcome.error
    assert not (tmp_path / "a").exists()


def test_a_failed_analysis_leaves_the_earlier_one_intact(tmp_path: Path) -> None:
    final = tmp_path / "clip"
    final.mkdir()
    (final / "summary.json").write_text("{}")
    outcome = analyse(AnalysisRequest(video=tmp_path / "gone.mp4", outdir=final))
    assert outcome.kind == "input" and "\n" not in outcome.error
    assert outcome.request.outdir == final and outcome.seconds >= 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip"]  # no .clip.partial
    assert (final / "summary.json").read_text() == "{}"


def test_an_unexpected_error_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pronate.app import executor

    def boom(*args: object, **kw: object) -> None:
        raise ZeroDivisionError("a\nbug")

    monkeypatch.setattr(executor, "run_request", boom)
    outcome = analyse(AnalysisRequest(video=tmp_path / "a.mp4", outdir=tmp_path / "a"))
    assert (outcome.kind, outcome.exception) == ("unexpected", "ZeroDivisionError")
    assert outcome.error == "the analysis failed unexpectedly (ZeroDivisionError: a bug)"


def test_a_stop_signal_wrapped_on_its_way_is_a_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM in a worker while an import ran a class body: Python wrapped the worker's
    Interrupted in a RuntimeError, and the analysis 'failed unexpectedly' with a traceback
    (seen in CI, batch stopped by SIGTERM). It is the stop it was."""
    import signal

    from pronate.app import executor
    from pronate.io.signals import Interrupted

    def stopped_in_an_import(*args: object, **kw: object) -> None:
        try:
            raise Interrupted(signal.SIGTERM)
        except Interrupted as exc:
            raise RuntimeError("Error calling __set_name__ on '_axis_method_wrapper'") from exc

    monkeypatch.setattr(executor, "run_request", stopped_in_an_import)
    with pytest.raises(Interrupted) as stop:
        analyse(AnalysisRequest(video=tmp_path / "a.mp4", outdir=tmp_path / "a"))
    assert stop.value.signum == signal.SIGTERM


def test_progress_is_throttled_and_shared_between_stages() -> None:
    heard: list[float] = []
    tracking = Throttled(heard.append, start=0.0, share=0.8, total=10, every_s=3600)
    tracking(5)  # the first call reports, the next ones wait for every_s
    tracking(5)
    drawing = Throttled(heard.append, start=0.8, share=0.2, total=4, every_s=0)
    drawing(2)
    drawing(2)
    assert heard == [0.4, 0.9, 1.0]


def test_an_unreachable_dask_scheduler_is_a_user_error() -> None:
    pytest.importorskip("distributed")
    from pronate.errors import InputError

    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        Executor(dask="tcp://127.0.0.1:9", timeout_s=1)

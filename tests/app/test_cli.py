"""The command line: clear one-line errors for bad input, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest

from pronate.app.cli import main
from pronate.io.video import iter_frames


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code: int, err: str, pattern: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("pronate: error: ")
    assert pattern in lines[0]


def test_missing_video(capsys, tmp_path):
    code, _, err = run(capsys, "track", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "o"))
    assert_clean_error(code, err, "no such file")


def test_not_a_video(capsys, tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("hello\n" * 100)
    code, _, err = run(capsys, "track", str(bad), "-o", str(tmp_path / "o"))
    assert_clean_error(code, err, "not a readable video")


def test_empty_file(capsys, tmp_path):
    bad = tmp_path / "empty.mp4"
    bad.write_bytes(b"")
    code, _, err = run(capsys, "track", str(bad), "-o", str(tmp_path / "o"))
    assert_clean_error(code, err, "empty.mp4")


def test_no_person(capsys, tmp_path, make_clip):
    rng = np.random.default_rng(1)
    frames = [
        np.full((240, 320, 3), 90, np.uint8) + rng.integers(0, 20, (240, 320, 3), dtype=np.uint8)
        for _ in range(20)
    ]
    clip = make_clip("empty_room.mp4", frames)
    out = tmp_path / "o"
    code, _, err = run(capsys, "track", str(clip), "-o", str(out), "--model", "lite", "-q")
    assert_clean_error(code, err, "no person found")
    assert not (out / "pose.nc").exists()


def test_unwritable_output_folder(capsys, tmp_path, make_clip):
    clip = make_clip("c.mp4", [np.zeros((64, 64, 3), np.uint8)] * 3)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "track", str(clip), "-o", str(blocker / "out"), "-q")
    assert_clean_error(code, err, "cannot create output folder")


def test_bad_pick_option_is_an_argparse_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["track", "x.mp4", "-o", str(tmp_path), "--pick", "12"])
    assert exc.value.code == 2
    assert "expected X,Y" in capsys.readouterr().err


@pytest.mark.shared
def test_person_in_too_few_frames(capsys, tmp_path, make_clip, shared_data):
    person = [
        f.image
        for f in iter_frames(shared_data / "frontal_squat/frontal_squat.mp4")
        if f.index < 12
    ]
    blank = [np.full_like(person[0], 120)] * 100
    clip = make_clip("brief.mp4", person + blank, fps=60.0)
    code, _, err = run(
        capsys, "track", str(clip), "-o", str(tmp_path / "o"), "--model", "lite", "-q"
    )
    assert_clean_error(code, err, "seen in only")


def test_models_list(capsys):
    code, out, _ = run(capsys, "models", "list")
    assert code == 0
    assert {line.split()[0] for line in out.splitlines()} == {"lite", "full", "heavy"}


def _choices(command: str, option: str) -> tuple[str, ...]:
    """The choices of ``option`` of the subcommand ``command``."""
    import argparse

    from pronate.app.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in sub.choices[command]._actions if option in a.option_strings)
    assert action.choices is not None
    return tuple(action.choices)


def test_option_choices_are_the_pipeline_s_lists():
    """Models, centre-of-mass tables and views are offered from one list each."""
    from pronate.camera.view import VIEWS
    from pronate.metrics.com import SEXES
    from pronate.pose.config import MODEL_NAMES

    for command in ("track", "analyze", "validate", "batch", "serve"):
        assert _choices(command, "--model") == MODEL_NAMES
    for command in ("analyze", "batch"):
        assert _choices(command, "--sex") == SEXES
    assert _choices("analyze", "--view") == VIEWS

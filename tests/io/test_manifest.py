"""One run per output folder: stale outputs of earlier runs go, the user's files stay."""

from __future__ import annotations

import json

import pytest

from pronate.errors import OutputError
from pronate.io.manifest import MANIFEST_NAME, finish_run


def test_outputs_this_run_did_not_write_are_removed(tmp_path):
    """Issue 9: a --no-video run left the previous run's overlay.mp4 beside its results."""
    for name in ("overlay.mp4", "summary.json", "report.pdf", "notes.txt", "clip.mp4"):
        (tmp_path / name).write_text("old")
    keyframes = tmp_path / "keyframes"
    keyframes.mkdir()
    stale = keyframes / "03_left_squat_4.20s.png"
    kept = keyframes / "01_both_squat_1.05s.png"
    for path in (stale, kept, keyframes / "my_sketch.png"):
        path.write_bytes(b"png")
    (tmp_path / "summary.json").write_text("new")
    manifest = finish_run(
        tmp_path,
        [tmp_path / "summary.json", None, keyframes / "01_both_squat_1.05s.png"],
        command="analyze",
        details={"video": "clip.mp4"},
    )
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["clip.mp4", "keyframes", MANIFEST_NAME, "notes.txt", "summary.json"]
    assert sorted(p.name for p in keyframes.iterdir()) == [kept.name, "my_sketch.png"]
    data = json.loads(manifest.read_text())
    assert data["command"] == "analyze" and data["video"] == "clip.mp4"
    assert [f["name"] for f in data["files"]] == ["keyframes/" + kept.name, "summary.json"]


def test_a_folder_of_keyframes_counts_its_keyframes(tmp_path):
    keyframes = tmp_path / "keyframes"
    keyframes.mkdir()
    (keyframes / "left_vs_right.png").write_bytes(b"png")
    finish_run(tmp_path, [keyframes], command="analyze")
    data = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert [f["name"] for f in data["files"]] == ["keyframes/left_vs_right.png"]


def test_empty_keyframes_folder_of_an_earlier_run_goes(tmp_path):
    keyframes = tmp_path / "keyframes"
    keyframes.mkdir()
    (keyframes / "01_left_single_leg_stance_2.35s.png").write_bytes(b"png")
    finish_run(tmp_path, [], command="track")
    assert not keyframes.exists()


def test_a_stale_output_that_cannot_be_removed_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "overlay.mp4").write_bytes(b"old")

    def refuse(self, missing_ok=False):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(tmp_path), "unlink", refuse)
    with pytest.raises(OutputError, match=r"overlay\.mp4 of an earlier run"):
        finish_run(tmp_path, [], command="analyze")

"""The parts of ``pronate batch`` without video: names, discovery, table rows, index."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pronate.app.batch.discover import find_clips, safe_name
from pronate.app.batch.index import BatchIndex
from pronate.app.batch.table import clip_rows
from pronate.errors import InputError


def test_safe_names() -> None:
    assert safe_name("alice/week 1/squat.mp4") == "alice__week_1__squat"
    assert safe_name("../x/é.mov") == "x___"
    assert safe_name("/abs/path/clip.mp4") == "abs__path__clip"


def test_folder_clients_names_and_what_is_passed_over(tmp_path: Path) -> None:
    for name in ["alice/a.mp4", "alice/a.MOV", "b.mp4", "notes.txt", ".hidden/c.mp4", "o/x.mp4"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = find_clips(tmp_path, exclude=tmp_path / "o")
    got = [(c.relative, c.client, c.folder) for c in found.clips]
    assert got[0] == ("alice/a.MOV", "alice", "alice__a")
    assert got[1][:2] == ("alice/a.mp4", "alice")
    assert got[1][2].startswith("alice__a-")  # same safe name: made unique
    assert got[2] == ("b.mp4", "", "b")
    assert found.ignored == ["notes.txt"]


def test_list_file(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "list.txt").write_text(f"# clips\n\nc/one.mp4\n{tmp_path / 'two.avi'}\nc/one.mp4\n")
    found = find_clips(tmp_path / "list.txt")
    assert [(c.relative, c.client) for c in found.clips] == [("c/one.mp4", "c"), ("two.avi", "")]
    with pytest.raises(InputError, match="no video found"):
        (tmp_path / "empty.txt").write_text("# nothing\n")
        find_clips(tmp_path / "empty.txt")


def test_a_moment_of_both_legs_gives_a_row_per_leg() -> None:
    event = {
        "side": "both",
        "kind": "squat",
        "start_s": 1.0,
        "peak_s": 1.5,
        "end_s": 2.0,
        "verdict": "partial",
        "legs": {"left": "pronation", "right": "missing"},
        "confidence": "normal",
        "metrics": {"knee_fppa_left_deg": 8.0, "knee_fppa_right_deg": -2.0, "stance": "both"},
        "uncertainty": {"knee_fppa_left_deg": 10.0, "knee_fppa_right_deg": 10.0},
    }
    rows = clip_rows({"events": [event]}, clip="a.mp4", client="", folder="a")
    assert [(r["leg"], r["leg_verdict"], r["knee_fppa_deg"]) for r in rows] == [
        ("left", "pronation", 8.0),
        ("right", "missing", -2.0),
    ]
    assert all(r["verdict"] == "partial" and r["knee_fppa_deg_unc"] == 10.0 for r in rows)
    assert math.isnan(rows[0]["pelvic_obliquity_deg"])


def test_index_keeps_one_analysis_per_folder(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text("{}")
    index = BatchIndex(tmp_path)
    index.record("k1", "a")
    index.record("k1", "b")
    index.record("k2", "a")  # a re-analysed with other settings
    index.save()
    again = BatchIndex(tmp_path)
    assert [p.name for p in again.folders("k1")] == ["b"]
    assert [p.name for p in again.folders("k2")] == ["a"]
    (tmp_path / "b" / "summary.json").unlink()
    assert again.folders("k1") == []


def test_an_unreadable_summary_fails_that_clip_only(tmp_path: Path) -> None:
    from pronate.app.batch.discover import Clip
    from pronate.app.batch.run import ClipReport, _table_rows

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "summary.json").write_text("{not json")
    report = ClipReport(Clip(tmp_path / "a.mp4", "a.mp4", "", "a"), "skipped")
    heard: list[ClipReport] = []
    assert _table_rows([report], tmp_path, heard.append) == []
    assert report.status == "failed" and "summary.json cannot be read" in report.error
    assert heard == [report]


@pytest.mark.parametrize(
    ("cores", "workers", "segments"),
    [(2, 2, 1), (2, 1, 2), (8, 2, 4), (8, 4, 2), (4, 8, 1), (16, 1, 4), (1, 1, 1)],
)
def test_clips_fill_the_cores_first_then_share_what_is_left(cores, workers, segments) -> None:
    from pronate.app.batch.run import segments_per_clip

    assert segments_per_clip(cores=cores, workers=workers) == segments


def test_linked_folders_are_followed_once_and_what_is_skipped_is_named(tmp_path: Path) -> None:
    """Issue 24 defect 8: a linked client folder was skipped without a word (rc 0), and
    so were the clips under an OUTDIR inside DIR."""
    clips, store = tmp_path / "clips", tmp_path / "store"
    for name in ["clips/alice/a.mp4", "store/carol/squat.mp4", "clips/out/alice__a/overlay.mp4"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    (clips / "carol").symlink_to(store / "carol")  # a client kept on another disk
    (clips / "alice" / "again").symlink_to(clips)  # a loop
    (clips / "dead.mp4").symlink_to(tmp_path / "gone.mp4")
    found = find_clips(clips, exclude=clips / "out")
    assert [(c.relative, c.client) for c in found.clips] == [
        ("alice/a.mp4", "alice"),
        ("carol/squat.mp4", "carol"),
    ]
    assert sorted(found.skipped) == [
        f"1 video(s) under the output folder {(clips / 'out').resolve()}",
        "alice/again/ (a link to a folder already searched)",
        "dead.mp4 (a link leading nowhere)",
    ]


def test_a_list_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    """Issue 24 defect 7: a batch list saved with a UTF-8 BOM failed."""
    (tmp_path / "list.txt").write_text("\ufeffc/one.mp4\nc/two.mp4\n", encoding="utf-8")
    found = find_clips(tmp_path / "list.txt")
    assert [c.relative for c in found.clips] == ["c/one.mp4", "c/two.mp4"]


def test_the_output_folder_cannot_be_the_folder_of_clips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24 defect 8: ``-o DIR`` said "no video found" (its clips taken for outputs)."""
    from pronate.app.cli import main

    (tmp_path / "a.mp4").write_bytes(b"")
    assert main(["batch", str(tmp_path), "-o", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("pronate: error: -o ") and "is the folder of clips itself" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]

"""Pass 1 of a recording: what counts as a whole body, cuts, findings kept and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pronate.pipeline.recording.scan import (
    HEAD,
    LEGS,
    ScanFindings,
    ScanSettings,
    _cut,
    whole_body,
)
from pronate.pose.landmarker import Detection

W, H = 640, 360


def person(
    *,
    legs_conf: float | list[float] = 0.9,
    feet_y: float = 300.0,
    top_y: float = 40.0,
) -> Detection:
    """A standing person: head at ``top_y``, feet at ``feet_y``; ``legs_conf`` of the
    hips, knees and ankles (left hip, knee, ankle, then right)."""
    pos = np.zeros((33, 3))
    pos[:, 0] = 320.0
    pos[:, 1] = np.linspace(top_y, feet_y, 33)
    pos[list(HEAD), 1] = top_y
    for i, k in enumerate(LEGS):
        pos[k, 1] = (top_y + feet_y) / 2 + (feet_y - top_y) / 2 * (i % 3) / 2
    conf = np.full(33, 0.95)
    conf[list(LEGS)] = legs_conf
    return Detection(position=pos, confidence=conf, world=np.zeros((33, 3)))


def test_a_whole_body_is_boxed() -> None:
    box = whole_body(person(), width=W, height=H, settings=ScanSettings())
    assert box == (320.0, 40.0, 320.0, 300.0)
    # seen from behind (cam03 of the balancing trial, the lite model): the far leg unsure
    back = person(legs_conf=[1.0, 0.83, 0.83, 1.0, 0.28, 0.42])
    assert whole_body(back, width=W, height=H, settings=ScanSettings()) is not None


@pytest.mark.parametrize(
    "det",
    [
        person(legs_conf=0.3),  # legs guessed, not seen
        person(legs_conf=[0.97, 0.04, 0.02, 0.98, 0.05, 0.02]),  # a talking head (measured)
        person(legs_conf=[0.84, 0.2, 0.13, 0.91, 0.22, 0.23]),  # an ankle lost
        person(legs_conf=[0.4, 0.9, 0.9, 0.9, 0.9, 0.9]),  # a hip unsure
        person(feet_y=400.0),  # feet below the picture
        person(top_y=280.0, feet_y=300.0),  # 20 px tall: not a body in view
    ],
)
def test_no_whole_body(det: Detection) -> None:
    assert whole_body(det, width=W, height=H, settings=ScanSettings()) is None


def test_a_cut_is_a_big_change_of_the_picture() -> None:
    a = np.full((18, 32, 3), 100, np.float32)
    assert not _cut(None, a, level=30)
    assert not _cut(a, a + 10, level=30)  # light changes, someone moves
    assert _cut(a, a + 80, level=30)


def test_findings_are_kept_and_read_back(tmp_path: Path) -> None:
    found = ScanFindings(
        times=[0.0, 0.25],
        seen=[False, True],
        boxes=[(np.nan,) * 4, (1.0, 2.0, 3.0, 4.0)],  # type: ignore[list-item]
        next_frame=9,
        next_sample=2,
        frames=9,
        last_time_s=0.27,
        cuts=[0.1],
        thumb=np.ones((18, 32, 3), np.float32),
        warnings=["decoding stopped after 9 frames"],
    )
    back = ScanFindings.load(found.save(tmp_path / "scan.npz"))
    assert back is not None
    assert (back.times, back.seen, back.cuts) == (found.times, found.seen, found.cuts)
    assert np.array_equal(np.array(back.boxes), np.array(found.boxes), equal_nan=True)
    assert (back.next_frame, back.next_sample, back.frames, back.done) == (9, 2, 9, False)
    assert back.thumb is not None and np.array_equal(back.thumb, found.thumb)
    assert back.warnings == ["decoding stopped after 9 frames"]
    (tmp_path / "bad.npz").write_bytes(b"not numpy")
    assert ScanFindings.load(tmp_path / "bad.npz") is None
    assert ScanFindings.load(tmp_path / "none.npz") is None

"""Time and geometry from the file's truth (issue 24): a raw stream's rate, a clock with
ties, steps back and holes read once for every reader, the main picture stream, and
non-square pixels."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from clips import (
    write_anamorphic,
    write_clip,
    write_raw_h264,
    write_stamped_clip,
    write_with_thumbnail,
)
from pronate.io.video import frame_times, iter_frames, probe_video


def pictures(n: int, *, w: int = 96, h: int = 64) -> list[np.ndarray]:
    """``n`` frames, each a different grey with a bright square that moves right."""
    out = []
    for i in range(n):
        image = np.full((h, w, 3), (i * 37) % 200, np.uint8)
        image[10:30, 2 + i % (w - 24) : 22 + i % (w - 24)] = 255
        out.append(image)
    return out


ODD_MS = [0, 50, 100, 100, 200, 250, 300, 280, 400, 450, 500, 550, 550, 550, 700, 750]
"""A clock with a tie (frame 3), a step back (frame 7), a triple (frames 11-13)."""


def test_a_raw_stream_is_timed_by_the_rate_its_codec_declares(tmp_path):
    """Issue 24 defect 6: a raw .h264 recorded at 60 fps was analysed at 25 fps."""
    clip = write_raw_h264(tmp_path / "clip.h264", pictures(30), fps=60)
    info = probe_video(clip)
    assert info.fps == pytest.approx(60.0)
    times = [f.time_s for f in iter_frames(clip)]
    assert len(times) == 30
    assert np.diff(times) == pytest.approx(np.full(29, 1 / 60))
    from pronate.io.timeline import read_timeline

    assert any("raw video stream" in w for w in read_timeline(clip).warnings("clip.h264"))


def test_ties_and_steps_back_are_repaired_once_for_every_reader(tmp_path):
    """Issue 24 defect 5: frames with a tied or backward time were dropped, differently
    by each tracking segment."""
    clip = write_stamped_clip(tmp_path / "odd.mkv", pictures(len(ODD_MS)), times_ms=ODD_MS)
    assert probe_video(clip).fps == pytest.approx(20.0)  # the frames' pace, not the header's
    times = frame_times(clip)
    assert len(times) == len(ODD_MS)  # every frame kept
    assert np.all(np.diff(times) > 0)
    assert times[3] == pytest.approx(0.15) and times[7] == pytest.approx(0.35)
    frames = list(iter_frames(clip))
    assert [f.index for f in frames] == list(range(len(ODD_MS)))
    assert [f.time_s for f in frames] == pytest.approx(list(times))
    for start in (3, 7, 12):  # a segment starting anywhere sees the same frames
        part = list(iter_frames(clip, start=start, stop=start + 3))
        assert [f.index for f in part] == [start, start + 1, start + 2]
        assert [f.time_s for f in part] == pytest.approx(list(times[start : start + 3]))
        for f in part:
            assert np.array_equal(f.image, frames[f.index].image)
    from pronate.io.timeline import read_timeline

    timeline = read_timeline(clip)
    assert not timeline.regular and timeline.repaired == 4
    (said,) = timeline.warnings("odd.mkv")
    assert "4 frame(s) of odd.mkv" in said and "one piece" in said


def test_clean_times_spreads_ties_and_reads_a_big_step_back_as_a_reset():
    from pronate.io.timeline import clean_times

    step = 0.1
    tie, n = clean_times(np.array([0, 0.1, 0.1, 0.3, 0.4]), step=step)
    assert tie == pytest.approx([0, 0.1, 0.2, 0.3, 0.4]) and n == 1
    reset, n = clean_times(np.array([0, 0.1, 0.2, 0.0, 0.1, 0.2]), step=step)
    assert reset == pytest.approx([0, 0.1, 0.2, 0.3, 0.4, 0.5]) and n == 1
    unknown, n = clean_times(np.array([0, np.nan, 0.2, 0.3]), step=step)
    assert unknown == pytest.approx([0, 0.1, 0.2, 0.3]) and n == 1
    regular = np.arange(10) * 0.04
    assert clean_times(regular, step=0.04) == (pytest.approx(regular), 0)


def test_a_hole_in_the_clock_is_found_and_the_rate_is_that_of_the_frames(tmp_path):
    """Issue 24 defect 6: a 10-s hole gave "13.8 fps" and no word."""
    times = np.concatenate([np.arange(60) / 30, 12 + np.arange(60) / 30])
    clip = write_clip(tmp_path / "hole.mp4", pictures(120), times_s=times)
    info = probe_video(clip)
    assert info.fps == pytest.approx(30.0, rel=0.02)
    from pronate.io.timeline import find_holes, read_timeline

    (hole,) = read_timeline(clip).holes
    assert hole.index == 60 and hole.gap_s == pytest.approx(10.0, abs=0.05)
    (said,) = read_timeline(clip).warnings("hole.mp4")
    assert "jump 10.0 s after 1.97 s (frame 60)" in said
    assert find_holes(np.arange(100) / 30) == ()


def test_the_main_stream_is_read_never_a_thumbnail(tmp_path):
    """Issue 24 defect 6: a file whose first video stream is a small preview was
    analysed on the preview."""
    clip = write_with_thumbnail(tmp_path / "thumb.mp4", pictures(12, w=160, h=120))
    info = probe_video(clip)
    assert (info.width, info.height) == (160, 120)
    frames = list(iter_frames(clip))
    assert len(frames) == 12 and frames[0].image.shape == (120, 160, 3)
    assert len(frame_times(clip)) == 12


def test_an_anamorphic_clip_is_delivered_on_square_pixels(tmp_path):
    """Issue 24 defect 6: a clip with 4:3 pixels was measured on stretched pixels."""
    shown = pictures(6, w=160, h=120)
    clip = write_anamorphic(tmp_path / "ana.mp4", shown, aspect=Fraction(4, 3))
    info = probe_video(clip)
    assert (info.width, info.height) == (160, 120)
    image = next(iter_frames(clip)).image
    assert image.shape == (120, 160, 3)
    assert info.pixel_aspect == pytest.approx(4 / 3)
    square = shown[0][10:30].astype(int)  # the bright square is as wide as it was shown
    assert np.abs(image[10:30].astype(int) - square).mean() < 12

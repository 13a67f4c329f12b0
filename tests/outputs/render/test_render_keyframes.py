"""Key frames: one annotated PNG per loading moment at its peak, and left vs right."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from render_testkit import pose_dataset, write_clip

from hand_made import assessment
from pronate.outputs.render import FrameDataBuilder, default_annotators, write_keyframes
from pronate.outputs.render.keyframe_pictures import caption, side_by_side
from pronate.outputs.render.keyframes import best_moment, keyframe_name, nearest_frames
from pronate.verdict.assessment import Assessment

N, FPS, SIZE = 60, 20, (160, 288)


def moment(
    side: str,
    peak: float,
    verdict: str = "pronation",
    length: float = 0.4,
    kind: str = "single_leg_stance",
) -> Assessment:
    return assessment(side, kind, peak - length / 2, peak, peak + length / 2, verdict, fps=FPS)


def read_png(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "in.mp4", n=N, fps=FPS, frame_size=SIZE)


@pytest.fixture
def builder() -> FrameDataBuilder:
    return FrameDataBuilder(pose_dataset(n=N, fps=FPS, frame_size=SIZE))


def test_names() -> None:
    assert keyframe_name(moment("left", 2.349), 1) == "01_left_single_leg_stance_2.35s.png"
    assert keyframe_name(moment("both", 0.5, kind="Squat rep"), 12) == "12_both_squat_rep_0.50s.png"


def test_keyframe_at_each_peak(tmp_path: Path, clip: Path, builder: FrameDataBuilder) -> None:
    moments = [  # not in order: numbered by start
        assessment("right", "step_down", 1.0, 1.46, 1.9, "collapse", fps=FPS),
        assessment("left", "single_leg_stance", 2.5, 2.95, 3.0, "partial", fps=FPS),
        assessment("left", "single_leg_stance", 0.2, 0.52, 0.8, "pronation", fps=FPS),
    ]
    out = write_keyframes(clip, tmp_path, moments, builder, default_annotators())
    names = [p.name for p in out.keyframes.values()]
    assert names == [
        "01_left_single_leg_stance_0.52s.png",
        "02_right_step_down_1.46s.png",
        "03_left_single_leg_stance_2.95s.png",
    ]
    assert out.directory == tmp_path / "keyframes"
    # the frame nearest each peak: frame i has grey 3 i + 20 in its top-left corner
    for path, peak in zip(out.keyframes.values(), (0.52, 1.46, 2.95), strict=True):
        image = read_png(path)
        assert image.shape[1] == SIZE[0] and image.shape[0] > SIZE[1]  # caption bar added
        bar = image.shape[0] - SIZE[1]
        grey = float(image[bar + 4 : bar + 10, 4:10].mean())
        assert round((grey - 20) / 3) == round(peak * FPS)
    assert out.left_moment == 1 and out.right_moment == 2
    assert out.left_vs_right is not None
    pair = read_png(out.left_vs_right)
    assert pair.shape[1] > 2 * SIZE[0]


def test_keyframes_are_scaled_down(tmp_path: Path, clip: Path, builder: FrameDataBuilder) -> None:
    out = write_keyframes(clip, tmp_path, [moment("left", 1.0)], builder, [], max_size=200)
    image = read_png(out.keyframes[1])
    assert max(image.shape[:2]) == 200


def test_stale_keyframes_are_removed(tmp_path: Path, clip: Path, builder: FrameDataBuilder) -> None:
    folder = tmp_path / "keyframes"
    folder.mkdir()
    (folder / "07_left_squat_9.99s.png").write_bytes(b"old")
    (folder / "left_vs_right.png").write_bytes(b"old")
    (folder / "notes.txt").write_text("mine")
    out = write_keyframes(clip, tmp_path, [moment("right", 1.0)], builder, [])
    assert sorted(p.name for p in folder.iterdir()) == [
        "01_right_single_leg_stance_1.00s.png",
        "left_vs_right.png",
        "notes.txt",
    ]
    assert out.left_moment is None and out.right_moment == 1
    none = write_keyframes(clip, tmp_path, [], builder, [])
    assert none.keyframes == {} and none.left_vs_right is None
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_peak_after_the_last_frame(tmp_path: Path, clip: Path, builder: FrameDataBuilder) -> None:
    out = write_keyframes(clip, tmp_path, [moment("left", 10.0)], builder, [])
    image = read_png(out.keyframes[1])
    bar = image.shape[0] - SIZE[1]
    assert round((float(image[bar + 4 : bar + 10, 4:10].mean()) - 20) / 3) == N - 1


def test_best_moment() -> None:
    moments = [
        moment("both", 1.0, length=2.0, kind="squat"),
        moment("left", 3.0, verdict="unmeasurable", length=1.0),
        moment("left", 5.0, verdict="missing", length=0.5),
        moment("left", 7.0, verdict="collapse", length=0.8),
        moment("left", 9.0, verdict="partial", length=0.8),
    ]
    assert best_moment(moments, "left") is moments[3]  # single-leg, measurable, longest, first
    assert best_moment(moments, "right") is moments[0]  # bilateral when nothing else
    assert best_moment(moments[1:3], "left") is moments[2]  # measurable over longer
    assert best_moment([], "left") is None


def test_caption_and_side_by_side() -> None:
    image = np.zeros((300, 200, 3), dtype=np.uint8)
    framed = caption(image, moment("left", 2.0), number=1)
    assert framed.shape[1] == 200 and framed.shape[0] > 300
    assert np.array_equal(framed[-300:], image)  # the picture itself is not covered
    both = side_by_side(framed, None)
    assert both.shape[0] == framed.shape[0] and both.shape[1] > 2 * 200
    with pytest.raises(ValueError):
        side_by_side(None, None)


def test_bilateral_only_gives_one_picture(
    tmp_path: Path, clip: Path, builder: FrameDataBuilder
) -> None:
    out = write_keyframes(clip, tmp_path, [moment("both", 1.0, kind="squat")], builder, [])
    assert out.left_moment == out.right_moment == 1
    assert out.left_vs_right is not None
    assert read_png(out.left_vs_right).shape == read_png(out.keyframes[1]).shape


def test_nearest_frames_of_peaks() -> None:
    times = np.array([0.0, 0.1, 0.2, 0.35, 0.4])
    assert nearest_frames(times, [0.26, -1.0, 0.12, 9.0, 0.11]) == [0, 1, 2, 4]
    assert nearest_frames(times[:1], [3.0]) == [0]

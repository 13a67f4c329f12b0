"""overlay.mp4: same frame count and rate as the input, annotated, streamed."""

from __future__ import annotations

import tracemalloc
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from render_testkit import BACKGROUND, pose_dataset, write_clip

from hand_made import analysis_with, assessment
from pronate.errors import InputError
from pronate.io.video import Frame
from pronate.outputs.render import (
    FrameDataBuilder,
    SkeletonAnnotator,
    default_annotators,
    render_outputs,
    write_overlay,
)

ANALYSIS = analysis_with(
    [
        assessment("left", "single_leg_stance", 0.3, 0.6, 0.9, "pronation"),
        assessment("right", "single_leg_stance", 1.2, 1.5, 1.8, "collapse"),
    ]
)


def decoded(path: Path) -> tuple[int, Fraction, list[np.ndarray]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        rate = stream.average_rate
    assert rate is not None
    return len(frames), Fraction(rate), frames


@pytest.mark.parametrize(
    ("n", "fps", "size"),
    [(48, 24, (160, 288)), (61, 30, (320, 180)), (30, 60, (161, 121))],
)
def test_overlay_keeps_frame_count_and_rate(
    tmp_path: Path, n: int, fps: int, size: tuple[int, int]
) -> None:
    even = (size[0] - size[0] % 2, size[1] - size[1] % 2)
    clip = write_clip(tmp_path / "in.mp4", n=n, fps=fps, frame_size=size)
    pose = pose_dataset(n=n, fps=fps, frame_size=even, sway_px=10)
    builder = FrameDataBuilder(pose, ANALYSIS)
    out = write_overlay(clip, tmp_path / "overlay.mp4", builder, default_annotators())
    count_in, rate_in, _ = decoded(clip)
    count_out, rate_out, frames = decoded(out.path)
    assert count_out == count_in == n == out.frames
    assert rate_out == rate_in and out.fps == pytest.approx(float(rate_in))
    assert frames[0].shape == (even[1], even[0], 3) == (out.height, out.width, 3)
    with av.open(str(out.path)) as container:
        ctx = container.streams.video[0].codec_context
        assert ctx.name == "h264" and ctx.pix_fmt == "yuv420p"


def test_overlay_draws_on_every_frame_and_skips_none(tmp_path: Path) -> None:
    n, fps, size = 20, 20, (160, 288)
    clip = write_clip(tmp_path / "in.mp4", n=n, fps=fps, frame_size=size)
    builder = FrameDataBuilder(pose_dataset(n=n, fps=fps, frame_size=size))
    seen: list[int] = []
    counts: list[int] = []

    def data_fn(index: int):  # type: ignore[no-untyped-def]
        return builder(index) if index % 2 == 0 else None

    def on_frame(frame: Frame) -> None:
        seen.append(frame.index)

    out = write_overlay(
        clip,
        tmp_path / "o.mp4",
        data_fn,
        [SkeletonAnnotator()],
        progress=counts.append,
        on_frame=on_frame,
    )
    assert seen == list(range(n)) and counts == list(range(1, n + 1)) and out.frames == n
    _, _, frames = decoded(out.path)
    plain = np.array(BACKGROUND)
    for i, image in enumerate(frames):
        centre = image[size[1] // 3 : 2 * size[1] // 3, size[0] // 3 : 2 * size[0] // 3]
        off = np.abs(centre.astype(int) - plain).max(axis=2) > 40
        assert off.any() == (i % 2 == 0), i


def test_overlay_failure_keeps_no_partial_file(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "in.mp4", n=10, fps=10, frame_size=(160, 288))
    pose = pose_dataset(n=10, fps=10, frame_size=(200, 300))  # wrong size for the clip
    target = tmp_path / "overlay.mp4"
    with pytest.raises(ValueError, match="data is for"):
        write_overlay(clip, target, FrameDataBuilder(pose), default_annotators())
    assert not target.exists()
    assert not list(tmp_path.glob(".overlay.mp4.*"))
    with pytest.raises(InputError):
        write_overlay(tmp_path / "missing.mp4", target, FrameDataBuilder(pose), [])


def test_render_outputs_one_pass_and_no_video(tmp_path: Path) -> None:
    n, fps, size = 45, 25, (160, 288)
    clip = write_clip(tmp_path / "in.mp4", n=n, fps=fps, frame_size=size)
    pose = pose_dataset(n=n, fps=fps, frame_size=size)
    out = render_outputs(clip, tmp_path / "a", pose=pose, analysis=ANALYSIS)
    assert out.overlay is not None and out.overlay.frames == n
    assert (tmp_path / "a" / "overlay.mp4").is_file()
    assert sorted(out.keyframes.keyframes) == [1, 2]
    quiet = render_outputs(clip, tmp_path / "b", pose=pose, analysis=ANALYSIS, write_video=False)
    assert quiet.overlay is None and not (tmp_path / "b" / "overlay.mp4").exists()
    assert [p.name for p in quiet.keyframes.keyframes.values()] == [
        p.name for p in out.keyframes.keyframes.values()
    ]
    bare = render_outputs(clip, tmp_path / "c", pose=pose, analysis=None)  # the skeleton only
    assert bare.overlay is not None and bare.overlay.frames == n
    assert bare.keyframes.keyframes == {} and bare.keyframes.left_vs_right is None


def test_overlay_streams_with_flat_memory(tmp_path: Path) -> None:
    """Python-side memory stays bounded by a few frames, however long the clip."""
    n, fps, size = 150, 30, (320, 240)
    clip = write_clip(tmp_path / "in.mp4", n=n, fps=fps, frame_size=size)
    builder = FrameDataBuilder(pose_dataset(n=n, fps=fps, frame_size=size))
    annotators = default_annotators()
    frame_bytes = size[0] * size[1] * 3
    tracemalloc.start()
    try:
        write_overlay(clip, tmp_path / "o.mp4", builder, annotators)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * frame_bytes, f"peak {peak / frame_bytes:.0f} frames for a {n}-frame clip"

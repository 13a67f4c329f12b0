"""Live = offline (issue 20, part 4): a live window reads the camera roll from the room's
lines in its own pictures, as the offline analysis reads it from the clip's frames, so a
moment saved live is judged with the clip's camera."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import scenes
from pronate.app.live.window import Frame, SceneLines, window_pose, window_segments
from pronate.camera.body import observe
from pronate.camera.scene import sample_indices, scene_segments


def test_scene_lines_are_read_again_after_a_while() -> None:
    scene = SceneLines(every_s=10.0)
    assert scene.known(0.0) is None  # nothing read yet
    lines = np.ones((3, 4))
    scene.keep(2.0, None)  # nothing could be read: try again
    assert scene.known(2.5) is None
    scene.keep(2.0, lines)
    assert scene.known(2.0) is lines and scene.known(11.9) is lines
    assert scene.known(12.0) is None and scene.known(1.0) is None  # stale, or a restart


def test_window_frames_without_pictures_have_no_lines() -> None:
    nan = np.full((33, 3), np.nan)
    frames = [Frame(i / 30, nan, np.zeros(33), nan, None, (64, 64)) for i in range(30)]
    assert window_segments(frames) is None


@pytest.mark.shared
@pytest.mark.model
def test_a_window_gets_the_clips_roll(shared_data: Path, tracked_clip: object) -> None:
    pose = tracked_clip("frontal_squat")  # type: ignore[operator]
    video = shared_data / "frontal_squat" / "frontal_squat.mp4"
    clip = observe(pose, segments=scene_segments(video, pose["position"].values)).camera
    assert clip.roll_method == "scene_lines"
    t = pose["time"].values
    size = (int(pose.attrs["image_width"]), int(pose.attrs["image_height"]))
    windows = [np.flatnonzero((t > end - 4.0) & (t <= end)) for end in (4.0, 6.0, 8.0)]
    wanted = {int(sel[i]) for sel in windows for i in sample_indices(len(sel))}
    images = {i: _jpeg(f) for i, f in enumerate(scenes.frames_of(video)) if i in wanted}
    with_lines, without = [], []
    for sel in windows:  # three windows of 4 s, as live reads them
        frames = [
            Frame(
                float(t[i]),
                pose["position_raw"].values[i],
                pose["confidence"].values[i],
                pose["world_raw"].values[i],
                images.get(int(i)),  # the pictures the page sent, where they are read
                size,
            )
            for i in sel
        ]
        window = window_pose(frames, model=str(pose.attrs["model"]))
        with_lines.append(observe(window, segments=window_segments(frames)).camera.roll_deg)
        without.append(observe(window).camera.roll_deg)
    # measured: the clip -1.47 deg; windows with their lines -1.46..-1.52, without (the
    # body's axis) -0.84..+0.44
    assert max(abs(r - clip.roll_deg) for r in with_lines) < 0.2, (clip.roll_deg, with_lines)
    assert max(abs(r - clip.roll_deg) for r in without) > 0.5, (clip.roll_deg, without)


def _jpeg(rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return data.tobytes()

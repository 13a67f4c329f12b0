"""Camera roll from the room's vertical lines (pronate.camera.scene) and the camera stage."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pronate.camera import scene
from pronate.camera.body import observe
from pronate.camera.view import ViewInfo, placement
from pronate.pose.keypoints import KEYPOINT_INDEX


def _room(*, vp: tuple[float, float], size: tuple[int, int] = (800, 1000)) -> np.ndarray:
    """A grey picture with eight 'door frame' lines converging on ``vp`` (x, y), and two
    floor lines that do not."""
    w, h = size
    image = np.full((h, w, 3), 120, np.uint8)
    for x in (60, 140, 220, 300, 500, 580, 660, 740):
        top, bottom = np.array([x, 80.0]), np.array([x, 0.0])
        d = np.array(vp) - top
        bottom = top + d * (700.0 / np.linalg.norm(d))
        cv2.line(image, tuple(map(int, top)), tuple(map(int, bottom.round())), (250, 250, 250), 3)
    cv2.line(image, (50, 900), (750, 960), (20, 20, 20), 3)
    cv2.line(image, (50, 860), (400, 640), (20, 20, 20), 3)
    return image


@pytest.mark.parametrize("vp", [(400.0, 6000.0), (-1500.0, 5000.0), (2600.0, -4000.0)])
def test_vanishing_point_gives_the_roll_at_a_point(vp: tuple[float, float]) -> None:
    """The roll at a pixel is the direction from the vertical vanishing point to it."""
    image = _room(vp=vp)
    segments = scene.detect_segments(image)
    point = np.array([400.0, 500.0])
    truth = scene.up_angle_deg(point - np.array(vp))
    if abs(truth) > 90:  # a vanishing point above: world-up points toward it
        truth = scene.up_angle_deg(np.array(vp) - point)
    found = scene.vertical_vanishing_point(segments, up_deg=truth, width=800, height=1000)
    assert found is not None and found.usable
    assert scene.roll_at(found, point, up_deg=0.0) == pytest.approx(truth, abs=0.5)


def test_no_lines_no_roll_and_black_borders_are_ignored() -> None:
    """A plain wall gives nothing; the edges of a black border (a rotated copy,
    letterboxing) are not verticals of the room."""
    plain = np.full((600, 400, 3), 128, np.uint8)
    assert (
        scene.vertical_vanishing_point(
            scene.detect_segments(plain), up_deg=0.0, width=400, height=600
        )
        is None
    )
    m = cv2.getRotationMatrix2D((200, 300), 12.0, 0.8)
    rotated = cv2.warpAffine(plain, m, (400, 600))  # grey rectangle on black, tilted 12 deg
    assert len(scene.detect_segments(rotated)) == 0


@pytest.mark.parametrize(
    ("yaw", "words"),
    [
        (-30.0, "toward their left so it faces them"),
        (40.0, "toward their right so it faces them"),
        (130.0, "50 deg around the client so it is straight behind them"),
    ],
)
def test_placement_hint_in_the_coach_words(yaw: float, words: str) -> None:
    reason, hint = placement(ViewInfo("oblique", yaw, False, "auto"))
    assert words in hint and "deg off the client's" in reason


# ------------------------------------------------------------------ real clips


def _rotate(image: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """The frame rotated counter-clockwise on screen by ``angle`` on a canvas that holds
    all of it (black corners), and the 2x3 map of its pixels."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * s + w * c), int(h * c + w * s)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, m, (nw, nh)), m


def _calibrated_roll(trc, camera) -> float:
    """Median over frames of the image direction of world-up at the pelvis."""
    from pronate.validation.reference import DEFAULT_AXES, marker_keypoint_pairs, project
    from pronate.validation.reference.dataset import _keypoint_array

    pairs = marker_keypoint_pairs([str(m) for m in trc["marker"].values])
    world = _keypoint_array(trc, pairs, axes=DEFAULT_AXES)
    pelvis = 0.5 * (world[:, KEYPOINT_INDEX["left_hip"]] + world[:, KEYPOINT_INDEX["right_hip"]])
    up = project(pelvis + np.array([0.0, 0.0, 0.1]), camera) - project(pelvis, camera)
    return float(np.median([scene.up_angle_deg(v) for v in up]))


@pytest.mark.shared
@pytest.mark.model
@pytest.mark.parametrize("cam", ["cam01", "cam03"])
def test_roll_found_on_rotated_copies(cam, tracked_clip, balancing_mocap, shared_data) -> None:
    """Issue 8: the roll is found within 2 deg of the calibration's (the camera's own roll
    plus the rotation applied), with no quiet stance in the clip."""
    trc, cameras = balancing_mocap
    truth = _calibrated_roll(trc, cameras[cam])
    pose = tracked_clip(f"balancing_{cam}")
    frames = scene.sample_frames(shared_data / "pose2sim_balancing" / f"{cam}.mp4")
    for angle in (0.0, 10.0, -10.0, 25.0, -25.0):
        rotated = [_rotate(f, angle) for f in frames]
        m = rotated[0][1]
        moved = pose.copy(deep=True)
        xy = moved["position"].values[..., :2]
        moved["position"].values[..., :2] = xy @ m[:, :2].T + m[:, 2]
        moved.attrs.update(image_width=rotated[0][0].shape[1], image_height=rotated[0][0].shape[0])
        box = scene.subject_box(moved["position"].values)
        segments = np.concatenate(
            [scene.detect_segments(r, exclude_boxes=[box]) for r, _ in rotated]
        )
        camera = observe(moved, segments=segments).camera
        assert camera.roll_method == "scene_lines", (angle, str(camera.roll_detail))
        assert camera.roll_deg == pytest.approx(truth + angle, abs=2.0), angle
        assert camera.frontal_measurable is False and camera.placement_hint


@pytest.mark.shared
def test_frame_sampler_keeps_what_sample_frames_decodes(shared_data) -> None:
    """Issue 12: the frames kept while tracking decodes the clip are, pixel for pixel,
    those the second pass would decode (so the roll does not change)."""
    from pronate.io.video import iter_frames, probe_video

    clip = shared_data / "pose2sim_balancing" / "cam01.mp4"
    sampler = scene.FrameSampler(probe_video(clip).n_frames)
    assert sampler.picks == [20, 40, 59, 79]
    for frame in iter_frames(clip):
        sampler(frame)
    kept = sampler.images()
    decoded = scene.sample_frames(clip)
    assert kept is not None and len(kept) == len(decoded) == 4
    for a, b in zip(kept, decoded, strict=True):
        np.testing.assert_array_equal(a, b)


def test_frame_sampler_says_when_a_pick_never_came() -> None:
    """A clip cut short of a pick: no images, so the pipeline decodes them itself."""
    from pronate.io.video import Frame

    sampler = scene.FrameSampler(10, count=2)
    assert sampler.picks == [3, 6]
    image = np.zeros((4, 4, 3), np.uint8)
    for i in range(5):
        sampler(Frame(index=i, time_s=i / 30, image=image + i))
    assert sampler.images() is None
    sampler(Frame(index=6, time_s=0.2, image=image + 6))
    kept = sampler.images()
    assert kept is not None and [int(k[0, 0, 0]) for k in kept] == [3, 6]

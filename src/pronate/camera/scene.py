"""The room's verticals: camera roll from the scene, with or without a quiet stance.

Door frames, wall corners, racks and table legs are vertical in the world. In the image
they all point at one *vertical vanishing point* (at infinity when the camera looks
horizontally; below the picture when it looks down). The direction from that point to a
pixel is the image direction of world-up *at that pixel*, so the camera roll at the
subject (:data:`pronate.camera.frames` convention: counter-clockwise on screen, degrees) follows
from the vanishing point and the pelvis, also for a pitched camera whose verticals
converge.

Pipeline (all pure functions but :func:`sample_frames`):

1. :func:`detect_segments`: OpenCV's line segment detector on a grey, downscaled frame;
   segments on the subject (inside their box) and next to black borders (letterboxing,
   a rotated copy) are dropped.
2. :func:`vertical_vanishing_point`: RANSAC over pairs of near-vertical segments (within
   :data:`MAX_TILT_DEG` of the body's up direction), scored by the length of the segments
   that point at the candidate within :data:`INLIER_DEG`; candidates nearer the image
   than :data:`MIN_VP_DISTANCE` image sizes are the floor's or a wall's horizontal lines
   receding, not verticals, and are refused; the winner is refined by weighted least
   squares.
3. :func:`roll_at`: the roll at an image point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import cv2
import numpy as np

if TYPE_CHECKING:
    from pronate.io.video import Frame

MAX_SIDE_PX: Final[int] = 960
"""Frames are downscaled to this longest side before line detection."""
MIN_SEGMENT_FRACTION: Final[float] = 0.04
"""Shortest segment kept, as a fraction of the image's longest side."""
MAX_TILT_DEG: Final[float] = 40.0
"""Segments further than this from the body's up direction are not candidate verticals."""
INLIER_DEG: Final[float] = 1.5
"""A segment supports a vanishing point when it points at it within this angle."""
MIN_VP_DISTANCE: Final[float] = 1.0
"""Smallest distance of a vertical vanishing point from the image centre, in image sizes."""
MIN_INLIERS: Final[int] = 5
"""Fewest supporting segments for a usable estimate."""
MIN_SUPPORT: Final[float] = 0.3
"""Least total length of supporting segments, in image heights (longest side)."""
DARK_LEVEL: Final[int] = 6
"""Pixels at or below this grey level in every channel count as a black border."""
_RANSAC_TRIALS: Final[int] = 400


@dataclass(frozen=True)
class SceneVerticals:
    """The vertical vanishing point of a scene.

    Attributes
    ----------
    point
        Homogeneous image point (3,) in pixels of the full frame (x right, y down),
        unit norm; ``point[2] == 0`` is a direction at infinity.
    inliers
        Number of segments supporting it.
    candidates
        Number of near-vertical segments considered.
    support
        Total length of the supporting segments, in image heights (longest side).
    spread_deg
        Root-mean-square angle between the supporting segments and the directions to
        the point (a fit residual).
    """

    point: np.ndarray
    inliers: int
    candidates: int
    support: float
    spread_deg: float

    @property
    def usable(self) -> bool:
        """Enough support to be believed (:data:`MIN_INLIERS`, :data:`MIN_SUPPORT`)."""
        return self.inliers >= MIN_INLIERS and self.support >= MIN_SUPPORT


def _angle_deg(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Image-up angle of directions (x right, y down), counter-clockwise, in (-180, 180]."""
    return np.degrees(np.arctan2(-dx, -dy))


def up_angle_deg(vector: np.ndarray) -> float:
    """Roll convention angle of an image vector (x right, y down) taken as 'up'.

    ``(0, -1)`` (straight up on screen) is 0; a vector leaning to the left is positive
    (counter-clockwise), as :data:`pronate.camera.frames` ``roll_deg``.
    """
    return float(_angle_deg(np.asarray(vector[0]), np.asarray(vector[1])))


def _dark_mask(image: np.ndarray) -> np.ndarray:
    dark = (image.max(axis=-1) if image.ndim == 3 else image) <= DARK_LEVEL
    kernel = np.ones((9, 9), np.uint8)
    return cv2.dilate(dark.astype(np.uint8), kernel) > 0


def detect_segments(
    image: np.ndarray, *, exclude_boxes: list[tuple[float, float, float, float]] | None = None
) -> np.ndarray:
    """Line segments of one frame, in full-frame pixels.

    Parameters
    ----------
    image
        RGB (or grey) ``uint8`` frame.
    exclude_boxes
        Boxes ``(x0, y0, x1, y1)`` in full-frame pixels whose segments are dropped (the
        subject: their limbs are lines too).

    Returns
    -------
    numpy.ndarray
        Array (n, 4) of ``x1, y1, x2, y2``.
    """
    h, w = image.shape[:2]
    s = min(1.0, MAX_SIDE_PX / max(h, w))
    small = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
    lines = cv2.createLineSegmentDetector().detect(grey)[0]
    if lines is None:
        return np.zeros((0, 4))
    seg = lines.reshape(-1, 4).astype(np.float64)
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    seg = seg[length >= MIN_SEGMENT_FRACTION * max(small.shape[:2])]
    dark = _dark_mask(small)
    keep = np.ones(len(seg), bool)
    for t in (0.0, 0.5, 1.0):
        x = np.clip(np.round(seg[:, 0] + t * (seg[:, 2] - seg[:, 0])), 0, dark.shape[1] - 1)
        y = np.clip(np.round(seg[:, 1] + t * (seg[:, 3] - seg[:, 1])), 0, dark.shape[0] - 1)
        keep &= ~dark[y.astype(int), x.astype(int)]
    seg = seg[keep] / s
    for x0, y0, x1, y1 in exclude_boxes or []:
        mx, my = 0.5 * (seg[:, 0] + seg[:, 2]), 0.5 * (seg[:, 1] + seg[:, 3])
        seg = seg[~((mx >= x0) & (mx <= x1) & (my >= y0) & (my <= y1))]
    return seg


def _lines(seg: np.ndarray) -> np.ndarray:
    """Homogeneous lines (n, 3) through the segments, normalised so a^2 + b^2 = 1."""
    p = np.c_[seg[:, :2], np.ones(len(seg))]
    q = np.c_[seg[:, 2:], np.ones(len(seg))]
    lines = np.cross(p, q)
    return lines / np.hypot(lines[:, 0], lines[:, 1])[:, None]


def _residual_deg(seg: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Angle (deg, [0, 90]) between each segment and the direction from its middle to ``point``."""
    mid = 0.5 * (seg[:, :2] + seg[:, 2:])
    d = seg[:, 2:] - seg[:, :2]
    to = point[:2] - mid * point[2]  # direction to a finite or infinite point (up to scale)
    cross = d[:, 0] * to[:, 1] - d[:, 1] * to[:, 0]
    dot = d[:, 0] * to[:, 0] + d[:, 1] * to[:, 1]
    return np.degrees(np.arctan2(np.abs(cross), np.abs(dot)))


def _far_enough(point: np.ndarray, *, width: float, height: float) -> bool:
    if abs(point[2]) < 1e-12:
        return True
    xy = point[:2] / point[2]
    size = max(width, height)
    return bool(np.hypot(xy[0] - width / 2, xy[1] - height / 2) >= MIN_VP_DISTANCE * size)


def _agrees(point: np.ndarray, at: np.ndarray, up_deg: float, limit: float) -> bool:
    probe = SceneVerticals(point=point, inliers=0, candidates=0, support=0.0, spread_deg=0.0)
    roll = roll_at(probe, at, up_deg=up_deg)
    return abs((roll - up_deg + 180.0) % 360.0 - 180.0) <= limit


def _refine(seg: np.ndarray, weights: np.ndarray) -> np.ndarray:
    lines = _lines(seg) * weights[:, None]
    _, _, vt = np.linalg.svd(lines)
    point = vt[-1]
    return point / np.linalg.norm(point)


def vertical_vanishing_point(
    segments: np.ndarray,
    *,
    up_deg: float,
    width: float,
    height: float,
    at: np.ndarray | None = None,
    max_disagreement_deg: float = 90.0,
    seed: int = 0,
) -> SceneVerticals | None:
    """Find the vertical vanishing point of a scene's line segments.

    Parameters
    ----------
    segments
        Array (n, 4) from :func:`detect_segments` (several frames may be stacked).
    up_deg
        The body's up direction in the image (roll convention, see :func:`up_angle_deg`):
        only segments within :data:`MAX_TILT_DEG` of it are candidates.
    width, height
        Frame size in pixels.
    at, max_disagreement_deg
        A point (the pelvis) where the roll of a candidate (:func:`roll_at`) must lie
        within ``max_disagreement_deg`` of ``up_deg``: the body's own cue keeps the
        floor's and the walls' receding lines out.
    seed
        Seed of the random pair sampling (the result is deterministic).

    Returns
    -------
    SceneVerticals or None
        ``None`` when fewer than two candidates exist or no candidate is far enough.
    """
    d = segments[:, 2:] - segments[:, :2]
    angle = _angle_deg(d[:, 0], d[:, 1])
    tilt = np.abs((angle - up_deg + 90.0) % 180.0 - 90.0)
    seg = segments[tilt <= MAX_TILT_DEG]
    if len(seg) < 2:
        return None
    length = np.hypot(*(seg[:, 2:] - seg[:, :2]).T)
    lines = _lines(seg)
    rng = np.random.default_rng(seed)
    prob = length / length.sum()
    best: tuple[float, np.ndarray] | None = None
    for _ in range(_RANSAC_TRIALS):
        i, j = rng.choice(len(seg), size=2, replace=False, p=prob)
        point = np.cross(lines[i], lines[j])
        norm = np.linalg.norm(point)
        if norm == 0 or not _far_enough(point / norm, width=width, height=height):
            continue
        if at is not None and not _agrees(point / norm, at, up_deg, max_disagreement_deg):
            continue
        inl = _residual_deg(seg, point / norm) <= INLIER_DEG
        score = float(length[inl].sum())
        if best is None or score > best[0]:
            best = (score, point / norm)
    if best is None:
        return None
    point = best[1]
    for _ in range(2):
        inl = _residual_deg(seg, point) <= INLIER_DEG
        if inl.sum() < 2:
            break
        refined = _refine(seg[inl], length[inl])
        if not _far_enough(refined, width=width, height=height):
            break
        point = refined
    res = _residual_deg(seg, point)
    inl = res <= INLIER_DEG
    return SceneVerticals(
        point=point,
        inliers=int(inl.sum()),
        candidates=len(seg),
        support=float(length[inl].sum() / max(width, height)),
        spread_deg=float(np.sqrt(np.mean(res[inl] ** 2))) if inl.any() else float("nan"),
    )


def roll_at(verticals: SceneVerticals, point: np.ndarray, *, up_deg: float) -> float:
    """Camera roll (deg) at an image point: the direction of world-up there.

    The line from the vanishing point through ``point`` is vertical in the world; of its
    two directions the one nearer the body's ``up_deg`` is up.
    """
    v = verticals.point
    direction = point * v[2] - v[:2] if abs(v[2]) > 1e-12 else -v[:2]
    angle = up_angle_deg(direction)
    if abs((angle - up_deg + 180.0) % 360.0 - 180.0) > 90.0:
        angle = up_angle_deg(-direction)
    return angle


def sample_indices(n_frames: int, *, count: int = 4) -> list[int]:
    """Indices of ``count`` frames spread over a clip of ``n_frames`` (ends left out)."""
    n = max(n_frames, 1)
    return sorted({int(i) for i in np.linspace(0, n - 1, count + 2)[1:-1].round()})


def sample_frames(video: Path, *, count: int = 4) -> list[np.ndarray]:
    """Decode ``count`` frames spread over ``video`` (upright RGB), at
    :func:`sample_indices` of the container's frame count."""
    from pronate.io.video import iter_frames, probe_video

    out: list[np.ndarray] = []
    for i in sample_indices(probe_video(video).n_frames, count=count):
        for frame in iter_frames(video, start=i, stop=i + 1):
            out.append(frame.image)
    return out


class FrameSampler:
    """Keeps the frames :func:`sample_frames` would decode, as they go by (a
    :data:`pronate.pose.tracker.FrameTap`): tracking decodes every frame anyway, so the
    scene's lines need no second pass over the video.

    Parameters
    ----------
    n_frames
        The container's frame count (:attr:`pronate.io.video.VideoInfo.n_frames`).
    count
        Frames kept, as in :func:`sample_frames`.
    """

    def __init__(self, n_frames: int, *, count: int = 4) -> None:
        self.picks = sample_indices(n_frames, count=count)
        self._kept: dict[int, np.ndarray] = {}

    def __call__(self, frame: Frame) -> None:
        """See one decoded frame (from any thread); keep it if it is a pick."""
        if frame.index in self.picks:
            self._kept[frame.index] = frame.image

    def images(self) -> list[np.ndarray] | None:
        """The kept frames in order; ``None`` unless every pick went by (e.g. a truncated
        clip), when :func:`sample_frames` must decode them."""
        if any(i not in self._kept for i in self.picks):
            return None
        return [self._kept[i] for i in self.picks]


def subject_box(position: np.ndarray, *, pad: float = 0.05) -> tuple[float, float, float, float]:
    """Box (x0, y0, x1, y1) around every position the subject took, padded by ``pad``."""
    xy = position[..., :2].reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=-1)]
    if not len(xy):
        return (0.0, 0.0, 0.0, 0.0)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    margin = pad * (hi - lo)
    return (*(lo - margin), *(hi + margin))


def scene_segments(
    video: Path,
    position: np.ndarray,
    *,
    count: int = 4,
    images: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Line segments of ``count`` frames of ``video``, the subject's area left out.

    Parameters
    ----------
    video
        The clip the pose was tracked from.
    position
        The subject's keypoint pixels (time, 33, >=2) in that clip.
    count
        Frames sampled, spread over the clip.
    images
        Those frames when already at hand (:meth:`FrameSampler.images`); else decoded
        (:func:`sample_frames`).

    Returns
    -------
    numpy.ndarray
        Array (n, 4) for :func:`vertical_vanishing_point`.
    """
    box = subject_box(position)
    if images is None:
        images = sample_frames(video, count=count)
    found = [detect_segments(image, exclude_boxes=[box]) for image in images]
    return np.concatenate(found) if found else np.zeros((0, 4))

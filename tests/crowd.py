"""Scenes of several people, composed from the real clips, with where each person is.

A coach's clip rarely shows the client alone: a partner spots, a class stands behind,
someone walks through, the call window shows the coach's own self-view. Each scene here
is built from the clips of ``../shared/data`` (never the reserved views): people are cut
out of their clips with MediaPipe's segmentation mask and pasted beside, in front of or
behind the performer. A scene knows, for every frame, where each person's keypoints are
in the composed picture (``truth``: the motion capture for the balancing trial's cam01,
the recorded single-person tracking for the other clips, the cut-out's own landmarks for
a pasted person) and how much of each person the others hide (``occluded``).

Scenes are built once per machine into :data:`CACHE` (a few seconds each).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from clips import REPO, SHARED_DATA
from scenes import CallLayout, Placement, call_window, frames_of, write_clip

CACHE = Path(os.environ.get("PRONATE_SCENES_CACHE") or Path.home() / ".cache/pronate/scenes")
VERSION = 3
"""Bump when a scene's recipe changes (the cache is keyed by it)."""
N_KP = 33
SQUAT = "frontal_squat/frontal_squat.mp4"
CAM01 = "pose2sim_balancing/cam01.mp4"
CAM03 = "pose2sim_balancing/cam03.mp4"
SPORTS = "sports2d_demo/demo.mp4"
GOLDEN = {SQUAT: "frontal_squat", CAM01: "balancing_cam01", CAM03: "balancing_cam03"}
GOLDEN.update({SPORTS: "sports2d_demo"})


@dataclass(frozen=True)
class Actor:
    """One person of a scene: keypoints (n, 33, 2) in scene pixels (NaN where unknown or
    absent) and the fraction of their picture hidden by people in front (n,)."""

    truth: np.ndarray
    occluded: np.ndarray

    @property
    def height(self) -> float:
        """Median height of the person's keypoints, in scene pixels."""
        ys = self.truth[..., 1]
        ys = ys[np.isfinite(ys).any(axis=1)]
        spans = np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1)
        return float(np.nanmedian(spans))


@dataclass(frozen=True)
class Scene:
    """A composed clip: its path, frame rate, the people in it and who performs."""

    name: str
    path: Path
    fps: float
    actors: dict[str, Actor]
    performer: str


def golden_keypoints(clip: str) -> np.ndarray:
    """The recorded single-person tracking of a real clip: (frames, 33, 2) source pixels."""
    import pandas as pd

    from pronate.pose.keypoints import KEYPOINTS

    table = pd.read_csv(REPO / "tests/golden" / GOLDEN[clip] / "keypoints.csv.gz")
    xs = table[[f"{k}_x" for k in KEYPOINTS]].to_numpy(np.float64)
    ys = table[[f"{k}_y" for k in KEYPOINTS]].to_numpy(np.float64)
    return np.stack([xs, ys], axis=-1)


def mocap_keypoints() -> np.ndarray:
    """The balancing trial's motion capture seen by cam01: (100, 33, 2) pixels (NaN for
    keypoints the capture has no twin of)."""
    from pronate.validation.reference import read_calibration, read_trc, select_camera
    from pronate.validation.reference.dataset import reference_pose_dataset

    folder = SHARED_DATA / "pose2sim_balancing"
    camera = select_camera(read_calibration(folder / "Calib_qualisys.toml"), "cam01")
    pose = reference_pose_dataset(read_trc(folder / "Balancing_for_IK.trc"), camera)
    return np.asarray(pose["position"].values[..., :2], dtype=np.float64)


def source_frames(clip: str) -> list[np.ndarray]:
    """Every RGB frame of a real clip."""
    return list(frames_of(SHARED_DATA / clip))


def ping_pong(first: int, last: int, step: int, n: int) -> np.ndarray:
    """``n`` source indices going first -> last -> first ... by ``step``."""
    one_way = list(range(first, last + 1, step))
    cycle = one_way + one_way[-2:0:-1]
    return np.array([cycle[i % len(cycle)] for i in range(n)])


@dataclass(frozen=True)
class Cutout:
    """A person cut out of a source frame: RGB crop, mask in [0, 1], the crop's top-left
    corner in the source, and the person's landmarks in source pixels."""

    image: np.ndarray
    mask: np.ndarray
    origin: tuple[int, int]
    keypoints: np.ndarray


class Segmenter:
    """MediaPipe PoseLandmarker (IMAGE mode, ``full``) with segmentation masks."""

    def __init__(self) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        from pronate.pose.models import model_path

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path("full"))),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=1,
            output_segmentation_masks=True,
        )
        self._task = vision.PoseLandmarker.create_from_options(options)

    def cut(self, image: np.ndarray, box: tuple[float, float, float, float]) -> Cutout | None:
        """The person inside ``box`` (x0, y0, x1, y1) of ``image``, grown by a margin."""
        import mediapipe as mp

        h, w = image.shape[:2]
        x0, y0, x1, y1 = box
        mx, my = 0.3 * (x1 - x0), 0.15 * (y1 - y0)
        cx0, cy0 = max(0, int(x0 - mx)), max(0, int(y0 - my))
        cx1, cy1 = min(w, int(x1 + mx)), min(h, int(y1 + my))
        crop = np.ascontiguousarray(image[cy0:cy1, cx0:cx1])
        result = self._task.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop))
        if not result.pose_landmarks or not result.segmentation_masks:
            return None
        ch, cw = crop.shape[:2]
        kp = np.array([(p.x * cw + cx0, p.y * ch + cy0) for p in result.pose_landmarks[0]])
        mask = np.asarray(result.segmentation_masks[0].numpy_view(), dtype=np.float32)
        mask = mask.reshape(ch, cw)
        return Cutout(image=crop, mask=np.clip(mask, 0.0, 1.0), origin=(cx0, cy0), keypoints=kp)

    def close(self) -> None:
        self._task.close()


def box_of(points: np.ndarray) -> tuple[float, float, float, float]:
    """Bounding box of the finite points (n, 2)."""
    ok = np.isfinite(points).all(axis=1)
    p = points[ok]
    return (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max()))


@dataclass(frozen=True)
class Layer:
    """One person pasted into the scene at each output frame: the source frame, the cut-out
    and the placement ``p' = scale * p + offset`` (source -> scene pixels)."""

    cut: Cutout | None
    placement: Placement


def paste(canvas: np.ndarray, layer: Layer) -> np.ndarray:
    """Blend the layer's cut-out into ``canvas`` (in place); return its mask (scene size)."""
    h, w = canvas.shape[:2]
    full = np.zeros((h, w), np.float32)
    if layer.cut is None:
        return full
    s, (ox, oy) = layer.placement.scale, layer.placement.offset
    gx, gy = layer.cut.origin
    m = np.float32([[s, 0, s * gx + ox], [0, s, s * gy + oy]])
    image = cv2.warpAffine(layer.cut.image, m, (w, h), flags=cv2.INTER_AREA)
    full = cv2.warpAffine(layer.cut.mask, m, (w, h), flags=cv2.INTER_LINEAR)
    alpha = full[..., None]
    canvas[:] = (canvas * (1 - alpha) + image * alpha).astype(np.uint8)
    return full


def occlusion(mask: np.ndarray, front: Sequence[np.ndarray]) -> float:
    """Fraction of ``mask`` covered by the union of the ``front`` masks."""
    area = float((mask > 0.5).sum())
    if not front or area == 0:
        return 0.0
    cover = np.max(np.stack(front), axis=0) > 0.5
    return float(((mask > 0.5) & cover).sum()) / area


def _cached(name: str, build: Callable[[Path], dict[str, object]]) -> Scene:
    """Build a scene into the cache unless it is there; read it back."""
    CACHE.mkdir(parents=True, exist_ok=True)
    video, meta = CACHE / f"{name}-v{VERSION}.mp4", CACHE / f"{name}-v{VERSION}.npz"
    if not (video.is_file() and meta.is_file()):
        tmp = video.with_suffix(".part.mp4")
        info = build(tmp)
        np.savez_compressed(meta.with_suffix(".part.npz"), **info)  # type: ignore[arg-type]
        meta.with_suffix(".part.npz").replace(meta)
        tmp.replace(video)
    data = np.load(meta, allow_pickle=False)
    header = json.loads(str(data["header"]))
    actors = {
        a: Actor(truth=data[f"{a}_truth"], occluded=data[f"{a}_occluded"]) for a in header["actors"]
    }
    return Scene(name, video, header["fps"], actors, header["performer"])


def _pack(fps: float, performer: str, actors: dict[str, Actor]) -> dict[str, object]:
    header = {"fps": fps, "performer": performer, "actors": list(actors)}
    out: dict[str, object] = {"header": np.array(json.dumps(header))}
    for name, a in actors.items():
        out[f"{name}_truth"], out[f"{name}_occluded"] = a.truth, a.occluded
    return out


@dataclass
class Person:
    """A person to put into a composed scene: the source clip, the source frame of every
    output frame (-1: not there), the guide keypoints per source frame (to find them to
    cut out; else ``seed``, a box in the first frame, followed by the cut-outs), and the
    truth per source frame (else the cut-out's own landmarks)."""

    clip: str
    frames: np.ndarray
    guide: np.ndarray | None = None
    truth: np.ndarray | None = None
    seed: tuple[float, float, float, float] | None = None


def cut_person(person: Person, images: list[np.ndarray], seg: Segmenter) -> list[Cutout | None]:
    """The person cut out of their source frame, for each output frame."""
    cuts: dict[int, Cutout | None] = {}
    box = person.seed
    for src in sorted({int(f) for f in person.frames if f >= 0}):
        if person.guide is not None:
            box = box_of(person.guide[src])
        assert box is not None, "a person without guide keypoints needs a seed box"
        cut = seg.cut(images[src], box)
        if cut is not None and person.guide is None:
            box = box_of(cut.keypoints)
        cuts[src] = cut
    return [cuts[int(f)] if f >= 0 else None for f in person.frames]


def truth_of(
    person: Person, cuts: Sequence[Cutout | None], placements: Sequence[Placement]
) -> np.ndarray:
    """The person's keypoints in scene pixels, per output frame."""
    out = np.full((len(person.frames), N_KP, 2), np.nan)
    for i, (src, cut, where) in enumerate(zip(person.frames, cuts, placements, strict=True)):
        if src < 0:
            continue
        source = person.truth[src] if person.truth is not None else None
        if source is None and cut is not None:
            source = cut.keypoints
        if source is not None:
            out[i] = where.apply(source)
    return out


def hip_centre(points: np.ndarray) -> np.ndarray:
    """Mid-hip (..., 2) of keypoints (..., 33, 2)."""
    return 0.5 * (points[..., 23, :] + points[..., 24, :])


def place_frame(canvas: np.ndarray, image: np.ndarray, where: Placement) -> None:
    """Draw a whole source frame into ``canvas`` at ``where`` (clipped to the canvas)."""
    h, w = canvas.shape[:2]
    m = np.float32([[where.scale, 0, where.offset[0]], [0, where.scale, where.offset[1]]])
    warped = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
    inside = cv2.warpAffine(
        np.ones(image.shape[:2], np.uint8), m, (w, h), flags=cv2.INTER_NEAREST
    ).astype(bool)
    canvas[inside] = warped[inside]


@dataclass
class Cast:
    """Who is in a pasted scene, back to front: the background person's clip fills the
    picture; the others are cut out and pasted at their placements."""

    names: list[str]
    people: list[Person]
    placements: list[list[Placement] | Callable[[list[Cutout | None]], list[Placement]]]
    whole: tuple[str, ...] = ("performer",)
    """People whose whole frame is drawn (in this order) before the cut-outs."""


def compose(
    dst: Path,
    *,
    size: tuple[int, int],
    fps: float,
    cast: Cast,
    performer: str,
    crf: int = 23,
) -> dict[str, object]:
    """Write a scene: the whole frames of ``cast.whole``, then every person of the cast cut
    out and pasted back to front (those of the whole frames too, so that the people
    behind them stay behind)."""
    seg = Segmenter()
    try:
        images = {p.clip: source_frames(p.clip) for p in cast.people}
        cuts = [cut_person(p, images[p.clip], seg) for p in cast.people]
    finally:
        seg.close()
    placements = [
        pl if isinstance(pl, list) else pl(c) for pl, c in zip(cast.placements, cuts, strict=True)
    ]
    n = len(cast.people[0].frames)
    w, h = size
    frames, occluded = [], np.zeros((len(cast.names), n))
    for t in range(n):
        canvas = np.zeros((h, w, 3), np.uint8)
        for name in cast.whole:
            k = cast.names.index(name)
            src = cast.people[k].frames[t]
            place_frame(canvas, images[cast.people[k].clip][src], placements[k][t])
        masks = []
        for k in range(len(cast.names)):
            masks.append(paste(canvas, Layer(cuts[k][t], placements[k][t])))
        for k in range(len(cast.names)):
            occluded[k, t] = occlusion(masks[k], masks[k + 1 :])
        frames.append(canvas)
    write_clip(dst, frames, fps=fps, crf=crf)
    actors = {
        name: Actor(truth_of(p, c, pl), occluded[k])
        for k, (name, p, c, pl) in enumerate(
            zip(cast.names, cast.people, cuts, placements, strict=True)
        )
    }
    return _pack(fps, performer, actors)


N_FRAMES = 150
"""Frames of a pasted scene (5 s at 30 fps)."""
PORTRAIT = (720, 1280)
LANDSCAPE = (1280, 720)
WALKER_SEED = (1284.0, 572.0, 1498.0, 940.0)
"""The walking woman of the sports2d demo in its frame 60 (she walks right to left)."""


def _fixed(scale: float, offset: tuple[float, float], n: int = N_FRAMES) -> list[Placement]:
    return [Placement(scale, offset)] * n


def _squatter(n: int = N_FRAMES) -> Person:
    """The front-view squat from its frame 60 (she squats within a second), at 30 fps."""
    keys = golden_keypoints(SQUAT)
    return Person(SQUAT, 60 + 2 * np.arange(n), guide=keys, truth=keys)


def _balancer(n: int = N_FRAMES) -> Person:
    """The balancing man of cam01 played forward and back at 30 fps; truth: the motion
    capture."""
    return Person(
        CAM01, ping_pong(0, 98, 2, n), guide=golden_keypoints(CAM01), truth=mocap_keypoints()
    )


def _walker(first_src: int, n: int = N_FRAMES) -> Person:
    """The sports2d demo's walking woman (source frames 60-185), from output frame
    ``60 - first_src`` on."""
    src = np.arange(n) + first_src
    return Person(SPORTS, np.where((src >= 60) & (src <= 185), src, -1), seed=WALKER_SEED)


def side_by_side() -> Scene:
    """Two clips side by side: the squat (left, the performer) and the man of cam03
    standing still (right, taller in the picture than she is)."""

    def build(dst: Path) -> dict[str, object]:
        squat = _squatter()
        stand = Person(CAM03, ping_pong(0, 12, 2, N_FRAMES), guide=golden_keypoints(CAM03))
        stand.truth = stand.guide
        return compose(
            dst,
            size=LANDSCAPE,
            fps=30.0,
            cast=Cast(
                ["performer", "stander"],
                [squat, stand],
                [_fixed(0.45, (120.0, 2.0)), _fixed(0.485, (717.0, -50.0))],
                whole=("performer", "stander"),
            ),
            performer="performer",
        )

    return _cached("side_by_side", build)


def overlapping() -> Scene:
    """The balancing man (cam01) with a woman standing close beside him, in front of him,
    a little taller in the picture (the squat clip's first, standing, second)."""

    def build(dst: Path) -> dict[str, object]:
        keys = golden_keypoints(SQUAT)
        stand = Person(SQUAT, ping_pong(0, 74, 2, N_FRAMES), guide=keys, truth=keys)
        return compose(
            dst,
            size=PORTRAIT,
            fps=30.0,
            cast=Cast(
                ["performer", "stander"],
                [_balancer(), stand],
                [_fixed(2 / 3, (0.0, 0.0)), _fixed(0.77, (164.0, -103.0))],
            ),
            performer="performer",
        )

    return _cached("overlapping", build)


def crossing_front() -> Scene:
    """The squat, with a woman walking across in front of her (the sports2d demo's)."""

    def build(dst: Path) -> dict[str, object]:
        return compose(
            dst,
            size=PORTRAIT,
            fps=30.0,
            cast=Cast(
                ["performer", "walker"],
                [_squatter(), _walker(50)],
                [_fixed(0.807, (0.0, -2.0)), _fixed(1.43, (-834.0, -421.0))],
            ),
            performer="performer",
        )

    return _cached("crossing_front", build)


def crossing_behind() -> Scene:
    """The balancing man (cam01), with a woman walking across behind him."""

    def build(dst: Path) -> dict[str, object]:
        return compose(
            dst,
            size=PORTRAIT,
            fps=30.0,
            cast=Cast(
                ["walker", "performer"],
                [_walker(50), _balancer()],
                [_fixed(1.17, (-621.0, -380.0)), _fixed(2 / 3, (0.0, 0.0))],
            ),
            performer="performer",
        )

    return _cached("crossing_behind", build)


def call() -> Scene:
    """The squat in a call window's main tile; the self-view tile shows the balancing man
    from the thighs up (moving a lot, small, in the corner)."""

    def build(dst: Path) -> dict[str, object]:
        from scenes import _fit

        top, bottom = 300, 1110  # cam01 rows in the self-view: a 4:3 webcam picture
        selfie = dst.with_name("call-selfie.mp4")
        write_clip(selfie, [f[top:bottom] for f in source_frames(CAM01)], fps=60.0)
        layout = CallLayout()
        client = call_window(SHARED_DATA / SQUAT, dst, others=selfie, layout=layout)
        selfie.unlink()
        n = len(list(frames_of(dst)))
        squat_src = np.minimum(2 * np.arange(n), 539)
        selfie_src = 2 * (np.arange(n) % 50)
        _, corner = _fit(np.zeros((bottom - top, 1080, 3), np.uint8), layout.corner)
        squat, man = golden_keypoints(SQUAT), golden_keypoints(CAM01) - np.array([0, top])
        actors = {
            "performer": Actor(client.apply(squat[squat_src]), np.zeros(n)),
            "self_view": Actor(corner.apply(man[selfie_src]), np.zeros(n)),
        }
        return _pack(30.0, "performer", actors)

    return _cached("call", build)


def sports_demo() -> Scene:
    """The sports2d demo itself: the man doing jumping jacks on the box (the performer,
    the only one at first), the woman walking by."""
    cache = CACHE / f"sports_demo-v{VERSION}.npz"
    if not cache.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        walker = _walker(0, 230)
        seg = Segmenter()
        try:
            cuts = cut_person(walker, source_frames(SPORTS), seg)
        finally:
            seg.close()
        n = 230
        woman = truth_of(walker, cuts, _fixed(1.0, (0.0, 0.0), n))
        actors = {
            "performer": Actor(golden_keypoints(SPORTS), np.zeros(n)),
            "walker": Actor(woman, np.zeros(n)),
        }
        np.savez_compressed(cache.with_suffix(".part.npz"), **_pack(30.0, "performer", actors))  # type: ignore[arg-type]
        cache.with_suffix(".part.npz").replace(cache)
    data = np.load(cache, allow_pickle=False)
    names = json.loads(str(data["header"]))["actors"]
    actors = {a: Actor(data[f"{a}_truth"], data[f"{a}_occluded"]) for a in names}
    return Scene("sports_demo", SHARED_DATA / SPORTS, 30.0, actors, "performer")


SCENES: dict[str, Callable[[], Scene]] = {
    "side_by_side": side_by_side,
    "overlapping": overlapping,
    "crossing_front": crossing_front,
    "crossing_behind": crossing_behind,
    "call": call,
    "sports_demo": sports_demo,
}

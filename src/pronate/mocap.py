"""Marker-based motion capture (C3D) seen through a virtual frontal camera.

A gait lab can feed a C3D trial (e.g. Vicon Plug-in Gait) to pronate: the markers are
mapped onto BlazePose keypoints, projected through a virtual pinhole camera standing in
front of the subject, and turned into a pose dataset (:mod:`pronate.schema`) that the
ordinary metrics (:func:`pronate.kinematics.compute_metrics`) run on. The model angles
stored in the file are read alongside, in pronate's sign conventions, so the 2-D
metrics can be compared with the lab's 3-D joint angles.

Reading (:func:`read_c3d`)
    Points with ezc3d; lengths converted to metres with ``POINT:UNITS``; labels lose
    their subject prefix (``A22:LKNE`` -> ``LKNE``); ``LABELS2``, ``LABELS3`` ...
    continue ``LABELS`` past 255 points. Labels listed in the ``POINT`` type groups
    (``ANGLES``, ``FORCES``, ``MOMENTS``, ``POWERS``, ``SCALARS``, ``REACTIONS``) are
    model outputs, not positions: angles are kept in degrees, the rest is dropped.
    Points with a negative residual are missing (NaN). Analog data are ignored. Frame
    ``i`` of the file is at ``time_s = (first_frame + i) / rate`` with the header's
    0-based first frame, the time base of the ``EVENT:TIMES`` parameter (minutes,
    seconds).
Keypoints (:data:`KEYPOINT_SOURCES`, :func:`pig_keypoints`)
    For each keypoint the first candidate the file has (per trial, never mixed frame by
    frame): joint centres before skin markers. Hips: a virtual ``LHJC`` point, else the
    Plug-in Gait femur's proximal point ``LFEP`` (the hip joint centre of PiG's Davis
    1991 regression; their midpoint is the pelvis origin ``PELO``), else the Harrington
    et al. (2007) regression from the ASIS and PSIS (or sacrum) markers
    (:func:`harrington_hip_centres`). Knees: ``LKJC``, else the PiG femur origin
    ``LFEO`` (the knee joint centre), else the lateral epicondyle marker ``LKNE``.
    Ankles: ``LAJC``, else the PiG tibia origin ``LTIO`` (ankle joint centre), else
    ``LANK`` (lateral malleolus). The skin-marker fallbacks sit lateral of the joint
    centres and bias the FPPA towards varus (about -10 deg on the c3d.org sample).
    Heels: ``LHEE``, else the PiG foot's proximal axis point ``LFOP`` (on the foot's
    long axis behind the toe; on the c3d.org sample about 4.5 cm behind and 3.5 cm below
    the ankle joint centre, under 1 cm above the floor in stance: near the heel). Foot
    index: ``LTOE`` (second metatarsal head, where BlazePose aims at the toe tips).
    Shoulders ``LSHO``, elbows ``LELB``, wrists the midpoint of ``LWRA`` and ``LWRB``,
    ears the midpoint of ``LFHD`` and ``LBHD`` (the side of the head, a little above
    the ear). Right side alike with ``R``. Face keypoints, hands and keypoints without
    markers are NaN (confidence 0).
Plug-in Gait angles (:func:`pig_reference`)
    PiG angles are ``[sagittal, frontal, transverse]``. Pelvis frontal (obliquity):
    ``LPelvisAngles`` is positive when the LEFT side is up (``RPelvisAngles`` is its
    negative) - the sign of pronate's ``pelvic_obliquity_deg``; checked against the
    heights of the hip joint centres and of LASI/RASI on the c3d.org sample.
    Knee frontal: positive = varus (adduction of the tibia), negative = valgus, so
    ``knee_valgus_{side}_deg`` = -frontal, the sign of ``knee_fppa_{side}_deg``. Knee
    sagittal is flexion (+); hip transverse is internal rotation (+).
Virtual camera (:func:`frontal_view`)
    Up is the lab axis along which the hips stand above the feet. The walking direction
    is the horizontal least-squares velocity of the hip midpoint, oriented to where the
    subject faces (right hip -> left hip crossed with up); when the subject moves less
    than :data:`MIN_WALK_SPEED_M_S` it is the facing direction. The camera stands on the
    line of progression through the mean hip position, at the median hip height, level
    (no pitch, no roll), looking back at the subject. ``follow=False`` (default): the
    camera is fixed ``distance_m`` beyond the furthest hip position, so the subject
    walks towards it as towards a phone on a tripod at the end of a walkway (the
    perspective changes through the trial as in a real clip). ``follow=True``: the
    markers are moved back along the walking direction by the fitted mean progression,
    as on a treadmill, and the camera stays ``distance_m`` in front. The default focal
    length fits every marker of the trial into 90 % of the image.
Comparison (:func:`compare_with_pig`)
    Pelvic obliquity over the trial; each knee FPPA over its own stance (from the
    file's ``Foot Strike`` / ``Foot Off`` events, :func:`stance_masks`) and over the
    trial. They differ by construction: PiG obliquity is a Cardan angle (tilt, then
    obliquity, then rotation) while the projected hip line also carries a tilt x
    rotation term; PiG knee varus/valgus is measured about an axis set by the knee
    flexion axis (KAD / thigh wand) and picks up flexion when that axis is off, while
    the FPPA is the hip-knee-ankle angle in the image and picks up flexion seen through
    a rotated femur. Both grow when the knee flexes (late stance, swing).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.keypoints import KEYPOINT_INDEX, KEYPOINTS
from pronate.reference import UNIT_TO_METRES, Camera, camera_coordinates, reference_pose_dataset

SIDES: Final[tuple[str, str]] = ("left", "right")
NON_POSITION_GROUPS: Final[tuple[str, ...]] = (
    "ANGLES",
    "FORCES",
    "MOMENTS",
    "POWERS",
    "SCALARS",
    "REACTIONS",
)
HARRINGTON: Final[str] = "harrington"
"""Candidate name of the Harrington (2007) hip joint centre regression."""

KEYPOINT_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "left_hip": ("LHJC", "LFEP", HARRINGTON),
    "right_hip": ("RHJC", "RFEP", HARRINGTON),
    "left_knee": ("LKJC", "LFEO", "LKNE"),
    "right_knee": ("RKJC", "RFEO", "RKNE"),
    "left_ankle": ("LAJC", "LTIO", "LANK"),
    "right_ankle": ("RAJC", "RTIO", "RANK"),
    "left_heel": ("LHEE", "LFOP"),
    "right_heel": ("RHEE", "RFOP"),
    "left_foot_index": ("LTOE",),
    "right_foot_index": ("RTOE",),
    "left_shoulder": ("LSHO",),
    "right_shoulder": ("RSHO",),
    "left_elbow": ("LELB",),
    "right_elbow": ("RELB",),
    "left_wrist": ("LWRA+LWRB", "LWRA"),
    "right_wrist": ("RWRA+RWRB", "RWRA"),
    "left_ear": ("LFHD+LBHD",),
    "right_ear": ("RFHD+RBHD",),
}
"""Candidates for each BlazePose keypoint, best first: a marker name, ``A+B`` for the
midpoint of two markers, or :data:`HARRINGTON` (hips only)."""

MIN_WALK_SPEED_M_S: Final[float] = 0.2
DEFAULT_DISTANCE_M: Final[float] = 8.0
DEFAULT_IMAGE_SIZE: Final[tuple[int, int]] = (1080, 1920)
FILL_FRACTION: Final[float] = 0.9


@dataclass(frozen=True)
class GaitEvent:
    """One event of the C3D ``EVENT`` group.

    Attributes
    ----------
    context
        ``Left``, ``Right`` or ``General`` as written in the file.
    label
        E.g. ``Foot Strike`` or ``Foot Off``.
    time_s
        Time in seconds, same time base as :attr:`C3DTrial.time_s`.
    """

    context: str
    label: str
    time_s: float


@dataclass(frozen=True, eq=False)
class C3DTrial:
    """A C3D trial: marker positions, model angles and events.

    Attributes
    ----------
    markers
        Dims ``(time, marker, space)``, metres, lab axes; coordinates ``time`` (s),
        ``frame`` (0-based C3D frame number), ``marker``, ``space`` (x, y, z). Model
        outputs that are positions (e.g. PiG's ``LFEO``) are included.
    angles
        Dims ``(time, angle, component)``, degrees; ``component`` 0, 1, 2.
    events
        The events, sorted by time.
    rate
        Point rate in Hz.
    source
        The file path.
    """

    markers: xr.DataArray
    angles: xr.DataArray
    events: tuple[GaitEvent, ...]
    rate: float
    source: str

    @property
    def time_s(self) -> np.ndarray:
        """Frame times in seconds."""
        return np.asarray(self.markers["time"].values, dtype=np.float64)


@dataclass(frozen=True)
class FrontalView:
    """A virtual frontal camera placed in front of a walking subject.

    Attributes
    ----------
    camera
        The pinhole camera (lab axes as world axes).
    up
        Unit vertical lab axis.
    forward
        Unit horizontal walking direction (towards the camera).
    speed_m_s
        Mean progression speed along ``forward``.
    follow
        Whether the camera follows the mean progression (treadmill-like).
    distance_m
        Distance from the furthest (``follow=False``) or mean (``follow=True``) hip
        position to the camera.
    """

    camera: Camera
    up: np.ndarray
    forward: np.ndarray
    speed_m_s: float
    follow: bool
    distance_m: float


@dataclass(frozen=True)
class Agreement:
    """Agreement of a pronate metric with a reference over the frames both define.

    Attributes
    ----------
    n
        Number of frames compared.
    mae_deg
        Mean absolute difference.
    bias_deg
        Mean of ours minus reference.
    r
        Pearson correlation (NaN for fewer than 3 frames or a constant series).
    ours_range, reference_range
        (min, max) of each series over the compared frames.
    """

    n: int
    mae_deg: float
    bias_deg: float
    r: float
    ours_range: tuple[float, float]
    reference_range: tuple[float, float]


# ------------------------------------------------------------------------ reading


def read_c3d(path: Path | str) -> C3DTrial:
    """Read marker trajectories, model angles and events from a C3D file.

    Parameters
    ----------
    path
        The ``.c3d`` file.

    Returns
    -------
    C3DTrial
        See the module docstring for the conventions.

    Raises
    ------
    InputError
        If ezc3d is not installed, the file is missing or not a readable C3D, has no
        point data, an unknown length unit, or labels that clash once their subject
        prefix is removed.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        import ezc3d
    except ImportError as exc:
        raise InputError("reading C3D files needs ezc3d (pip install ezc3d)") from exc
    try:
        c3d = ezc3d.c3d(str(path))
    except (OSError, RuntimeError, ValueError) as exc:
        raise InputError(f"{path} is not a readable C3D file ({exc})") from exc
    params = c3d["parameters"]
    point = params["POINT"]
    data = np.asarray(c3d["data"]["points"], dtype=np.float64)
    if data.ndim != 3 or data.shape[1] == 0 or data.shape[2] == 0:
        raise InputError(f"{path}: no point data")
    labels = _strip_prefixes(_labels(point, "LABELS")[: data.shape[1]])
    if len(labels) != data.shape[1]:
        raise InputError(f"{path}: {data.shape[1]} points but {len(labels)} labels")
    xyz = np.transpose(data[:3], (2, 1, 0)).copy()  # (time, point, space)
    residuals = c3d["data"].get("meta_points", {}).get("residuals")
    if residuals is not None:
        res = np.asarray(residuals, dtype=np.float64)[0].T
        xyz[res < 0] = np.nan
    rate = float(np.ravel(_value(point, "RATE", [c3d["header"]["points"]["frame_rate"]]))[0])
    if not rate > 0:
        raise InputError(f"{path}: point rate must be positive, got {rate}")
    first = int(c3d["header"]["points"]["first_frame"])
    frames = first + np.arange(xyz.shape[0])
    time = frames / rate
    non_position = {
        name for group in NON_POSITION_GROUPS for name in _strip_prefixes(_labels(point, group))
    }
    angle_names = _strip_prefixes(_labels(point, "ANGLES"))
    units = str(np.ravel(_value(point, "UNITS", ["mm"]))[0]).strip().lower()
    scale = UNIT_TO_METRES.get(units)
    if scale is None:
        raise InputError(f"{path}: unknown point units {units!r} (expected m, cm or mm)")
    marker_cols = [i for i, name in enumerate(labels) if name not in non_position]
    angle_cols = [labels.index(name) for name in angle_names if name in labels]
    coords_t = {"time": ("time", time), "frame": ("time", frames)}
    markers = xr.DataArray(
        xyz[:, marker_cols] * scale,
        dims=("time", "marker", "space"),
        coords={**coords_t, "marker": [labels[i] for i in marker_cols], "space": list("xyz")},
        name="markers",
        attrs={"units": "m", "source": str(path), "data_rate": rate},
    )
    angles = xr.DataArray(
        xyz[:, angle_cols].reshape(len(time), len(angle_cols), 3),
        dims=("time", "angle", "component"),
        coords={**coords_t, "angle": [labels[i] for i in angle_cols], "component": [0, 1, 2]},
        name="angles",
        attrs={"units": "deg"},
    )
    markers["time"].attrs["units"] = "s"
    return C3DTrial(markers, angles, _events(params), rate, str(path))


def _value(group: Mapping[str, Any], key: str, default: Any) -> Any:
    entry = group.get(key)
    return entry["value"] if isinstance(entry, Mapping) and "value" in entry else default


def _labels(group: Mapping[str, Any], key: str) -> list[str]:
    """A list parameter and its continuations (``LABELS``, ``LABELS2``, ... past 255)."""
    out = [str(v) for v in _value(group, key, [])]
    more = 2
    while f"{key}{more}" in group:
        out += [str(v) for v in _value(group, f"{key}{more}", [])]
        more += 1
    return out


def _strip_prefixes(labels: list[str]) -> list[str]:
    """Drop subject prefixes (``A22:LKNE`` -> ``LKNE``) unless names would clash."""
    names = [label.rsplit(":", 1)[-1].strip() for label in labels]
    if len(set(names)) != len(names):
        raise InputError(
            "C3D labels clash once their subject prefix is removed (several subjects?)"
        )
    return names


def _events(params: Mapping[str, Any]) -> tuple[GaitEvent, ...]:
    group = params.get("EVENT")
    if not isinstance(group, Mapping):
        return ()
    labels = [str(s) for s in _value(group, "LABELS", [])]
    contexts = [str(s) for s in _value(group, "CONTEXTS", [])]
    times = np.asarray(_value(group, "TIMES", np.zeros((2, 0))), dtype=np.float64)
    if times.ndim != 2 or times.shape[0] != 2:
        return ()
    n = min(len(labels), len(contexts), times.shape[1])
    seconds = 60.0 * times[0, :n] + times[1, :n]
    events = [GaitEvent(contexts[i], labels[i], float(seconds[i])) for i in range(n)]
    return tuple(sorted(events, key=lambda e: e.time_s))


# ---------------------------------------------------------------------- keypoints


def harrington_hip_centres(
    *,
    lasi: np.ndarray,
    rasi: np.ndarray,
    mid_psis: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Hip joint centres by the Harrington et al. (2007) regression.

    In the pelvis frame (origin the ASIS midpoint; ``z`` from left to right ASIS,
    ``x`` anterior (ASIS midpoint minus PSIS midpoint, orthogonal to ``z``),
    ``y = z x x`` superior), with pelvic width ``PW`` (ASIS to ASIS) and depth ``PD``
    (ASIS midpoint to PSIS midpoint) in millimetres::

        x = -0.24 PD - 9.9,   y = -0.30 PW - 10.9,   z = +/-(0.33 PW + 7.3)   (mm)

    (``+`` right, ``-`` left). Harrington ME et al. (2007) J Biomech 40:595-602.

    Parameters
    ----------
    lasi, rasi
        ASIS markers (..., 3), metres.
    mid_psis
        Midpoint of the PSIS markers (or the sacrum marker), (..., 3), metres.

    Returns
    -------
    tuple of numpy.ndarray
        (left, right) hip joint centres, (..., 3), metres.
    """
    lasi, rasi, mid_psis = (np.asarray(a, dtype=np.float64) for a in (lasi, rasi, mid_psis))
    mid_asis = 0.5 * (lasi + rasi)
    z = _unit_rows(rasi - lasi)
    back = mid_asis - mid_psis
    x = _unit_rows(back - np.sum(back * z, axis=-1, keepdims=True) * z)
    y = np.cross(z, x)
    pw = 1000.0 * np.linalg.norm(rasi - lasi, axis=-1, keepdims=True)
    pd = 1000.0 * np.linalg.norm(back, axis=-1, keepdims=True)
    off_x = (-0.24 * pd - 9.9) / 1000.0
    off_y = (-0.30 * pw - 10.9) / 1000.0
    off_z = (0.33 * pw + 7.3) / 1000.0
    base = mid_asis + off_x * x + off_y * y
    return base - off_z * z, base + off_z * z


def _unit_rows(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / np.linalg.norm(v, axis=-1, keepdims=True))


def _harrington(side: str, markers: Mapping[str, np.ndarray]) -> np.ndarray | None:
    if "LASI" not in markers or "RASI" not in markers:
        return None
    if "LPSI" in markers and "RPSI" in markers:
        mid_psis = 0.5 * (markers["LPSI"] + markers["RPSI"])
    elif "SACR" in markers:
        mid_psis = markers["SACR"]
    else:
        return None
    left, right = harrington_hip_centres(
        lasi=markers["LASI"], rasi=markers["RASI"], mid_psis=mid_psis
    )
    return left if side == "left" else right


def _candidate(
    keypoint: str, candidate: str, markers: Mapping[str, np.ndarray]
) -> np.ndarray | None:
    if candidate == HARRINGTON:
        side = keypoint.split("_", 1)[0]
        return _harrington(side, markers) if side in SIDES else None
    parts = candidate.split("+")
    if not all(p in markers for p in parts):
        return None
    return np.asarray(sum(markers[p] for p in parts) / len(parts), dtype=np.float64)


def pig_keypoints(
    markers: Mapping[str, np.ndarray],
    *,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> tuple[np.ndarray, dict[str, str]]:
    """Map Plug-in Gait markers onto the 33 BlazePose keypoints.

    Parameters
    ----------
    markers
        Marker name to positions (time, 3) (any length unit; Harrington needs metres).
    sources
        Candidates per keypoint, best first (default :data:`KEYPOINT_SOURCES`). The first
        candidate whose markers exist and have at least one finite frame is used for the
        whole trial.

    Returns
    -------
    tuple of (numpy.ndarray, dict)
        Keypoints (time, 33, 3), NaN where no candidate exists; and the candidate used
        for each mapped keypoint.

    Raises
    ------
    InputError
        If ``markers`` is empty, the arrays disagree in shape, or ``sources`` names an
        unknown keypoint.
    """
    if not markers:
        raise InputError("no markers")
    shapes = {np.shape(v) for v in markers.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2 or next(iter(shapes))[1] != 3:
        raise InputError(f"marker arrays must all have one shape (time, 3), got {shapes}")
    n = next(iter(shapes))[0]
    table = KEYPOINT_SOURCES if sources is None else sources
    out = np.full((n, len(KEYPOINTS), 3), np.nan)
    used: dict[str, str] = {}
    for keypoint, candidates in table.items():
        if keypoint not in KEYPOINT_INDEX:
            raise InputError(f"unknown keypoint {keypoint!r} in the marker sources")
        for candidate in candidates:
            points = _candidate(keypoint, candidate, markers)
            if points is not None and np.isfinite(points).any():
                out[:, KEYPOINT_INDEX[keypoint]] = points
                used[keypoint] = candidate
                break
    return out, used


def _marker_dict(markers: xr.DataArray) -> dict[str, np.ndarray]:
    data = np.asarray(markers.transpose("time", "marker", "space").values, dtype=np.float64)
    return {str(name): data[:, i] for i, name in enumerate(markers["marker"].values)}


# --------------------------------------------------------------- virtual camera


@contextmanager
def _quiet_nan() -> Iterator[None]:
    """Silence numpy's all-NaN-slice warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _mid(points: np.ndarray, a: str, b: str) -> np.ndarray:
    return np.asarray(0.5 * (points[:, KEYPOINT_INDEX[a]] + points[:, KEYPOINT_INDEX[b]]))


def vertical_axis(keypoints: np.ndarray) -> np.ndarray:
    """The lab axis (unit vector, signed) along which the hips stand above the feet.

    Parameters
    ----------
    keypoints
        Keypoints (time, 33, 3) in lab axes.

    Raises
    ------
    InputError
        If the trial has no frame with both hips and a foot keypoint.
    """
    hips = _mid(keypoints, "left_hip", "right_hip")
    feet = [
        keypoints[:, KEYPOINT_INDEX[f"{side}_{part}"]]
        for side in SIDES
        for part in ("ankle", "heel", "foot_index")
    ]
    with _quiet_nan():
        d = np.nanmedian(hips - np.nanmean(np.stack(feet), axis=0), axis=0)
    if not np.isfinite(d).all():
        raise InputError("cannot tell which way is up: no frame with hips and feet")
    k = int(np.argmax(np.abs(d)))
    up = np.zeros(3)
    up[k] = math.copysign(1.0, float(d[k]))
    return up


def _horizontal(v: np.ndarray, up: np.ndarray) -> np.ndarray:
    return np.asarray(v - np.sum(v * up, axis=-1, keepdims=True) * up)


def _progression(
    hips: np.ndarray, *, time_s: np.ndarray, up: np.ndarray, facing: np.ndarray
) -> tuple[np.ndarray, float]:
    """Walking direction (unit, horizontal, towards where the subject faces) and speed."""
    ok = np.all(np.isfinite(hips), axis=1)
    velocity = np.zeros(3)
    if ok.sum() >= 2:
        velocity = np.polyfit(time_s[ok], _horizontal(hips[ok], up), 1)[0]
    speed = float(np.linalg.norm(velocity))
    if speed < MIN_WALK_SPEED_M_S:
        return facing, float(np.dot(velocity, facing))
    forward = velocity / speed
    if float(np.dot(forward, facing)) < 0:
        forward = -forward
    return forward, float(np.dot(velocity, forward))


def look_at_camera(
    *,
    centre: np.ndarray,
    forward: np.ndarray,
    up: np.ndarray,
    focal_px: float,
    image_size: tuple[int, int],
    name: str = "virtual_frontal",
) -> Camera:
    """A level pinhole camera at ``centre`` looking along ``-forward``.

    Parameters
    ----------
    centre
        Camera centre (3,), world axes, metres.
    forward
        Unit horizontal direction from the subject to the camera.
    up
        Unit world vertical.
    focal_px
        Focal length in pixels (square pixels, principal point at the image centre).
    image_size
        (width, height) in pixels.
    name
        Camera name.

    Returns
    -------
    Camera
        Image x to the right, y down; the camera's optical axis is ``-forward``.
    """
    z_cam = -np.asarray(forward, dtype=np.float64)
    y_cam = -np.asarray(up, dtype=np.float64)
    x_cam = np.cross(y_cam, z_cam)
    rot = np.stack([x_cam, y_cam, z_cam])
    width, height = image_size
    matrix = np.array([[focal_px, 0.0, width / 2.0], [0.0, focal_px, height / 2.0], [0, 0, 1.0]])
    return Camera(
        name=name,
        image_size=(int(width), int(height)),
        matrix=matrix,
        distortions=np.zeros(5),
        rotation=np.asarray(cv2.Rodrigues(rot)[0], dtype=np.float64).ravel(),
        translation=-rot @ np.asarray(centre, dtype=np.float64),
    )


def frontal_view(
    keypoints: np.ndarray,
    *,
    time_s: np.ndarray,
    distance_m: float = DEFAULT_DISTANCE_M,
    follow: bool = False,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
    focal_px: float | None = None,
) -> tuple[np.ndarray, FrontalView]:
    """Place a virtual frontal camera in front of a walking subject.

    Parameters
    ----------
    keypoints
        Keypoints (time, 33, 3), metres, lab axes (from :func:`pig_keypoints`).
    time_s
        Frame times (time,).
    distance_m
        Camera distance beyond the furthest hip position (fixed camera) or in front of
        the mean hip position (``follow``).
    follow
        Move the markers back by the fitted mean progression (treadmill-like).
    image_size
        (width, height) in pixels; portrait by default, like a phone.
    focal_px
        Focal length; by default every point of the trial fills at most 90 % of the
        image.

    Returns
    -------
    tuple of (numpy.ndarray, FrontalView)
        The keypoints to project (shifted when ``follow``) and the view.

    Raises
    ------
    InputError
        If the hips or feet are missing throughout, or ``distance_m`` is not positive.
    """
    if not distance_m > 0:
        raise InputError(f"camera distance must be positive, got {distance_m}")
    pts = np.asarray(keypoints, dtype=np.float64)
    time_s = np.asarray(time_s, dtype=np.float64)
    up = vertical_axis(pts)
    lateral_v = _horizontal(
        pts[:, KEYPOINT_INDEX["left_hip"]] - pts[:, KEYPOINT_INDEX["right_hip"]], up
    )
    with _quiet_nan():
        lateral = np.nanmedian(lateral_v, axis=0)
    facing = np.cross(lateral, up)
    facing = facing / np.linalg.norm(facing)
    hips = _mid(pts, "left_hip", "right_hip")
    forward, speed = _progression(hips, time_s=time_s, up=up, facing=facing)
    if follow:
        ok = np.isfinite(time_s)
        shift = speed * (time_s - float(np.mean(time_s[ok])))
        pts = pts - shift[:, None, None] * forward
        hips = _mid(pts, "left_hip", "right_hip")
    with _quiet_nan():
        mean_hip = np.nanmean(hips, axis=0)
        height = float(np.nanmedian(hips @ up))
        reach = float(np.nanmax((hips - mean_hip) @ forward))
    ahead = reach + distance_m if not follow else distance_m
    centre = _horizontal(mean_hip, up) + ahead * forward + height * up
    camera = look_at_camera(
        centre=centre, forward=forward, up=up, focal_px=1.0, image_size=image_size
    )
    if focal_px is None:
        focal_px = _fitting_focal(pts, camera, image_size=image_size)
    camera = look_at_camera(
        centre=centre, forward=forward, up=up, focal_px=focal_px, image_size=image_size
    )
    view = FrontalView(camera, up, forward, speed, follow, float(distance_m))
    return pts, view


def _fitting_focal(points: np.ndarray, camera: Camera, *, image_size: tuple[int, int]) -> float:
    cam = camera_coordinates(points.reshape(-1, 3), camera)
    cam = cam[np.all(np.isfinite(cam), axis=1) & (cam[:, 2] > 0)]
    if cam.size == 0:
        raise InputError("no marker in front of the virtual camera")
    half_w, half_h = image_size[0] / 2.0, image_size[1] / 2.0
    ratio_x = float(np.max(np.abs(cam[:, 0] / cam[:, 2])))
    ratio_y = float(np.max(np.abs(cam[:, 1] / cam[:, 2])))
    limits = [half / ratio for half, ratio in ((half_w, ratio_x), (half_h, ratio_y)) if ratio > 0]
    return FILL_FRACTION * min(limits) if limits else 1000.0


# ------------------------------------------------------------------ pose dataset


def frontal_pose_dataset(
    trial: C3DTrial,
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
    follow: bool = False,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
    focal_px: float | None = None,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> tuple[xr.Dataset, FrontalView]:
    """A pose dataset of a C3D trial seen by a virtual frontal camera.

    Parameters
    ----------
    trial
        From :func:`read_c3d`.
    distance_m, follow, image_size, focal_px
        Camera placement, see :func:`frontal_view`.
    sources
        Keypoint candidates, see :func:`pig_keypoints`.

    Returns
    -------
    tuple of (xarray.Dataset, FrontalView)
        The pose dataset (model ``"c3d-virtual-frontal"``, projected by
        :func:`pronate.reference.reference_pose_dataset`; attribute ``keypoint_sources``
        is a JSON object of the candidate used per keypoint) and the camera placement.

    Raises
    ------
    InputError
        If no hips or feet can be built from the markers.
    """
    keypoints, used = pig_keypoints(_marker_dict(trial.markers), sources=sources)
    points, view = frontal_view(
        keypoints,
        time_s=trial.time_s,
        distance_m=distance_m,
        follow=follow,
        image_size=image_size,
        focal_px=focal_px,
    )
    mapped = [KEYPOINT_INDEX[k] for k in KEYPOINTS if k in used]
    reference = xr.DataArray(
        points[:, mapped],
        dims=("time", "marker", "space"),
        coords={
            "time": ("time", trial.time_s),
            "frame": ("time", np.asarray(trial.markers["frame"].values)),
            "marker": [KEYPOINTS[i] for i in mapped],
            "space": list("xyz"),
        },
        attrs={"data_rate": trial.rate, "source": trial.source},
    )
    pose = reference_pose_dataset(reference, view.camera, axes="xyz", mapping={})
    pose.attrs.update(
        model="c3d-virtual-frontal",
        keypoint_sources=json.dumps(used),
        camera_distance_m=view.distance_m,
        camera_follow=int(view.follow),
        progression_axis=json.dumps([round(float(v), 6) for v in view.forward]),
        vertical_axis=json.dumps([round(float(v), 6) for v in view.up]),
    )
    return pose, view


# ------------------------------------------------------------ reference angles


PIG_REFERENCE_VARIABLES: Final[tuple[str, ...]] = (
    "pelvic_obliquity_deg",
    "knee_valgus_left_deg",
    "knee_valgus_right_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "hip_rotation_left_deg",
    "hip_rotation_right_deg",
)


def pig_reference(trial: C3DTrial) -> xr.Dataset:
    """Plug-in Gait angles of a trial in pronate's sign conventions.

    Parameters
    ----------
    trial
        From :func:`read_c3d`.

    Returns
    -------
    xarray.Dataset
        Along ``time`` (the trial's), degrees, NaN where the file lacks the output
        (attribute ``source`` of each variable names the PiG output used):
        ``pelvic_obliquity_deg`` (``LPelvisAngles`` frontal, else minus ``RPelvisAngles``
        frontal; positive when the left side is up), ``knee_valgus_{side}_deg`` (minus
        the knee frontal angle: positive valgus), ``knee_flexion_{side}_deg`` (knee
        sagittal) and ``hip_rotation_{side}_deg`` (hip transverse, positive internal).
    """
    names = [str(a) for a in trial.angles["angle"].values]
    n = len(trial.time_s)

    def pick(options: Sequence[tuple[str, int, float]]) -> tuple[np.ndarray, str]:
        for angle, component, sign in options:
            if angle in names:
                series = trial.angles.sel(angle=angle, component=component).values
                return sign * np.asarray(series, dtype=np.float64), angle
        return np.full(n, np.nan), ""

    table: dict[str, Sequence[tuple[str, int, float]]] = {
        "pelvic_obliquity_deg": (("LPelvisAngles", 1, 1.0), ("RPelvisAngles", 1, -1.0)),
    }
    for side, s in (("left", "L"), ("right", "R")):
        table[f"knee_valgus_{side}_deg"] = ((f"{s}KneeAngles", 1, -1.0),)
        table[f"knee_flexion_{side}_deg"] = ((f"{s}KneeAngles", 0, 1.0),)
        table[f"hip_rotation_{side}_deg"] = ((f"{s}HipAngles", 2, 1.0),)
    out = xr.Dataset(coords={"time": ("time", trial.time_s)})
    for var in PIG_REFERENCE_VARIABLES:
        values, source = pick(table[var])
        out[var] = xr.DataArray(
            values, dims=("time",), attrs={"units": "deg", "source": source or "absent"}
        )
    return out


# ------------------------------------------------------------------ stance, stats


def stance_masks(events: Sequence[GaitEvent], time_s: np.ndarray) -> dict[str, np.ndarray]:
    """Stance of each foot from ``Foot Strike`` / ``Foot Off`` events.

    A foot is in stance from a strike up to (not including) the next off of the same
    side, and from the start of the trial up to an off that has no strike before it.
    Frames before a side's first strike that is not preceded by an off, and a stance
    whose off is missing (two strikes in a row), are unknown and count as not in stance.

    Parameters
    ----------
    events
        Events (any order); contexts ``Left`` / ``Right``, labels ``Foot Strike`` /
        ``Foot Off`` (case ignored); others are skipped.
    time_s
        Frame times (time,).

    Returns
    -------
    dict of str to numpy.ndarray
        Boolean masks for ``left`` / ``right``, only for sides with events.
    """
    time_s = np.asarray(time_s, dtype=np.float64)
    out: dict[str, np.ndarray] = {}
    for side in SIDES:
        mine = sorted(
            (
                e
                for e in events
                if e.context.strip().lower() == side
                and e.label.strip().lower() in ("foot strike", "foot off")
            ),
            key=lambda e: e.time_s,
        )
        if not mine:
            continue
        mask = np.zeros(time_s.shape, dtype=bool)
        start: float | None = None
        for i, event in enumerate(mine):
            if event.label.strip().lower() == "foot strike":
                start = event.time_s
            else:
                begin = start if start is not None else (-math.inf if i == 0 else None)
                if begin is not None:
                    mask |= (time_s >= begin) & (time_s < event.time_s)
                start = None
        if start is not None:
            mask |= time_s >= start
        out[side] = mask
    return out


def agreement(
    ours: np.ndarray, reference: np.ndarray, *, mask: np.ndarray | None = None
) -> Agreement:
    """Compare two series over the frames where both are finite (and ``mask`` holds).

    Parameters
    ----------
    ours, reference
        Series of one shape (degrees).
    mask
        Optional boolean selection of frames.

    Returns
    -------
    Agreement
        NaN statistics when no frame is compared.
    """
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if a.shape != b.shape:
        raise InputError(f"series shapes differ: {a.shape} vs {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    a, b = a[keep], b[keep]
    nan = math.nan
    if a.size == 0:
        return Agreement(0, nan, nan, nan, (nan, nan), (nan, nan))
    diff = a - b
    r = nan
    if a.size >= 3 and np.std(a) > 0 and np.std(b) > 0:
        r = float(np.corrcoef(a, b)[0, 1])
    return Agreement(
        n=int(a.size),
        mae_deg=float(np.mean(np.abs(diff))),
        bias_deg=float(np.mean(diff)),
        r=r,
        ours_range=(float(a.min()), float(a.max())),
        reference_range=(float(b.min()), float(b.max())),
    )


@dataclass(frozen=True)
class Comparison:
    """One row of a comparison with Plug-in Gait.

    Attributes
    ----------
    metric
        The pronate variable (e.g. ``knee_fppa_left_deg``).
    reference
        The :func:`pig_reference` variable (e.g. ``knee_valgus_left_deg``).
    phase
        ``trial`` (every frame both define) or ``left stance`` / ``right stance``.
    agreement
        The statistics.
    """

    metric: str
    reference: str
    phase: str
    agreement: Agreement


COMPARED: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("pelvic_obliquity_deg", "pelvic_obliquity_deg", None),
    ("knee_fppa_left_deg", "knee_valgus_left_deg", "left"),
    ("knee_fppa_right_deg", "knee_valgus_right_deg", "right"),
)
"""(pronate metric, PiG reference, side whose stance selects the frames or None)."""


def compare_with_pig(
    metrics: xr.Dataset, reference: xr.Dataset, *, stance: Mapping[str, np.ndarray]
) -> list[Comparison]:
    """Compare pronate metrics with the Plug-in Gait angles of the same frames.

    Parameters
    ----------
    metrics
        From :func:`pronate.kinematics.compute_metrics` on :func:`frontal_pose_dataset`.
    reference
        From :func:`pig_reference` (same ``time``).
    stance
        From :func:`stance_masks`.

    Returns
    -------
    list of Comparison
        Pelvic obliquity over the trial; each knee FPPA over its own side's stance (when
        that side has events) and over the trial.

    Raises
    ------
    InputError
        If the two datasets are not on the same time base.
    """
    t_ours = np.asarray(metrics["time"].values, dtype=np.float64)
    t_ref = np.asarray(reference["time"].values, dtype=np.float64)
    if t_ours.shape != t_ref.shape or not np.allclose(t_ours, t_ref):
        raise InputError("metrics and reference are not on the same time base")
    rows = []
    for metric, ref, side in COMPARED:
        ours, theirs = metrics[metric].values, reference[ref].values
        if side is not None and side in stance:
            mask = stance[side]
            rows.append(
                Comparison(metric, ref, f"{side} stance", agreement(ours, theirs, mask=mask))
            )
        rows.append(Comparison(metric, ref, "trial", agreement(ours, theirs)))
    return rows

"""Motion-capture reference: read a TRC and a camera calibration, project into a camera.

A lab that has 3-D keypoints of the same trial (e.g. triangulated by Pose2Sim, or a
marker-based system) can turn them into a *pose dataset* of the same schema as pronate's
tracking (:mod:`pronate.schema`), seen through one calibrated camera. The same downstream
code (metrics, validation) then runs on the reference and on the tracked data.

Conventions
-----------
TRC
    Tab-separated text (OpenSim / Pose2Sim layout): a ``PathFileType`` line, a line of
    header keys (``DataRate``, ..., ``Units``, ...) and one of their values, a line
    ``Frame#  Time  Marker1    Marker2 ...`` and a line ``X1 Y1 Z1 X2 ...``, then one
    row per frame. Lengths are converted to metres.
Axes
    TRC files are usually Y-up; calibrations (Pose2Sim, Qualisys) usually Z-up. The
    ``axes`` option says which TRC axis becomes each world axis: ``"zxy"`` (the default)
    means world = (Z, X, Y) of the TRC; ``"xyz"`` is the identity; a ``-`` before a
    letter flips that axis, e.g. ``"x-zy"`` means world = (X, -Z, Y).
Calibration
    Pose2Sim / OpenCap-style TOML: one table per camera with ``name``, ``size``
    (width, height in px), ``matrix`` (3x3 intrinsics), ``distortions`` (OpenCV order),
    ``rotation`` (Rodrigues vector, world to camera), ``translation`` (metres, world to
    camera) and ``fisheye``. Tables without ``matrix`` (e.g. ``[metadata]``) are skipped.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.keypoints import KEYPOINT_INDEX, KEYPOINTS
from pronate.schema import make_pose_dataset

DEFAULT_AXES: Final[str] = "zxy"

UNIT_TO_METRES: Final[dict[str, float]] = {"m": 1.0, "cm": 0.01, "mm": 0.001}

MARKER_TO_KEYPOINT: Final[dict[str, str]] = {
    "Nose": "nose",
    "REye": "right_eye",
    "LEye": "left_eye",
    "REar": "right_ear",
    "LEar": "left_ear",
    "RShoulder": "right_shoulder",
    "LShoulder": "left_shoulder",
    "RElbow": "right_elbow",
    "LElbow": "left_elbow",
    "RWrist": "right_wrist",
    "LWrist": "left_wrist",
    "RHip": "right_hip",
    "LHip": "left_hip",
    "RKnee": "right_knee",
    "LKnee": "left_knee",
    "RAnkle": "right_ankle",
    "LAnkle": "left_ankle",
    "RHeel": "right_heel",
    "LHeel": "left_heel",
    "RBigToe": "right_foot_index",
    "LBigToe": "left_foot_index",
}
"""Pose2Sim marker names and their BlazePose twins. ``RSmallToe``, ``Neck``, ``Head``
(and ``Hip``) have none. A marker already named like a BlazePose keypoint maps to itself."""

_AXIS_TOKEN: Final[re.Pattern[str]] = re.compile(r"([+-]?)([xyz])")


@dataclass(frozen=True, eq=False)
class Camera:
    """One calibrated camera (OpenCV pinhole or fisheye model).

    Attributes
    ----------
    name
        Camera name (the ``name`` field, else the TOML table name).
    image_size
        (width, height) in pixels of the images the calibration was made on.
    matrix
        Intrinsic matrix, shape (3, 3).
    distortions
        Distortion coefficients in OpenCV order (k1, k2, p1, p2[, k3 ...]); for a
        fisheye camera (k1, k2, k3, k4).
    rotation
        Rodrigues vector, shape (3,), rotating world into camera coordinates.
    translation
        Translation, shape (3,), metres: camera = R @ world + translation.
    fisheye
        Whether the fisheye model applies.
    """

    name: str
    image_size: tuple[int, int]
    matrix: np.ndarray
    distortions: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    fisheye: bool = False

    @property
    def rotation_matrix(self) -> np.ndarray:
        """The 3x3 rotation matrix of :attr:`rotation`."""
        return np.asarray(cv2.Rodrigues(self.rotation)[0], dtype=np.float64)


# --------------------------------------------------------------------------- TRC


def read_trc(path: Path | str) -> xr.DataArray:
    """Read marker trajectories from a TRC file.

    Parameters
    ----------
    path
        The ``.trc`` file.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, marker, space)``, metres, in the TRC's own axes. Coordinates:
        ``time`` (s, from the file's ``Time`` column), ``frame`` (the ``Frame#`` column),
        ``marker``, ``space`` (``x``, ``y``, ``z``). Attributes ``data_rate`` (Hz),
        ``units`` (``"m"``), ``source`` (the path). Missing values are NaN.

    Raises
    ------
    InputError
        If the file is missing or does not follow the TRC layout.
    """
    path = Path(path)
    lines = _read_lines(path)
    header = _trc_header(lines, path=path)
    names_at = _find_line(lines, "Frame#", path=path)
    markers = _trc_marker_names(lines[names_at], path=path)
    rows = _trc_rows(lines[names_at + 2 :], n_markers=len(markers), path=path)
    if rows.shape[0] == 0:
        raise InputError(f"{path}: no data rows")
    scale = _units_scale(header.get("Units", "m"), path=path)
    time = rows[:, 1]
    if not np.all(np.isfinite(time)) or not np.all(np.diff(time) > 0):
        raise InputError(f"{path}: the Time column must be finite and strictly increasing")
    data = rows[:, 2:].reshape(rows.shape[0], len(markers), 3) * scale
    da = xr.DataArray(
        data,
        dims=("time", "marker", "space"),
        coords={
            "time": ("time", time),
            "frame": ("time", _frame_numbers(rows[:, 0])),
            "marker": ("marker", markers),
            "space": ("space", ["x", "y", "z"]),
        },
        name="trc",
        attrs={"units": "m", "source": str(path)},
    )
    rate = _to_float(header.get("DataRate"))
    if rate is not None:
        da.attrs["data_rate"] = rate
    da["time"].attrs["units"] = "s"
    return da


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return text.splitlines()


def _split(line: str) -> list[str]:
    """Split a TRC line on tabs (or on whitespace when it has no tab)."""
    if "\t" in line:
        return [field.strip() for field in line.split("\t")]
    return line.split()


def _find_line(lines: list[str], first_field: str, *, path: Path) -> int:
    for i, line in enumerate(lines):
        fields = _split(line)
        if fields and fields[0].lower() == first_field.lower():
            return i
    raise InputError(f"{path} is not a TRC file (no line starting with {first_field!r})")


def _trc_header(lines: list[str], *, path: Path) -> dict[str, str]:
    """The ``DataRate ... Units ...`` keys and the values on the next line."""
    at = _find_line(lines, "DataRate", path=path)
    if at + 1 >= len(lines):
        raise InputError(f"{path}: TRC header has no values line")
    keys, values = _split(lines[at]), _split(lines[at + 1])
    return {k: v for k, v in zip(keys, values, strict=False) if k}


def _trc_marker_names(line: str, *, path: Path) -> list[str]:
    names = [name for name in _split(line)[2:] if name]
    if not names:
        raise InputError(f"{path}: TRC has no marker names")
    if len(set(names)) != len(names):
        raise InputError(f"{path}: TRC marker names are not unique")
    return names


def _trc_rows(lines: list[str], *, n_markers: int, path: Path) -> np.ndarray:
    """Parse data rows into an array (n_rows, 2 + 3 n_markers); empty fields are NaN."""
    width = 2 + 3 * n_markers
    rows = []
    for number, line in enumerate(lines, start=1):
        fields = _split(line)
        if not any(fields) or not _is_number(fields[0]):
            continue  # blank line or the X1/Y1/Z1 label line
        fields = fields + [""] * (width - len(fields))
        if any(fields[width:]):
            raise InputError(f"{path}: data row {number} has more than {width} columns")
        rows.append([_field_value(f, path=path) for f in fields[:width]])
    return np.asarray(rows, dtype=np.float64).reshape(-1, width)


def _is_number(text: str) -> bool:
    return _to_float(text) is not None


def _to_float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _field_value(text: str, *, path: Path) -> float:
    if not text:
        return math.nan
    value = _to_float(text)
    if value is None:
        raise InputError(f"{path}: {text!r} is not a number")
    return value


def _frame_numbers(column: np.ndarray) -> np.ndarray:
    if np.all(np.isfinite(column)):
        return column.astype(np.int64)
    return np.arange(1, column.size + 1, dtype=np.int64)


def _units_scale(units: str, *, path: Path) -> float:
    scale = UNIT_TO_METRES.get(units.strip().lower())
    if scale is None:
        raise InputError(f"{path}: unknown TRC units {units!r} (expected m, cm or mm)")
    return scale


# -------------------------------------------------------------------------- axes


def parse_axes(axes: str) -> tuple[tuple[int, int, int], tuple[float, float, float]]:
    """Parse an axis specification such as ``"zxy"`` or ``"x-zy"``.

    Parameters
    ----------
    axes
        For each world axis in turn (x, y, z), the TRC axis it comes from, optionally
        preceded by ``-`` (flip) or ``+``.

    Returns
    -------
    tuple
        (indices of the TRC axes, signs) for world x, y, z.

    Raises
    ------
    InputError
        If ``axes`` does not name each of x, y, z exactly once.
    """
    spec = axes.strip().lower()
    tokens = _AXIS_TOKEN.findall(spec)
    letters = [letter for _, letter in tokens]
    if "".join(sign + letter for sign, letter in tokens) != spec or sorted(letters) != list("xyz"):
        raise InputError(f"bad axes {axes!r}: name each of x, y, z once, e.g. 'zxy' or 'x-zy'")
    index = tuple("xyz".index(letter) for letter in letters)
    signs = tuple(-1.0 if sign == "-" else 1.0 for sign, _ in tokens)
    return (index[0], index[1], index[2]), (signs[0], signs[1], signs[2])


def convert_axes(points: np.ndarray, *, axes: str = DEFAULT_AXES) -> np.ndarray:
    """Re-express TRC points in the calibration's world axes.

    Parameters
    ----------
    points
        Array (..., 3) in the TRC's axes.
    axes
        Axis specification, see :func:`parse_axes`; ``"zxy"``: world = (Z, X, Y).

    Returns
    -------
    numpy.ndarray
        Array (..., 3) in world axes.
    """
    index, signs = parse_axes(axes)
    pts = np.asarray(points, dtype=np.float64)
    return pts[..., list(index)] * np.asarray(signs)


# ------------------------------------------------------------------- calibration


def read_calibration(path: Path | str) -> dict[str, Camera]:
    """Read the cameras of a Pose2Sim / OpenCap-style TOML calibration.

    Parameters
    ----------
    path
        The ``.toml`` file.

    Returns
    -------
    dict of str to Camera
        Cameras by name, in file order.

    Raises
    ------
    InputError
        If the file is missing, not TOML, has no camera, or a camera table is incomplete.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not a TOML calibration ({exc})") from exc
    cameras = [
        _camera(section, table, path=path)
        for section, table in doc.items()
        if isinstance(table, dict) and "matrix" in table
    ]
    if not cameras:
        raise InputError(f"{path}: no camera (a table with a 'matrix') found")
    return {camera.name: camera for camera in cameras}


def _camera(section: str, table: Mapping[str, Any], *, path: Path) -> Camera:
    where = f"{path} [{section}]"
    missing = [k for k in ("size", "matrix", "rotation", "translation") if k not in table]
    if missing:
        raise InputError(f"{where}: missing {', '.join(missing)}")
    size = _array(table["size"], shape=(2,), what="size", where=where)
    return Camera(
        name=str(table.get("name", section)),
        image_size=(round(size[0]), round(size[1])),
        matrix=_array(table["matrix"], shape=(3, 3), what="matrix", where=where),
        distortions=_array(
            table.get("distortions", []), shape=None, what="distortions", where=where
        ),
        rotation=_rodrigues(table["rotation"], where=where),
        translation=_array(table["translation"], shape=(3,), what="translation", where=where),
        fisheye=bool(table.get("fisheye", False)),
    )


def _array(value: Any, *, shape: tuple[int, ...] | None, what: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {what} is not numeric") from exc
    if shape is not None and arr.shape != shape:
        raise InputError(f"{where}: {what} has shape {arr.shape}, expected {shape}")
    if shape is None:
        arr = arr.ravel()
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{where}: {what} is not finite")
    arr.setflags(write=False)
    return arr


def _rodrigues(value: Any, *, where: str) -> np.ndarray:
    """A Rodrigues vector, also accepting a 3x3 rotation matrix."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: rotation is not numeric") from exc
    if arr.shape == (3, 3):
        arr = np.asarray(cv2.Rodrigues(arr)[0], dtype=np.float64).ravel()
    return _array(arr, shape=(3,), what="rotation", where=where)


def select_camera(cameras: Mapping[str, Camera], name: str) -> Camera:
    """Pick a camera by name; ``cam01`` also matches ``cam_01`` (case, ``_`` and ``-`` ignored).

    Raises
    ------
    InputError
        If no camera, or more than one, matches.
    """
    if name in cameras:
        return cameras[name]
    matches = [cam for key, cam in cameras.items() if _loose(key) == _loose(name)]
    if len(matches) != 1:
        raise InputError(f"no camera {name!r} in the calibration (it has {', '.join(cameras)})")
    return matches[0]


def _loose(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


# -------------------------------------------------------------------- projection


def camera_coordinates(points_world: np.ndarray, camera: Camera) -> np.ndarray:
    """World points (..., 3) in the camera frame (x right, y down, z forward), metres."""
    pts = np.asarray(points_world, dtype=np.float64)
    return pts @ camera.rotation_matrix.T + camera.translation


def project(points_world: np.ndarray, camera: Camera) -> np.ndarray:
    """Project world points into the camera's image with :func:`cv2.projectPoints`.

    Parameters
    ----------
    points_world
        Array (..., 3), metres, in the calibration's world axes; may hold NaN.
    camera
        The camera.

    Returns
    -------
    numpy.ndarray
        Array (..., 2) of pixel coordinates (x right, y down). NaN where the point
        is NaN or not in front of the camera.
    """
    pts = np.asarray(points_world, dtype=np.float64)
    flat = pts.reshape(-1, 3)
    out = np.full((flat.shape[0], 2), np.nan)
    depth = camera_coordinates(flat, camera)[:, 2]
    ok = np.all(np.isfinite(flat), axis=1) & (np.nan_to_num(depth, nan=-1.0) > 0)
    if np.any(ok):
        out[ok] = _cv_project(flat[ok], camera)
    return out.reshape(*pts.shape[:-1], 2)


def _cv_project(points: np.ndarray, camera: Camera) -> np.ndarray:
    obj = np.ascontiguousarray(points.reshape(-1, 1, 3))
    rvec = np.ascontiguousarray(camera.rotation.reshape(3, 1))
    tvec = np.ascontiguousarray(camera.translation.reshape(3, 1))
    matrix = np.ascontiguousarray(camera.matrix)
    dist = np.ascontiguousarray(camera.distortions)
    if camera.fisheye:
        px, _ = cv2.fisheye.projectPoints(obj, rvec, tvec, matrix, dist)
    else:
        px, _ = cv2.projectPoints(obj, rvec, tvec, matrix, dist)
    return np.asarray(px, dtype=np.float64).reshape(-1, 2)


# ------------------------------------------------------------- reference dataset


def keypoint_for_marker(marker: str, *, mapping: Mapping[str, str] | None = None) -> str | None:
    """The BlazePose keypoint of a reference marker, or ``None`` if it has no twin."""
    table = MARKER_TO_KEYPOINT if mapping is None else mapping
    if marker in table:
        return table[marker]
    return marker if marker in KEYPOINT_INDEX else None


def marker_keypoint_pairs(
    markers: list[str], *, mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map each BlazePose keypoint to the reference marker that stands for it.

    Raises
    ------
    InputError
        If two markers map to the same keypoint or a mapping names an unknown keypoint.
    """
    pairs: dict[str, str] = {}
    for marker in markers:
        keypoint = keypoint_for_marker(marker, mapping=mapping)
        if keypoint is None:
            continue
        if keypoint not in KEYPOINT_INDEX:
            raise InputError(f"marker {marker!r} is mapped to unknown keypoint {keypoint!r}")
        if keypoint in pairs:
            raise InputError(f"markers {pairs[keypoint]!r} and {marker!r} both map to {keypoint}")
        pairs[keypoint] = marker
    return pairs


def reference_pose_dataset(
    trc: xr.DataArray,
    camera: Camera,
    *,
    axes: str = DEFAULT_AXES,
    mapping: Mapping[str, str] | None = None,
    image_size: tuple[int, int] | None = None,
    source: str = "",
) -> xr.Dataset:
    """Project a 3-D reference into a camera as a pose dataset (:mod:`pronate.schema`).

    Parameters
    ----------
    trc
        Reference trajectories from :func:`read_trc` (time, marker, space), metres.
    camera
        The camera to project into.
    axes
        How TRC axes become world axes, see :func:`convert_axes`.
    mapping
        Marker name to BlazePose keypoint; default :data:`MARKER_TO_KEYPOINT`.
    image_size
        (width, height) recorded in the dataset; default the calibration's size.
    source
        Recorded as ``source_video``; default the TRC's source path.

    Returns
    -------
    xarray.Dataset
        At the reference's timestamps (``frame`` = the TRC's frame numbers). ``position``
        holds the projected pixels, its ``z`` the depth relative to the mid-hip in the
        same scale as x (as BlazePose); ``world`` the camera-frame coordinates (x right,
        y down, z away from the camera) centred between the hips, metres;
        ``confidence`` 1 where the keypoint is present, 0 where not. Keypoints without a
        marker are NaN.

    Raises
    ------
    InputError
        If no marker maps to a BlazePose keypoint.
    """
    pairs = marker_keypoint_pairs(list(map(str, trc["marker"].values)), mapping=mapping)
    if not pairs:
        raise InputError("no reference marker maps to a BlazePose keypoint")
    world_pts = _keypoint_array(trc, pairs, axes=axes)
    cam_pts = camera_coordinates(world_pts, camera)
    pixels = project(world_pts, camera)
    mid_hip = _mid_hip(cam_pts)
    depth_px = _relative_depth_px(cam_pts, mid_hip=mid_hip, focal_px=float(camera.matrix[0, 0]))
    position = np.concatenate([pixels, depth_px[..., None]], axis=-1)
    present = np.all(np.isfinite(pixels), axis=-1)
    width, height = camera.image_size if image_size is None else image_size
    time = np.asarray(trc["time"].values, dtype=np.float64)
    return make_pose_dataset(
        position=position,
        confidence=present.astype(np.float64),
        world=cam_pts - mid_hip[:, None, :],
        time_s=time,
        fps=_rate(trc, time),
        source_video=source or str(trc.attrs.get("source", "")),
        model="reference",
        image_width=int(width),
        image_height=int(height),
        frame=np.asarray(trc["frame"].values) if "frame" in trc.coords else None,
        extra_attrs={"reference_camera": camera.name, "reference_axes": axes},
    )


def _keypoint_array(trc: xr.DataArray, pairs: Mapping[str, str], *, axes: str) -> np.ndarray:
    """World points (time, 33, 3) of the mapped keypoints, NaN elsewhere."""
    data = np.asarray(trc.transpose("time", "marker", "space").values, dtype=np.float64)
    markers = [str(m) for m in trc["marker"].values]
    out = np.full((data.shape[0], len(KEYPOINTS), 3), np.nan)
    for keypoint, marker in pairs.items():
        out[:, KEYPOINT_INDEX[keypoint]] = data[:, markers.index(marker)]
    return convert_axes(out, axes=axes)


def _mid_hip(cam_pts: np.ndarray) -> np.ndarray:
    """Mid-point of the hips per frame, (time, 3); NaN when a hip is missing."""
    left = cam_pts[:, KEYPOINT_INDEX["left_hip"]]
    right = cam_pts[:, KEYPOINT_INDEX["right_hip"]]
    return np.asarray((left + right) / 2.0)


def _relative_depth_px(cam_pts: np.ndarray, *, mid_hip: np.ndarray, focal_px: float) -> np.ndarray:
    """Depth relative to the mid-hip, in pixels at the mid-hip's distance."""
    hip_depth = mid_hip[:, 2:3]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((cam_pts[..., 2] - hip_depth) * focal_px / hip_depth)


def _rate(trc: xr.DataArray, time: np.ndarray) -> float:
    rate = trc.attrs.get("data_rate")
    if rate is not None and float(rate) > 0:
        return float(rate)
    if time.size > 1:
        return float(1.0 / np.median(np.diff(time)))
    return 1.0

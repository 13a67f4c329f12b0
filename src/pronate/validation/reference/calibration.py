"""Camera calibrations (Pose2Sim / OpenCap TOML) and projection through a camera (see
:mod:`pronate.validation.reference`)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pronate.errors import InputError


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

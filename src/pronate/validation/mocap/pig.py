"""Plug-in Gait markers onto BlazePose keypoints, and the model angles as a reference
(see :mod:`pronate.validation.mocap`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.pose.keypoints import KEYPOINT_INDEX, KEYPOINTS
from pronate.validation.mocap.c3d import SIDES, C3DTrial

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


def marker_dict(markers: xr.DataArray) -> dict[str, np.ndarray]:
    """The trial's markers by name, each a ``(time, 3)`` array."""
    data = np.asarray(markers.transpose("time", "marker", "space").values, dtype=np.float64)
    return {str(name): data[:, i] for i, name in enumerate(markers["marker"].values)}


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

"""Reading a C3D trial: markers, model angles and gait events (see
:mod:`pronate.validation.mocap`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr

from pronate.errors import InputError
from pronate.validation.reference import UNIT_TO_METRES

SIDES: Final[tuple[str, str]] = ("left", "right")
NON_POSITION_GROUPS: Final[tuple[str, ...]] = (
    "ANGLES",
    "FORCES",
    "MOMENTS",
    "POWERS",
    "SCALARS",
    "REACTIONS",
)


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

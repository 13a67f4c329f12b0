"""Reading a TRC file of marker trajectories (see :mod:`pronate.validation.reference`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import InputError

UNIT_TO_METRES: Final[dict[str, float]] = {"m": 1.0, "cm": 0.01, "mm": 0.001}


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

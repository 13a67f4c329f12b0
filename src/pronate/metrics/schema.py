"""The metrics dataset: one labelled container of the per-frame metrics, its schema written once.

A metrics dataset is an :class:`xarray.Dataset` made by
:func:`pronate.metrics.kinematics.compute_metrics`, with

dimension
    ``time``: the pose dataset's (real frame timestamps, s), with the coordinate ``frame``
    (int, the frame's index in the video) along it.
data variables
    :data:`METRIC_VARIABLES`, in ``timeseries.csv`` column order, each along ``time``:
    float with ``units`` ``deg``, ``1`` (normalised: hip widths or foot lengths) or
    ``px``; ``<name>_unc``, the +/- of each frontal metric frame by frame
    (:mod:`pronate.metrics.uncertainty`); and ``stance`` (str: ``left``, ``right``,
    ``both``, ``none``). Their meaning and sign conventions are written in
    :mod:`pronate.metrics.kinematics`. Frontal variables are NaN unless the view is front
    or back.
attributes (provenance, :data:`REQUIRED_ATTRS`)
    ``model``, ``sex``, the camera as JSON (``camera``: :meth:`pronate.camera.body.Camera.as_dict`)
    and the figures the normalised measures rest on: ``hip_width_px``, ``leg_length_px``,
    ``foot_length_px``, ``leg_length_m``, ``neutral_frames`` (``quiet``, ``both_feet`` or
    ``all``), ``quiet_frames``. The pipeline passes the camera on as an object; these
    attributes are what a file or a later reader keeps of how the numbers were made.

Validation happens at the boundary: :func:`validate_metrics_dataset` is called when the
dataset is made.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import xarray as xr

from pronate.errors import SchemaError
from pronate.metrics.frontal_series import FRONTAL_VARIABLES

MEASURE_VARIABLES: Final[tuple[str, ...]] = (
    "knee_fppa_left_deg",
    "knee_fppa_right_deg",
    "femur_frontal_left_deg",
    "femur_frontal_right_deg",
    "tibia_frontal_left_deg",
    "tibia_frontal_right_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "pelvic_obliquity_deg",
    "pelvis_shift_norm",
    "trunk_lean_deg",
    "com_x_px",
    "com_y_px",
    "stance",
    "com_margin_norm",
    "xcom_margin_norm",
    "ankle_medial_shift_left_norm",
    "ankle_medial_shift_right_norm",
)
"""The metrics proper, in ``timeseries.csv`` column order."""

METRIC_VARIABLES: Final[tuple[str, ...]] = (
    *MEASURE_VARIABLES,
    *(f"{name}_unc" for name in FRONTAL_VARIABLES),
)
"""Data variables of a metrics dataset, in ``timeseries.csv`` column order: the metrics,
then the +/- of each frontal one (``_unc``, same unit, :mod:`pronate.metrics.uncertainty`)."""

STANCES: Final[tuple[str, ...]] = ("both", "left", "right", "none")
"""Values of the ``stance`` variable."""

UNITS: Final[dict[str, str]] = {"deg": "deg", "norm": "1", "px": "px"}
"""Unit of a variable by the suffix of its name."""

REQUIRED_ATTRS: Final[dict[str, type | tuple[type, ...]]] = {
    "model": str,
    "sex": str,
    "camera": str,
    "hip_width_px": (float, np.floating),
    "leg_length_px": (float, np.floating),
    "foot_length_px": (float, np.floating),
    "leg_length_m": (float, np.floating),
    "neutral_frames": str,
    "quiet_frames": (int, np.integer),
}


def unit_of(name: str) -> str | None:
    """The unit of metric ``name`` by its suffix (``None`` for ``stance``); a +/- has
    the unit of its metric."""
    return UNITS.get(name.removesuffix("_unc").rsplit("_", 1)[-1])


def set_units(metrics: xr.Dataset) -> None:
    """Write each variable's ``units`` attribute (:data:`UNITS`)."""
    for name in metrics.data_vars:
        unit = unit_of(str(name))
        if unit is not None:
            metrics[name].attrs["units"] = unit


def validate_metrics_dataset(ds: xr.Dataset) -> xr.Dataset:
    """Check ``ds`` against the schema of this module and return it.

    Raises
    ------
    SchemaError
        Naming the first thing that does not follow the schema.
    """
    if tuple(ds.data_vars) != METRIC_VARIABLES:
        raise SchemaError(
            f"metrics variables must be {METRIC_VARIABLES}, got {tuple(ds.data_vars)}"
        )
    if "frame" not in ds.coords or ds["frame"].dims != ("time",):
        raise SchemaError("a metrics dataset needs the coordinate 'frame' along 'time'")
    for name, da in ds.data_vars.items():
        if da.dims != ("time",):
            raise SchemaError(f"metric {name!r} must have dims ('time',), got {da.dims}")
        unit = unit_of(str(name))
        if unit is None:
            if not np.isin(np.asarray(da.values).astype(str), STANCES).all():
                raise SchemaError(f"metric {name!r} holds values other than {STANCES}")
        elif not np.issubdtype(da.dtype, np.floating) or da.attrs.get("units") != unit:
            raise SchemaError(f"metric {name!r} must be float with units {unit!r}")
    for key, kind in REQUIRED_ATTRS.items():
        if not isinstance(ds.attrs.get(key), kind):
            raise SchemaError(f"metrics attribute {key!r} is missing or of the wrong type")
    return ds

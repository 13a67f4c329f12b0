"""Every number a run is given, checked before any tracking: finite and in a range where
it means something (and where the arrays it sizes fit in memory).

The messages name the command line's options (``--min-confidence``), since that is where
the values usually come from; thresholds are named as in a ``--config`` file.
"""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Final

from pronate.camera.view import VIEWS
from pronate.errors import ConfigError
from pronate.metrics.com import SEXES
from pronate.pose.config import MODEL_NAMES, FilterConfig, TrackConfig
from pronate.verdict.thresholds import Thresholds, load_thresholds

MAX_GAP_S: Final[float] = 60.0
MAX_HAMPEL_WINDOW: Final[int] = 99
MAX_SIGMA: Final[float] = 100.0
MAX_CUTOFF_HZ: Final[float] = 1000.0
MAX_DURATION_S: Final[float] = 60.0
"""Largest duration threshold (a window, a shortest run), seconds."""
MAX_SIZE: Final[float] = 100.0
"""Largest magnitude of a threshold in body units (leg or foot lengths, hip widths, per
second)."""


def check_tracking(track: TrackConfig | None, filters: FilterConfig | None) -> None:
    """Check the settings of tracking and clean-up.

    Raises
    ------
    ConfigError
        Naming the option and its allowed range.
    """
    if track is not None:
        if track.model not in MODEL_NAMES:
            raise ConfigError(f"--model {track.model} is not one of {', '.join(MODEL_NAMES)}")
        if track.pick is not None and not all(math.isfinite(v) for v in track.pick):
            raise ConfigError(f"--pick {track.pick} is not a pixel")
        if not 1 <= track.workers <= 64:
            raise ConfigError(f"tracking segments at once must lie in 1..64, got {track.workers}")
    if filters is None:
        return
    _within("--min-confidence", filters.min_confidence, 0.0, 1.0, "a confidence")
    _within("--max-gap", filters.max_gap_s, 0.0, MAX_GAP_S, "seconds")
    window = filters.hampel_window
    if isinstance(window, bool) or not isinstance(window, int) or window % 2 == 0:
        raise ConfigError(f"--hampel-window {window} must be an odd whole number of samples")
    if not 1 <= window <= MAX_HAMPEL_WINDOW:
        raise ConfigError(f"--hampel-window {window} must lie in 1..{MAX_HAMPEL_WINDOW}")
    _positive("--hampel-sigma", filters.hampel_n_sigma, MAX_SIGMA, "robust sigmas")
    _positive("--cutoff", filters.cutoff_hz, MAX_CUTOFF_HZ, "Hz")


def check_analysis(
    *, view: str | None, roll_deg: float | None, sex: str, thresholds: Thresholds
) -> None:
    """Check the settings of the analysis after tracking.

    Raises
    ------
    ConfigError
        Naming the option or threshold and its allowed range.
    """
    if view is not None and view not in VIEWS:
        raise ConfigError(f"--view {view} is not one of {', '.join(VIEWS)}")
    if roll_deg is not None:
        _within("--roll", roll_deg, -180.0, 180.0, "degrees")
    if sex not in SEXES:
        raise ConfigError(f"--sex {sex} is not one of {', '.join(SEXES)}")
    check_thresholds(thresholds)


def check_thresholds(thresholds: Thresholds) -> None:
    """Bound every threshold by its unit (the field's name says it): durations (``_s``)
    at most :data:`MAX_DURATION_S`, angles (``_deg``) within ±180, percentages within
    0..100, anything else (body units) within ±:data:`MAX_SIZE`.

    Raises
    ------
    ConfigError
        For the first threshold out of its bounds.
    """
    for f in fields(thresholds):
        value = float(getattr(thresholds, f.name))
        if f.name.endswith("_s"):
            bound, unit = MAX_DURATION_S, " s"
        elif f.name.endswith("_deg"):
            bound, unit = 180.0, " deg"
        elif f.name.endswith("_pct"):
            bound, unit = 100.0, " %"
        else:
            bound, unit = MAX_SIZE, ""
        if not math.isfinite(value) or abs(value) > bound:
            raise ConfigError(
                f"threshold {f.name!r} must lie within ±{bound:g}{unit}, got {value:g}"
            )


def checked_thresholds(path: Path | None) -> Thresholds:
    """:func:`~pronate.verdict.thresholds.load_thresholds`, then :func:`check_thresholds`
    (a problem is named with the file).

    Raises
    ------
    ConfigError
        When the file cannot be read or a value is refused.
    """
    thresholds = load_thresholds(path)
    try:
        check_thresholds(thresholds)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return thresholds


def _within(option: str, value: float, low: float, high: float, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{option} {value!r} is not a number")
    if not (math.isfinite(value) and low <= value <= high):
        raise ConfigError(f"{option} {value:g} is out of range: {what} from {low:g} to {high:g}")


def _positive(option: str, value: float, high: float, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{option} {value!r} is not a number")
    if not (math.isfinite(value) and 0 < value <= high):
        raise ConfigError(
            f"{option} {value:g} is out of range: above 0 and at most {high:g} {unit}"
        )

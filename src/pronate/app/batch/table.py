"""The tidy table across clips: :mod:`pronate.outputs.table` (one implementation, shared
with the analysis of a whole recording)."""

from pronate.outputs.table import (
    COLUMNS,
    LEG_METRICS,
    SHARED_METRICS,
    clip_rows,
    leg_key,
    read_rows,
    write_tables,
)

__all__ = [
    "COLUMNS",
    "LEG_METRICS",
    "SHARED_METRICS",
    "clip_rows",
    "leg_key",
    "read_rows",
    "write_tables",
]

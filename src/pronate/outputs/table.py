"""The tidy table of loading moments: one row per moment and loaded leg (`moments.csv`
and `moments.parquet` of `pronate batch`, `moments.csv` of a recording)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pronate.io.atomic import atomic_path

LEG_METRICS = (
    "knee_fppa_deg",
    "femur_frontal_deg",
    "tibia_frontal_deg",
    "knee_flexion_deg",
    "ankle_medial_shift_norm",
)
"""Metrics of one leg; in ``summary.json`` they are named ``knee_fppa_{leg}_deg``, ..."""
SHARED_METRICS = (
    "pelvic_obliquity_deg",
    "pelvis_shift_norm",
    "trunk_lean_deg",
    "com_margin_norm",
    "xcom_margin_norm",
)
"""Metrics of the whole body."""
COLUMNS = (
    "clip",
    "client",
    "folder",
    "moment",
    "side",
    "leg",
    "kind",
    "start_s",
    "peak_s",
    "end_s",
    "verdict",
    "leg_verdict",
    "confidence",
    "stance",
    *(f"{m}{s}" for m in (*LEG_METRICS, *SHARED_METRICS) for s in ("", "_unc")),
)
"""Columns of ``moments.csv`` / ``moments.parquet``, in order (``_unc``: the ± at the
peak, one RMSE)."""


def leg_key(metric: str, leg: str) -> str:
    """The ``summary.json`` name of a leg metric: ``knee_fppa_deg`` -> ``knee_fppa_left_deg``."""
    stem, _, unit = metric.rpartition("_")
    return f"{stem}_{leg}_{unit}"


def clip_rows(summary: dict[str, Any], *, clip: str, client: str, folder: str) -> list[dict]:
    """The table rows of one clip's ``summary.json`` content: a moment of side ``both``
    gives one row per leg."""
    rows = []
    for index, event in enumerate(summary.get("events") or []):
        side = str(event.get("side"))
        for leg in ("left", "right") if side == "both" else (side,):
            rows.append(_row(event, index=index, leg=leg, clip=clip, client=client, folder=folder))
    return rows


def _row(event: dict, *, index: int, leg: str, clip: str, client: str, folder: str) -> dict:
    metrics = event.get("metrics") or {}
    sigma = event.get("uncertainty") or {}
    row: dict[str, Any] = {
        "clip": clip,
        "client": client,
        "folder": folder,
        "moment": index,
        "side": event.get("side"),
        "leg": leg,
        "kind": event.get("kind"),
        "start_s": _num(event.get("start_s")),
        "peak_s": _num(event.get("peak_s")),
        "end_s": _num(event.get("end_s")),
        "verdict": event.get("verdict"),
        "leg_verdict": (event.get("legs") or {}).get(leg),
        "confidence": event.get("confidence"),
        "stance": metrics.get("stance"),
    }
    for metric in (*LEG_METRICS, *SHARED_METRICS):
        key = leg_key(metric, leg) if metric in LEG_METRICS else metric
        row[metric] = _num(metrics.get(key))
        row[f"{metric}_unc"] = _num(sigma.get(key))
    return row


def _num(value: Any) -> float:
    """A number of the summary as a float (``None`` -> NaN)."""
    try:
        return float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def read_rows(folder: Path, *, clip: str, client: str) -> list[dict]:
    """The rows of the analysis in ``folder`` (its ``summary.json``)."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return clip_rows(summary, clip=clip, client=client, folder=folder.name)


def _frame(rows: list[dict]) -> Any:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for name in ("moment",):
        frame[name] = frame[name].astype("int64")
    text_columns = [c for c in COLUMNS if c not in ("moment",) and frame[c].dtype == object]
    for name in text_columns:
        frame[name] = frame[name].astype("string")
    return frame


def write_csv(rows: list[dict], path: Path) -> Path:
    """Write the rows as ``moments.csv`` at ``path`` (atomically)."""
    with atomic_path(Path(path)) as tmp:
        _frame(rows).to_csv(tmp, index=False, na_rep="", float_format="%.6g")
    return Path(path)


def write_tables(rows: list[dict], outdir: Path) -> tuple[Path, Path]:
    """Write ``moments.csv`` and ``moments.parquet`` into ``outdir`` (atomically)."""
    frame = _frame(rows)
    csv_path, parquet_path = outdir / "moments.csv", outdir / "moments.parquet"
    with atomic_path(csv_path) as tmp:
        frame.to_csv(tmp, index=False, na_rep="", float_format="%.6g")
    with atomic_path(parquet_path) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow")
    return csv_path, parquet_path

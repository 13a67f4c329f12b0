"""Typed inputs of the outputs made by hand: a loading moment with its verdict
(:func:`assessment`) and an analysis of given moments and metrics (:func:`analysis_with`),
as the pipeline hands them to the overlay, the key frames and the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import xarray as xr

from pronate.verdict.analysis import Analysis
from pronate.verdict.assessment import Assessment
from pronate.verdict.criteria import Criterion
from pronate.verdict.moments import Moment
from pronate.verdict.thresholds import Thresholds
from stages import camera_facing


def assessment(
    side: str,
    kind: str,
    start_s: float,
    peak_s: float,
    end_s: float,
    verdict: str,
    *,
    knee_s: float | None = None,
    depth: float = float("nan"),
    legs: dict[str, str] | None = None,
    criteria: Sequence[Criterion] = (),
    reason: str | None = None,
    placement_hint: str | None = None,
    fps: float = 30.0,
) -> Assessment:
    """A loading moment with its verdict, made by hand (positions and frame numbers at
    ``fps`` from the times); the legs get the moment's verdict unless ``legs`` says."""

    def at(t: float) -> int:
        return round(t * fps)

    knee = (
        {} if knee_s is None else {"knee": at(knee_s), "knee_s": knee_s, "knee_frame": at(knee_s)}
    )
    moment = Moment(
        side=side,
        kind=kind,
        start=at(start_s),
        peak=at(peak_s),
        end=at(end_s),
        start_s=start_s,
        peak_s=peak_s,
        end_s=end_s,
        start_frame=at(start_s),
        peak_frame=at(peak_s),
        end_frame=at(end_s),
        depth=depth,
        **knee,
    )
    if legs is None:
        legs = {leg: verdict for leg in (("left", "right") if side == "both" else (side,))}
    return Assessment(
        moment=moment,
        verdict=verdict,
        criteria=list(criteria),
        legs=legs,
        reason=reason,
        placement_hint=placement_hint,
    )


def analysis_with(
    assessments: Sequence[Assessment] = (),
    *,
    metrics: xr.Dataset | None = None,
    view: str = "front",
    roll_deg: float = 0.0,
    model: str = "",
) -> Analysis:
    """An analysis made by hand: its moments, its metrics (none by default) and a camera
    with ``view`` and ``roll_deg``."""
    return Analysis(
        camera=replace(camera_facing(view), roll_deg=roll_deg),
        metrics=xr.Dataset() if metrics is None else metrics,
        assessments=list(assessments),
        quality={},
        thresholds=Thresholds(),
        model=model,
    )

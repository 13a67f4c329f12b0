"""The analysis stages on a pose dataset for tests, run as ``pronate analyze`` runs them."""

from __future__ import annotations

import xarray as xr

from pronate.camera.body import Body, Camera, observe
from pronate.camera.view import NOMINAL_YAW_DEG, ViewInfo, placement
from pronate.metrics.kinematics import compute_metrics
from pronate.verdict.analysis import Analysis, analyse_body
from pronate.verdict.thresholds import Thresholds


def metrics_of(
    pose: xr.Dataset, *, view: str | None = None, roll_deg: float | None = None, sex: str = "mean"
) -> xr.Dataset:
    """The metrics dataset of ``pose`` (camera stage, then the metrics)."""
    return compute_metrics(observe(pose, view=view, roll_deg=roll_deg), sex=sex)


def analysis_of(
    pose: xr.Dataset,
    *,
    thresholds: Thresholds | None = None,
    view: str | None = None,
    roll_deg: float | None = None,
) -> Analysis:
    """The analysis of ``pose``: camera stage, metrics, moments, verdicts."""
    body = observe(pose, view=view, roll_deg=roll_deg)
    return analyse_body(body, thresholds=thresholds or Thresholds())


def camera_facing(view: str = "front") -> Camera:
    """A level camera with a known view (as ``--view`` and ``--roll 0`` give), for tests
    that build metrics by hand."""
    info = ViewInfo(view, NOMINAL_YAW_DEG.get(view, 30.0), False, "override")
    measurable = view in ("front", "back")
    reason, hint = (None, None) if measurable else placement(info)
    return Camera(
        view=info,
        roll_deg=0.0,
        roll_method="override",
        roll_confidence="high",
        pitch_deg=0.0,
        px_per_m=float("nan"),
        frontal_measurable=measurable,
        reason=reason,
        placement_hint=hint,
    )


def seen(
    pose: xr.Dataset, *, view: str | None = None, roll_deg: float | None = None, sex: str = "mean"
) -> tuple[Body, xr.Dataset]:
    """The body of ``pose`` as the camera sees it, and its metrics."""
    body = observe(pose, view=view, roll_deg=roll_deg)
    return body, compute_metrics(body, sex=sex)


def facts(body: Body) -> dict[str, object]:
    """What the camera stage found, as plain values (view, yaw, labels, roll, pitch, the
    quiet stance and the neutral frames)."""
    camera = body.camera
    quiet = body.time_s[body.quiet]
    return {
        "view": camera.view.view,
        "view_source": camera.view.source,
        "yaw_deg": float(camera.view.yaw_deg),
        "labels_swapped": int(camera.view.labels_swapped),
        "roll_deg": float(camera.roll_deg),
        "roll_method": camera.roll_method,
        "pitch_deg": float(camera.pitch_deg),
        "frontal_valid": int(camera.frontal_measurable),
        "quiet_found": int(body.quiet.any()),
        "quiet_end_s": float(quiet[-1]) if quiet.size else float("nan"),
        "reference_frames": body.neutral_kind,
    }

"""Compare pronate's 2-D frontal metrics with Plug-in Gait angles on a C3D walking trial.

The markers of ``../shared/data/c3d_gait/gait-pig.c3d`` (c3d.org sample 03, Vicon Plug-in
Gait, normal adult walking) are mapped onto BlazePose keypoints, projected through a
virtual frontal camera (:mod:`pronate.validation.mocap`) and run through
:func:`pronate.validation.accuracy.metrics_of`; pelvic obliquity and knee FPPA are compared
with the file's PiG pelvic obliquity and knee varus/valgus (sign-flipped to valgus +).

Usage::

    .venv/bin/python bench/c3d_gait.py [PATH.c3d] [--distance M] [--follow]

Prints the conventions check, the main table (fixed camera ``--distance`` m ahead of the
walk, known level camera: ``roll_deg=0``) and a sensitivity table.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from pronate.validation import mocap
from pronate.validation.accuracy import metrics_of

DEFAULT_PATH = Path(__file__).resolve().parents[1].parent / "shared/data/c3d_gait/gait-pig.c3d"


def _fmt(x: float, digits: int = 2) -> str:
    return "nan" if not math.isfinite(x) else f"{x:+.{digits}f}"


def _range(r: tuple[float, float]) -> str:
    return f"[{r[0]:+.1f}, {r[1]:+.1f}]"


def run(
    trial: mocap.C3DTrial,
    *,
    distance_m: float,
    follow: bool,
    roll_deg: float | None = 0.0,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[mocap.Comparison], dict[str, object]]:
    """Project, compute the metrics, compare; also return a few facts for printing."""
    pose, view = mocap.frontal_pose_dataset(
        trial, distance_m=distance_m, follow=follow, sources=sources
    )
    metrics = metrics_of(pose, view="front", roll_deg=roll_deg)
    reference = mocap.pig_reference(trial)
    stance = mocap.stance_masks(trial.events, trial.time_s)
    rows = mocap.compare_with_pig(metrics, reference, stance=stance)
    facts: dict[str, object] = {
        "view": view,
        "sources": pose.attrs["keypoint_sources"],
        "roll_deg": float(metrics.attrs.get("roll_deg", math.nan)),
        "stance_frames": {side: int(mask.sum()) for side, mask in stance.items()},
    }
    return rows, facts


def print_table(rows: list[mocap.Comparison]) -> None:
    """The comparison table."""
    head = f"{'metric':22} {'vs PiG':22} {'frames':13} {'n':>4} {'MAE':>6} {'bias':>6} {'r':>6}"
    print(head + f"  {'ours range':>15} {'PiG range':>15}")
    for row in rows:
        a = row.agreement
        print(
            f"{row.metric:22} {row.reference:22} {row.phase:13} {a.n:4d} "
            f"{a.mae_deg:6.2f} {_fmt(a.bias_deg):>6} {_fmt(a.r):>6}  "
            f"{_range(a.ours_range):>15} {_range(a.reference_range):>15}"
        )


def conventions(trial: mocap.C3DTrial, view: mocap.FrontalView) -> None:
    """Check PiG's sign conventions against the markers of the file itself."""
    markers = {str(m): trial.markers.sel(marker=m).values for m in trial.markers["marker"].values}
    left_axis = np.cross(view.up, view.forward)
    reference = mocap.pig_reference(trial)
    pig_obl = reference["pelvic_obliquity_deg"].values
    print("conventions (checked on this file):")
    if "LASI" in markers and "RASI" in markers:
        d = markers["LASI"] - markers["RASI"]
        asis = np.degrees(np.arctan2(d @ view.up, d @ left_axis))
        a = mocap.agreement(asis, pig_obl)
        print(
            f"  PiG pelvic obliquity ({reference['pelvic_obliquity_deg'].attrs['source']} "
            f"frontal) vs LASI-RASI height angle: r = {a.r:+.3f}, bias {a.bias_deg:+.2f} deg "
            "-> positive = LEFT side up"
        )
    pose, _ = mocap.frontal_pose_dataset(trial)
    metrics = metrics_of(pose, view="front", roll_deg=0.0)
    stances = mocap.stance_masks(trial.events, trial.time_s)
    for side in ("left", "right"):
        stance = stances.get(side)
        raw = -reference[f"knee_valgus_{side}_deg"].values  # the file's own frontal angle
        a = mocap.agreement(metrics[f"knee_fppa_{side}_deg"].values, raw, mask=stance)
        print(
            f"  PiG {side} knee frontal angle vs our FPPA (valgus +) in stance: r = {a.r:+.3f} "
            f"-> PiG frontal positive = varus"
        )


def flexion_dependence(trial: mocap.C3DTrial) -> None:
    """How the FPPA - PiG difference in stance grows with knee flexion."""
    pose, _ = mocap.frontal_pose_dataset(trial)
    metrics = metrics_of(pose, view="front", roll_deg=0.0)
    reference = mocap.pig_reference(trial)
    stances = mocap.stance_masks(trial.events, trial.time_s)
    print("difference (ours - PiG valgus) against PiG knee flexion, in stance:")
    for side in ("left", "right"):
        diff = metrics[f"knee_fppa_{side}_deg"].values - reference[f"knee_valgus_{side}_deg"].values
        flexion = reference[f"knee_flexion_{side}_deg"].values
        rotation = reference[f"hip_rotation_{side}_deg"].values
        keep = stances.get(side, np.ones(diff.shape, bool)) & np.isfinite(diff + flexion)
        slope = float(np.polyfit(flexion[keep], diff[keep], 1)[0])
        r = float(np.corrcoef(flexion[keep], diff[keep])[0, 1])
        print(
            f"  {side:5}: r = {r:+.2f}, slope {slope:+.3f} deg/deg; knee flexion "
            f"{_range((float(flexion[keep].min()), float(flexion[keep].max())))}, PiG hip "
            f"rotation {_range((float(rotation[keep].min()), float(rotation[keep].max())))} "
            "(internal +)"
        )


def main(argv: list[str] | None = None) -> int:
    """Print the comparison for one C3D file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--distance", type=float, default=mocap.DEFAULT_DISTANCE_M)
    parser.add_argument("--follow", action="store_true", help="treadmill-like moving camera")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames at the end of the trial

    trial = mocap.read_c3d(args.path)
    rows, facts = run(trial, distance_m=args.distance, follow=args.follow)
    view = facts["view"]
    assert isinstance(view, mocap.FrontalView)
    angles = ", ".join(str(a) for a in trial.angles["angle"].values)
    print(f"file: {args.path}")
    print(
        f"  {trial.time_s.size} frames at {trial.rate:g} Hz, {trial.markers.sizes['marker']} "
        f"position points, angles: {angles}"
    )
    print(f"  keypoints from: {facts['sources']}")
    print(
        f"  stance frames from the file's Foot Strike / Foot Off events: {facts['stance_frames']}"
    )
    print(
        f"camera: {'following (treadmill-like)' if view.follow else 'fixed'}, "
        f"{view.distance_m:g} m ahead, at hip height, level; up = {view.up.round(3).tolist()}, "
        f"walking direction = {view.forward.round(3).tolist()}, speed {view.speed_m_s:.2f} m/s, "
        f"focal {view.camera.matrix[0, 0]:.0f} px on {view.camera.image_size}"
    )
    conventions(trial, view)
    print()
    print("pronate (virtual frontal camera, roll known = 0) vs Plug-in Gait, degrees:")
    print_table(rows)
    print()
    flexion_dependence(trial)

    print()
    print("sensitivity (MAE / bias / r; obliquity over the trial, FPPA over own stance):")
    variants: list[tuple[str, dict[str, object]]] = [
        ("as above", {}),
        ("treadmill-like following camera", {"follow": True}),
        ("fixed camera 3 m ahead", {"distance_m": 3.0}),
        (
            "hips: Harrington 2007 regression",
            {
                "sources": {
                    **mocap.KEYPOINT_SOURCES,
                    "left_hip": ("harrington",),
                    "right_hip": ("harrington",),
                }
            },
        ),
        (
            "knee/ankle: skin markers KNE/ANK",
            {
                "sources": {
                    **mocap.KEYPOINT_SOURCES,
                    "left_knee": ("LKNE",),
                    "right_knee": ("RKNE",),
                    "left_ankle": ("LANK",),
                    "right_ankle": ("RANK",),
                }
            },
        ),
        ("camera roll estimated (pipeline default)", {"roll_deg": None}),
    ]
    print(f"{'variant':42} {'obliquity':>22} {'FPPA left':>22} {'FPPA right':>22}")
    for name, options in variants:
        kwargs: dict[str, object] = {"distance_m": args.distance, "follow": args.follow}
        kwargs.update(options)
        result, extra = run(trial, **kwargs)  # type: ignore[arg-type]
        cells = []
        for metric in ("pelvic_obliquity_deg", "knee_fppa_left_deg", "knee_fppa_right_deg"):
            row = next(r for r in result if r.metric == metric)
            a = row.agreement
            cells.append(f"{a.mae_deg:5.2f} {_fmt(a.bias_deg):>6} {_fmt(a.r, 3):>6}")
        note = (
            f"  (roll {extra['roll_deg']:+.1f} deg)" if options.get("roll_deg", 0) is None else ""
        )
        print(f"{name:42} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

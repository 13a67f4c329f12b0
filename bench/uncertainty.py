"""The +/- against the truth: coverage of the stated uncertainty (issue 20).

Two measurements, each on copies of a real clip composed by ``tests/scenes.py`` (full
size, shrunk, inside a video-call window at crf 32 and 30 fps, rotated by 10 deg):

* **Legs, against motion capture** (the balancing trial's cam01, the only camera with a
  reference that may be used): the image-plane knee FPPA, femur and tibia angles from the
  tracked keypoints and from the motion capture projected into the same picture; the
  share of frames whose error lies within the stated +/- (``*_unc`` of the metrics).
* **Pelvis and trunk in a front view, against a null truth** (the front-view squat:
  symmetric two-leg squats, hands on the head, so pelvic obliquity and trunk lean are
  about 0 throughout): the share of frames within the stated +/- of 0.

Run: ``python bench/uncertainty.py --data ../shared/data --out bench`` (about 10 min on
2 cores); writes ``uncertainty.json`` and ``uncertainty.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import scenes
from pronate.pipeline import run_track
from pronate.pose.config import FilterConfig, TrackConfig
from pronate.validation.accuracy import metrics_of, paired
from pronate.validation.reference import (
    read_calibration,
    read_trc,
    reference_pose_dataset,
    select_camera,
)

LEG_ANGLES = (
    "knee_fppa_left_deg",
    "knee_fppa_right_deg",
    "femur_frontal_left_deg",
    "femur_frontal_right_deg",
    "tibia_frontal_left_deg",
    "tibia_frontal_right_deg",
)
NULL_ANGLES = ("pelvic_obliquity_deg", "trunk_lean_deg")


def variants(data: Path) -> dict[str, Any]:
    others = data / "sports2d_demo" / "demo.mp4"
    return {
        "full size": None,
        "a quarter": lambda s, d: scenes.scaled(s, d, factor=0.25),
        "a seventh": lambda s, d: scenes.scaled(s, d, factor=0.14),
        "call window": lambda s, d: scenes.call_window(s, d, others=others, crf=32),
        "rotated 10 deg": lambda s, d: scenes.rotated(s, d, angle_deg=10.0, crf=23),
    }


def placed(
    reference: xr.Dataset, placement: scenes.Placement | None, size: tuple[int, int]
) -> xr.Dataset:
    out = reference.copy(deep=True)
    if placement is not None:
        xy = out["position"].values[..., :2]
        out["position"].values[..., :2] = placement.apply(xy)
    out.attrs.update(image_width=size[0], image_height=size[1])
    return out


def coverage(errors: np.ndarray, sigma: np.ndarray) -> tuple[float | None, int]:
    ok = np.isfinite(errors) & np.isfinite(sigma)
    if not ok.any():
        return None, 0
    return float(np.mean(np.abs(errors[ok]) <= sigma[ok])), int(ok.sum())


def track(clip: Path, work: Path) -> xr.Dataset:
    return run_track(clip, work, track=TrackConfig(), filters=FilterConfig()).pose


def legs(data: Path, work: Path) -> list[dict[str, Any]]:
    folder = data / "pose2sim_balancing"
    camera = select_camera(read_calibration(folder / "Calib_qualisys.toml"), "cam01")
    reference = reference_pose_dataset(read_trc(folder / "Balancing_for_IK.trc"), camera)
    rows = []
    for name, make in variants(data).items():
        src = folder / "cam01.mp4"
        clip = src if make is None else work / f"cam01 {name}.mp4"
        placement = None if make is None else make(src, clip)
        pose = track(clip, work / f"cam01 {name}")
        size = (int(pose.attrs["image_width"]), int(pose.attrs["image_height"]))
        tracked, ref = paired(pose, placed(reference, placement, size))
        trk = metrics_of(tracked, view="front", roll_deg=0.0)
        truth = metrics_of(ref, view="front", roll_deg=0.0)
        row: dict[str, Any] = {"variant": name}
        for angle in LEG_ANGLES:
            err = trk[angle].values - truth[angle].values
            sigma = trk[angle + "_unc"].values
            share, n = coverage(err, sigma)
            row[angle] = {
                "coverage": share,
                "n": n,
                "rmse": float(np.sqrt(np.nanmean(err**2))),
                "sigma_median": float(np.nanmedian(sigma)),
            }
        rows.append(row)
    return rows


def null_front(data: Path, work: Path) -> list[dict[str, Any]]:
    src = data / "frontal_squat" / "frontal_squat.mp4"
    rows = []
    for name, make in variants(data).items():
        clip = src if make is None else work / f"squat {name}.mp4"
        if make is not None:
            make(src, clip)
        metrics = metrics_of(track(clip, work / f"squat {name}"))
        row: dict[str, Any] = {"variant": name}
        for angle in NULL_ANGLES:
            values, sigma = metrics[angle].values, metrics[angle + "_unc"].values
            share, n = coverage(values, sigma)
            row[angle] = {
                "coverage": share,
                "n": n,
                "rms_about_0": float(np.sqrt(np.nanmean(values**2))),
                "sigma_median": float(np.nanmedian(sigma)),
            }
        rows.append(row)
    return rows


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"


def _cell(stats: dict[str, Any], key: str, label: str) -> str:
    spread = f"{label} {stats[key]:.1f}°"
    return f"{pct(stats['coverage'])} (±{stats['sigma_median']:.1f}°, {spread})"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Coverage of the stated ± (1 σ: about 68 % expected)",
        "",
        "## Legs, oblique view (cam01) against motion capture",
        "",
        "| copy | " + " | ".join(LEG_ANGLES) + " |",
        "|---|" + "--:|" * len(LEG_ANGLES),
    ]
    for row in result["legs"]:
        cells = [_cell(row[a], "rmse", "RMSE") for a in LEG_ANGLES]
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    pooled = [row[a]["coverage"] for row in result["legs"] for a in LEG_ANGLES]
    lines += [
        "",
        f"All legs' angles pooled: {pct(float(np.mean([p for p in pooled if p is not None])))}.",
        "",
    ]
    lines += [
        "## Pelvis and trunk, front view (the two-leg squat, truth about 0)",
        "",
        "| copy | " + " | ".join(NULL_ANGLES) + " |",
        "|---|" + "--:|" * len(NULL_ANGLES),
    ]
    for row in result["front"]:
        cells = [_cell(row[a], "rms_about_0", "RMS") for a in NULL_ANGLES]
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pronate-unc-") as tmp:
        work = Path(tmp)
        result = {"legs": legs(args.data, work), "front": null_front(args.data, work)}
    (args.out / "uncertainty.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (args.out / "uncertainty.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

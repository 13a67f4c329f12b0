"""Cross-view agreement (issue 8): one movement, one verdict, wherever the camera stands.

For the balancing trial's development cameras (``cam01`` oblique front, ``cam03`` oblique
back) and the front-view squat, each clip and copies of it rotated on screen by +-10 and
+-25 deg (the frame enlarged to hold the whole picture, black corners) are analysed with
``pronate analyze --no-video`` as a user runs it. Printed per copy: the verdict of each
moment, the roll found against the truth (balancing: the calibration's image direction
of world-up at the pelvis plus the rotation; squat: the unrotated clip's roll plus the
rotation), and per clip the spread (max - min) of the peak metrics across the copies
that give them, against their stated uncertainty.

Usage: ``python bench/cross_view.py [--data ../shared/data] [--out bench] [--model heavy]``;
writes ``cross_view.json`` and ``cross_view.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
ANGLES = (0.0, 10.0, -10.0, 25.0, -25.0)
CLIPS = {
    "cam01": "pose2sim_balancing/cam01.mp4",
    "cam03": "pose2sim_balancing/cam03.mp4",
    "squat": "frontal_squat/frontal_squat.mp4",
}
PEAK_METRICS = ("knee_fppa_left_deg", "knee_fppa_right_deg", "pelvic_obliquity_deg")


def rotate_clip(src: Path, dst: Path, *, angle: float) -> None:
    """Write ``src`` rotated counter-clockwise on screen by ``angle`` into ``dst``."""
    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        rate = stream.average_rate or 30
        with av.open(str(dst), "w") as out:
            enc = None
            for frame in inp.decode(stream):
                img = frame.to_ndarray(format="rgb24")
                h, w = img.shape[:2]
                m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
                c, s = abs(m[0, 0]), abs(m[0, 1])
                nw, nh = int(h * s + w * c) // 2 * 2, int(h * c + w * s) // 2 * 2
                m[0, 2] += nw / 2 - w / 2
                m[1, 2] += nh / 2 - h / 2
                rot = cv2.warpAffine(img, m, (nw, nh))
                if enc is None:
                    enc = out.add_stream("libx264", rate=rate)
                    enc.width, enc.height, enc.pix_fmt = nw, nh, "yuv420p"
                    enc.options = {"crf": "18", "preset": "veryfast"}
                for packet in enc.encode(av.VideoFrame.from_ndarray(rot, format="rgb24")):
                    out.mux(packet)
            if enc is not None:
                for packet in enc.encode():
                    out.mux(packet)


def calibrated_roll(data: Path, cam: str) -> float:
    """Median image direction of world-up at the pelvis (calibration + mocap)."""
    from pronate.camera.scene import up_angle_deg
    from pronate.pose.keypoints import KEYPOINT_INDEX as K
    from pronate.validation import reference as ref

    folder = data / "pose2sim_balancing"
    trc = ref.read_trc(folder / "Balancing_for_IK.trc")
    camera = ref.select_camera(ref.read_calibration(folder / "Calib_qualisys.toml"), cam)
    pairs = ref.marker_keypoint_pairs([str(m) for m in trc["marker"].values])
    world = ref._keypoint_array(trc, pairs, axes=ref.DEFAULT_AXES)
    pelvis = 0.5 * (world[:, K["left_hip"]] + world[:, K["right_hip"]])
    up = ref.project(pelvis + np.array([0.0, 0.0, 0.1]), camera) - ref.project(pelvis, camera)
    return float(np.median([up_angle_deg(v) for v in up]))


def analyse(video: Path, out: Path, *, model: str) -> dict[str, Any]:
    exe = str(Path(sys.executable).parent / "pronate")
    cmd = [exe, "analyze", str(video), "-o", str(out), "--no-video", "-q", "--model", model]
    subprocess.run(cmd, check=True, capture_output=True)
    return json.loads((out / "summary.json").read_text())


def one_clip(data: Path, name: str, *, model: str, work: Path) -> dict[str, Any]:
    rows = []
    for angle in ANGLES:
        src = data / CLIPS[name]
        video = src if angle == 0 else work / f"{name}_{angle:+.0f}.mp4"
        if angle != 0:
            rotate_clip(src, video, angle=angle)
        summary = analyse(video, work / f"{name}_{angle:+.0f}", model=model)
        camera = summary.get("camera", {})
        events = summary.get("events", [])
        rows.append(
            {
                "angle": angle,
                "roll": camera.get("roll_deg"),
                "roll_method": camera.get("roll_method"),
                "view": summary.get("view"),
                "verdicts": [f"{e['side']}:{e['verdict']}" for e in events],
                "peaks": {
                    k: [e["metrics"].get(k) for e in events if e["metrics"].get(k) is not None]
                    for k in PEAK_METRICS
                },
                "uncertainty": events[0].get("uncertainty", {}) if events else {},
            }
        )
    base = calibrated_roll(data, name.replace("cam", "cam_")) if name.startswith("cam") else None
    base = rows[0]["roll"] if base is None else base
    for row in rows:
        row["roll_truth"] = None if base is None else base + row["angle"]
    return {"clip": name, "rows": rows, "spread": spread(rows)}


def spread(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for k in PEAK_METRICS:
        firsts = [r["peaks"][k][0] for r in rows if r["peaks"].get(k)]
        sigma = next((r["uncertainty"].get(k) for r in rows if r["uncertainty"].get(k)), None)
        out[k] = {
            "spread": (max(firsts) - min(firsts)) if len(firsts) > 1 else None,
            "copies": len(firsts),
            "uncertainty": sigma,
        }
    return out


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| clip | rotation | view | roll found | roll truth | method | verdicts |"]
    lines.append("|---|--:|---|--:|--:|---|---|")
    for res in results:
        for r in res["rows"]:
            truth = "-" if r["roll_truth"] is None else f"{r['roll_truth']:.1f}"
            lines.append(
                f"| {res['clip']} | {r['angle']:+.0f} | {r['view']} | {r['roll']} | {truth} | "
                f"{r['roll_method']} | {', '.join(r['verdicts']) or '-'} |"
            )
    lines += ["", "| clip | metric (first moment, at peak) | spread across copies | ± |"]
    lines.append("|---|---|--:|--:|")
    for res in results:
        for k, v in res["spread"].items():
            s = "-" if v["spread"] is None else f"{v['spread']:.1f}"
            lines.append(
                f"| {res['clip']} | {k} | {s} ({v['copies']} copies) | {v['uncertainty']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--model", default="heavy")
    parser.add_argument("--clips", nargs="+", default=list(CLIPS), choices=list(CLIPS))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = [one_clip(args.data, c, model=args.model, work=Path(tmp)) for c in args.clips]
    (args.out / "cross_view.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (args.out / "cross_view.md").write_text(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

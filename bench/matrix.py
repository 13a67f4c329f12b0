"""The robustness matrix (issue 20): each real clip in the pictures a coach really gets.

Every clip of ``../shared/data`` that may be used (the front-view squat, the balancing
trial's cam01 and cam03, the sports2d demo) is analysed with the default model at full
size and in copies composed by ``tests/scenes.py``: shrunk to 640 px on its long side,
shrunk until the client is about 200 px tall, inside a video-call window (the clip
pillar-boxed in the main tile beside a self-view tile, labels, 30 fps, crf 28 and crf 36),
and rotated on screen by +10 and -10 deg. Each copy's moments are matched to the full
size's (same side, peak within 0.3 s) and judged with ``scenes.verdicts_agree``: the
full-size verdict, or ``uncertain`` naming it -- anything else is a contradiction.

The bench writes, per clip and copy: the moments found (matched, missed, extra), the
verdicts with their probability, the +/- of the peak knee FPPA, and the contradictions;
and on the full-size front squat the share of criteria decided.

Run: ``python bench/matrix.py --data ../shared/data --out bench`` (about 15 min on 2
cores); writes ``matrix.json`` and ``matrix.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import scenes
from pronate.errors import NoPersonError
from pronate.pipeline import AnalysisOptions, run_analyze

PEAK_MATCH_S = 0.3
CLIENT_PX = 200.0

Make = Callable[[Path, Path], object]


def clips(data: Path) -> dict[str, Path]:
    return {
        "front squat": data / "frontal_squat" / "frontal_squat.mp4",
        "balancing cam01 (oblique front)": data / "pose2sim_balancing" / "cam01.mp4",
        "balancing cam03 (oblique back)": data / "pose2sim_balancing" / "cam03.mp4",
        "sports2d demo": data / "sports2d_demo" / "demo.mp4",
    }


def copies(data: Path, *, subject_px: float, long_side: int) -> dict[str, Make]:
    others = data / "sports2d_demo" / "demo.mp4"
    small = min(1.0, CLIENT_PX / subject_px) if subject_px > 0 else 0.25
    return {
        "640 px": lambda s, d: scenes.scaled(s, d, factor=640 / long_side, crf=23),
        "client 200 px": lambda s, d: scenes.scaled(s, d, factor=small, crf=23),
        "call window crf 28": lambda s, d: scenes.call_window(s, d, others=others, crf=28),
        "call window crf 36": lambda s, d: scenes.call_window(s, d, others=others, crf=36),
        "rotated +10 deg": lambda s, d: scenes.rotated(s, d, angle_deg=10.0, crf=23),
        "rotated -10 deg": lambda s, d: scenes.rotated(s, d, angle_deg=-10.0, crf=23),
    }


def analyse(clip: Path, out: Path) -> dict[str, Any]:
    result = run_analyze(
        out, video=clip, options=AnalysisOptions(), write_video=False, report=False
    )
    return result.summary


def peak_fppa_unc(moment: dict[str, Any]) -> float | None:
    unc = moment.get("uncertainty") or {}
    side = moment.get("side")
    keys = [f"knee_fppa_{side}_deg"] if side in ("left", "right") else []
    keys = keys or ["knee_fppa_left_deg", "knee_fppa_right_deg"]
    values = [float(unc[k]) for k in keys if unc.get(k) is not None]
    return max(values) if values else None


def brief(moment: dict[str, Any]) -> dict[str, Any]:
    return {
        "side": moment["side"],
        "kind": moment["kind"],
        "start_s": round(float(moment["start_s"]), 3),
        "peak_s": round(float(moment["peak_s"]), 3),
        "end_s": round(float(moment["end_s"]), 3),
        "verdict": moment["verdict"],
        "probability": moment.get("probability"),
        "likely": moment.get("likely", []),
        "peak_fppa_unc_deg": peak_fppa_unc(moment),
    }


def match(full: list[dict[str, Any]], copy: list[dict[str, Any]]) -> dict[str, Any]:
    """Pairs of full-size and copy moments: the same side, and the nearest peak within
    0.3 s or, failing that, the copy's moment that overlaps it most (the same loading
    whose peak moved within it); works on the summary's moments and on :func:`brief`s."""
    pairs, used = [], set()
    for a in full:
        best = None
        for j, b in enumerate(copy):
            if j in used or b["side"] != a["side"]:
                continue
            gap = abs(float(b["peak_s"]) - float(a["peak_s"]))
            if gap > PEAK_MATCH_S:
                overlap = _overlap(a, b)
                if overlap <= 0:
                    continue
                gap = PEAK_MATCH_S + 1.0 / overlap  # after any peak match
            if best is None or gap < best[0]:
                best = (gap, j)
        if best is not None:
            used.add(best[1])
            pairs.append((a, copy[best[1]]))
    agree = [scenes.verdicts_agree(a, b) for a, b in pairs]
    otherwise = [b["verdict"] not in ("uncertain", a["verdict"]) for a, b in pairs]
    return {
        "decided_otherwise": sum(otherwise),
        "matched": len(pairs),
        "missed": len(full) - len(pairs),
        "extra": len(copy) - len(pairs),
        "same_verdict": sum(a["verdict"] == b["verdict"] for a, b in pairs),
        "agree": sum(agree),
        "contradictions": [
            {"full": brief(a), "copy": brief(b)}
            for (a, b), ok in zip(pairs, agree, strict=True)
            if not ok
        ],
    }


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Seconds two moments share (0 when a moment has no bounds)."""
    if "start_s" not in a or "start_s" not in b:
        return 0.0
    lo = max(float(a["start_s"]), float(b["start_s"]))
    return max(0.0, min(float(a["end_s"]), float(b["end_s"])) - lo)


def decided_share(summary: dict[str, Any]) -> tuple[int, int]:
    """Measured criteria of the clip's moments that are decided (passed or failed, not
    within their +/- of the threshold), and all measured ones."""
    total = decided = 0
    for m in summary.get("events", []):
        criteria = [c for c in m.get("criteria", []) if c.get("status") != "unmeasured"]
        total += len(criteria)
        decided += sum(c.get("status") in ("passed", "failed") for c in criteria)
    return decided, total


def run(data: Path, work: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "clips": [],
    }
    for name, src in clips(data).items():
        full = analyse(src, work / f"{name} full")
        quality = full.get("quality") or {}
        subject_px = float(quality.get("subject_height_px") or 0.0)
        long_side = max(quality.get("image_size") or [1920])
        decided, total = decided_share(full)
        row: dict[str, Any] = {
            "clip": name,
            "full": [brief(m) for m in full["events"]],
            "decided_criteria": [decided, total],
            "copies": [],
        }
        for copy, make in copies(data, subject_px=subject_px, long_side=long_side).items():
            clip = work / f"{name} {copy}.mp4"
            make(src, clip)
            try:
                summary = analyse(clip, work / f"{name} {copy}")
            except NoPersonError as exc:  # refused: no verdict at all, none contradicted
                row["copies"].append({"copy": copy, "refused": str(exc).split(" of /")[0]})
                print(f"{name} / {copy}: refused", flush=True)
                continue
            row["copies"].append(
                {
                    "copy": copy,
                    "moments": [brief(m) for m in summary["events"]],
                    **match(full["events"], summary["events"]),
                }
            )
            print(f"{name} / {copy}: done", flush=True)
        result["clips"].append(row)
    return result


def _cell(moments: list[dict[str, Any]]) -> str:
    parts = []
    for m in moments:
        p = m["probability"]
        share = f" {100 * p:.0f} %" if p is not None else ""
        unc = m["peak_fppa_unc_deg"]
        pm = f", FPPA ±{unc:.0f}°" if unc is not None else ""
        parts.append(f"{m['side']} {m['kind']} {m['peak_s']:.2f} s: {m['verdict']}{share}{pm}")
    return "<br>".join(parts) or "none"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Robustness matrix (default model)",
        "",
        f"Measured {result.get('measured', 'in a run that stored no date')} on "
        f"{result.get('cores', 2)} cores.",
        "",
        "Each copy's moments matched to the full size's (same side, peak within 0.3 s, else "
        "the moment overlapping it most, when the run stored their bounds); "
        "*agree* = the full-size verdict or `uncertain` naming it (a full-size `uncertain`: "
        "one of its likely verdicts, or `uncertain`); *decided otherwise* = a copy's verdict "
        "that is neither `uncertain` nor the full size's.",
        "",
    ]
    n_pairs = n_agree = n_otherwise = 0
    for row in result["clips"]:
        decided, total = row["decided_criteria"]
        share = f"{100 * decided / total:.0f} %" if total else "—"
        lines += [
            f"## {row['clip']}",
            "",
            f"Full size: {_cell(row['full'])}  ",
            f"Criteria decided at full size: {decided} of {total} ({share}).",
            "",
            "| copy | moments | matched / missed / extra | agree | same verdict "
            "| decided otherwise |",
            "|---|---|--:|--:|--:|--:|",
        ]
        for c in row["copies"]:
            if "refused" in c:
                lines.append(f"| {c['copy']} | refused: {c['refused']} | — | — | — | — |")
                continue
            c.update(match(row["full"], c["moments"]))  # again, from the stored moments
            n_pairs += c["matched"]
            n_agree += c["agree"]
            n_otherwise += c["decided_otherwise"]
            lines.append(
                f"| {c['copy']} | {_cell(c['moments'])} | {c['matched']} / {c['missed']} / "
                f"{c['extra']} | {c['agree']} / {c['matched']} | {c['same_verdict']} "
                f"| {c['decided_otherwise']} |"
            )
        for c in row["copies"]:
            for bad in c.get("contradictions", []):
                lines.append(
                    f"\n**Contradiction** in {c['copy']}: full {bad['full']['verdict']}, "
                    f"copy {bad['copy']['verdict']} at {bad['copy']['peak_s']:.2f} s."
                )
        lines.append("")
    lines.append(
        f"All matched moments: {n_agree} of {n_pairs} agree; {n_otherwise} decided otherwise "
        "than the full size (a verdict of their own where the full size is `uncertain` or "
        "decided another way)."
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument(
        "--from-json", type=Path, help="write matrix.md again from a matrix.json (no run)"
    )
    args = parser.parse_args(argv)
    if args.from_json is not None:
        result = json.loads(args.from_json.read_text())
    else:
        with tempfile.TemporaryDirectory(prefix="pronate-matrix-") as tmp:
            result = run(args.data, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matrix.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "matrix.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``pronate batch``: the subcommand (its options are the shared ones of
:mod:`pronate.app.options`; the batch itself is imported when it runs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pronate.app.options import add_body_options, add_executor_options, add_model, add_no_video

if TYPE_CHECKING:
    from pronate.app.batch.run import ClipReport

MAX_LISTED = 5
"""Files named at most in the line about files passed over."""


def add_batch_parser(sub: Any) -> None:
    """Add the ``batch`` subcommand to the subparsers of ``pronate``."""
    p = sub.add_parser(
        "batch",
        help="analyse every video of a folder (or a list file), plus one table of moments",
        description="Analyse every video under DIR (or listed in a text file, one per line) "
        "into its own folder of OUTDIR, named from its path; the first folder level under "
        "DIR is the client. Writes OUTDIR/moments.csv and moments.parquet: one row per "
        "loading moment and loaded leg, with the verdict and the metrics at the peak with "
        "their uncertainty. Clips already done (same content and settings) are skipped. "
        "A clip that fails is reported and the others go on; exit status 2 if any failed.",
    )
    p.add_argument("source", type=Path, metavar="DIR", help="a folder, or a list of videos")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR")
    add_model(p)
    add_body_options(p)
    add_no_video(p)
    add_executor_options(p)
    p.set_defaults(func=cmd_batch)


def cmd_batch(args: argparse.Namespace) -> int:
    """Run the batch; exit status 2 when any clip failed."""
    from pronate.app.batch.run import BatchSettings, run_batch
    from pronate.errors import InputError
    from pronate.pipeline.checks import checked_thresholds

    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise InputError("--workers must lie in 1..1024")
    if args.config is not None:
        checked_thresholds(args.config)  # a bad file is one error, not one per clip
    settings = BatchSettings(
        model=args.model,
        sex=args.sex,
        config=args.config,
        write_video=not args.no_video,
        workers=args.workers or 0,
        dask=args.dask,
    )
    result = run_batch(args.source, args.output, settings=settings, echo=_echo)
    if result.ignored:
        print(
            f"pronate: warning: passed over (not videos): {_some(result.ignored)}", file=sys.stderr
        )
    if result.skipped:
        print(f"pronate: warning: skipped: {_some(result.skipped)}", file=sys.stderr)
    counts = {s: sum(r.status == s for r in result.reports) for s in _STATUSES}
    print(", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" of {len(result.reports)}")
    print(f"wrote {result.csv_path} ({result.rows} rows)")
    print(f"wrote {result.parquet_path}")
    if result.failed:
        which = ", ".join(r.clip.relative for r in result.failed)
        print(f"pronate: error: {len(result.failed)} clip(s) failed: {which}", file=sys.stderr)
        return 2
    return 0


_STATUSES = ("analysed", "skipped", "copied", "failed")


def _some(names: list[str]) -> str:
    """The first :data:`MAX_LISTED` names, and how many more."""
    more = len(names) - MAX_LISTED
    return ", ".join(names[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")


def _echo(report: ClipReport) -> None:
    name, folder = report.clip.relative, report.clip.folder
    if report.status == "failed":
        print(f"pronate: error: {name}: {report.error}", file=sys.stderr, flush=True)
    elif report.status == "analysed":
        print(f"analysed {name} -> {folder}/ ({report.seconds:.1f} s)", flush=True)
    elif report.status == "copied":
        print(f"copied   {name} -> {folder}/ (same content as {report.same_as})", flush=True)
    else:
        print(f"skipped  {name} (already done in {folder}/)", flush=True)

"""The command line's option groups, shared by its subcommands (``track``, ``analyze``,
``validate``, ``batch``, ``serve``), and the settings they give.

The choices come from the pipeline's own lists: the models of
:data:`pronate.pose.config.MODEL_NAMES`, the centre-of-mass tables of
:data:`pronate.metrics.com.SEXES` and the views of :data:`pronate.camera.view.VIEWS`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pronate.app.cli_input import pick_point
from pronate.camera.view import VIEWS
from pronate.metrics.com import SEXES
from pronate.pose.config import MODEL_NAMES, FilterConfig, TrackConfig

if TYPE_CHECKING:
    from pronate.pipeline import AnalysisOptions

Group = Any
"""An argparse parser or argument group (what ``add_argument`` is called on)."""
DEFAULT_FILTER = FilterConfig()
DEFAULT_TRACK = TrackConfig()


def add_model(group: Group) -> None:
    """``--model``: the PoseLandmarker bundle."""
    group.add_argument(
        "--model",
        choices=MODEL_NAMES,
        default=DEFAULT_TRACK.model,
        help="PoseLandmarker bundle (default: %(default)s)",
    )


def add_track_options(parser: argparse.ArgumentParser) -> None:
    """Options of tracking and clean-up (``track``, ``analyze``, ``validate``)."""
    g = parser.add_argument_group("tracking")
    add_model(g)
    g.add_argument(
        "--pick",
        type=pick_point,
        metavar="[TIME:]X,Y",
        help="pixel of the subject in the first frame where anyone is seen, or at TIME "
        "seconds (default: the person who performs)",
    )
    f = parser.add_argument_group("clean-up")
    f.add_argument(
        "--min-confidence",
        type=float,
        default=DEFAULT_FILTER.min_confidence,
        help="keypoints below this confidence become gaps (default: %(default)s)",
    )
    f.add_argument(
        "--max-gap",
        type=float,
        default=DEFAULT_FILTER.max_gap_s,
        metavar="S",
        help="fill gaps up to this many seconds (default: %(default)s)",
    )
    f.add_argument(
        "--hampel-window",
        type=int,
        default=DEFAULT_FILTER.hampel_window,
        help="Hampel outlier window, samples (default: %(default)s)",
    )
    f.add_argument(
        "--hampel-sigma",
        type=float,
        default=DEFAULT_FILTER.hampel_n_sigma,
        help="Hampel threshold in robust sigmas (default: %(default)s)",
    )
    f.add_argument(
        "--cutoff",
        type=float,
        default=DEFAULT_FILTER.cutoff_hz,
        metavar="HZ",
        help="Butterworth low-pass cut-off (default: %(default)s Hz)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def add_body_options(group: Group) -> None:
    """``--sex`` and ``--config``: the centre-of-mass table and the thresholds."""
    group.add_argument(
        "--sex",
        choices=SEXES,
        default="mean",
        help="de Leva table for the centre of mass (default: %(default)s)",
    )
    group.add_argument(
        "--config",
        type=Path,
        metavar="TOML",
        help="thresholds overriding the defaults (see pronate.verdict.thresholds)",
    )


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Options of the analysis (view, roll, centre-of-mass table, thresholds)."""
    g = parser.add_argument_group("analysis")
    g.add_argument("--view", choices=VIEWS, help="camera view (default: estimated)")
    g.add_argument(
        "--roll",
        type=float,
        metavar="DEG",
        help="camera roll in degrees, counter-clockwise on screen (default: estimated)",
    )
    add_body_options(g)


def add_no_video(group: Group) -> None:
    """``--no-video``: no ``overlay.mp4``."""
    group.add_argument("--no-video", action="store_true", help="skip overlay.mp4")


def add_executor_options(group: Group) -> None:
    """``--workers`` and ``--dask``: where the analyses run (``batch``, ``serve``)."""
    group.add_argument(
        "--workers", type=int, metavar="N", help="clips analysed at once (default: one per core)"
    )
    group.add_argument(
        "--dask",
        metavar="tcp://HOST:8786",
        help="run the analyses on this Dask scheduler (its workers must see the same paths)",
    )


def track_config(args: argparse.Namespace) -> TrackConfig:
    """Build the tracking config from parsed options."""
    pick = args.pick
    return TrackConfig(
        model=args.model,
        pick=None if pick is None else (pick.x, pick.y),
        pick_time_s=None if pick is None else pick.time_s,
    )


def filter_config(args: argparse.Namespace) -> FilterConfig:
    """Build the clean-up config from parsed options."""
    return FilterConfig(
        min_confidence=args.min_confidence,
        max_gap_s=args.max_gap,
        hampel_window=args.hampel_window,
        hampel_n_sigma=args.hampel_sigma,
        cutoff_hz=args.cutoff,
    )


def analysis_options(args: argparse.Namespace) -> AnalysisOptions:
    """Build the analysis options from parsed options (reads ``--config``)."""
    from pronate.pipeline import AnalysisOptions
    from pronate.pipeline.checks import checked_thresholds

    return AnalysisOptions(
        view=args.view,
        roll_deg=args.roll,
        sex=args.sex,
        thresholds=checked_thresholds(args.config),
    )

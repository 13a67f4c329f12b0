"""Checks of the command line's input that argparse does not make: a ``--pick`` pixel in
the frame (``X,Y`` or ``TIME:X,Y``), option values that start with ``-``, exactly one of
VIDEO and ``--from``, whether a video is analysed as a whole recording.

Kept apart from :mod:`pronate.app.cli` and as light (the CLI starts fast).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from pronate.errors import InputError


def point(text: str) -> tuple[float, float]:
    """Parse ``X,Y`` (pixels, finite numbers; negative ones are parsed, then refused by
    :func:`check_pick` with the frame size)."""
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y in pixels, got {text!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise argparse.ArgumentTypeError(f"expected X,Y in pixels, got {text!r}")
    return (x, y)


class PickPoint(NamedTuple):
    """``--pick``: a pixel, and the time of the clip it points at (``None``: the first
    frame where anyone is seen)."""

    x: float
    y: float
    time_s: float | None = None


def pick_point(text: str) -> PickPoint:
    """Parse ``X,Y`` or ``TIME:X,Y`` (seconds, pixels)."""
    when, _, where = text.rpartition(":")
    x, y = point(where)
    if not when:
        return PickPoint(x, y)
    try:
        t = float(when)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected X,Y or TIME:X,Y (seconds, pixels), got {text!r}"
        ) from None
    if not (math.isfinite(t) and t >= 0):
        raise argparse.ArgumentTypeError(f"the time of --pick must be 0 s or later, got {text!r}")
    return PickPoint(x, y, t)


def check_pick(pick: tuple[float, ...] | None, *, width: int, height: int) -> None:
    """Refuse a ``--pick`` pixel outside a ``width`` x ``height`` frame, before tracking.

    Raises
    ------
    InputError
        When the point lies outside the frame.
    """
    if pick is None:
        return
    x, y = pick[0], pick[1]
    if not (0 <= x < width and 0 <= y < height):
        raise InputError(
            f"--pick {x:g},{y:g} is outside the frame: the video is {width}x{height} pixels "
            f"(X from 0 to {width - 1}, Y from 0 to {height - 1}, origin top left)"
        )


def glue_negative_values(argv: Sequence[str]) -> list[str]:
    """Write ``--pick -10,20`` as ``--pick=-10,20`` so argparse does not take the value
    for an option (it only does that for plain negative numbers)."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        arg = items[i]
        value = items[i + 1] if i + 1 < len(items) else ""
        if arg == "--pick" and len(value) > 1 and value[0] == "-" and value[1] in "0123456789.":
            out.append(f"{arg}={value}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def video_or_pose(video: Path | None, pose: Path | None) -> None:
    """Exactly one of VIDEO and ``--from POSE.nc`` (not an empty file), or a message saying
    what is wrong."""
    if video is None and pose is None:
        raise InputError(
            "no input: give either VIDEO or --from POSE.nc (a clip to track, or a pose tracked "
            "before)"
        )
    if pose is not None and pose.is_file() and pose.stat().st_size == 0:
        raise InputError(f"{pose} is empty (0 bytes): not a pose dataset")
    if video is not None and pose is not None:
        raise InputError(f"give either VIDEO or --from POSE.nc, not both (got {video} and {pose})")


def is_recording(args: argparse.Namespace) -> bool:
    """Is the video analysed as a whole recording (``--recording``, or at least
    :data:`~pronate.pipeline.recording.RECORDING_MIN_S` long without ``--single-clip``)?"""
    if args.mode == "recording" and args.video is None:
        raise InputError("--recording needs a video, not --from POSE.nc")
    if args.video is None or args.mode == "single":
        if args.overlay is not None and args.video is not None:
            raise InputError("--overlay is for a recording (give --recording)")
        return False
    if args.mode != "recording":
        from pronate.pipeline.recording import duration_of, recording_min_s

        duration, least = duration_of(args.video), recording_min_s()
        if duration < least:
            if args.overlay is not None:
                raise InputError(
                    f"--overlay is for a recording: {args.video} is {duration:.0f} s long "
                    f"(a recording from {least:.0f} s on, or give --recording)"
                )
            return False
    for flag, given in (("--pick", args.pick), ("--pdf", args.pdf)):
        if given:
            raise InputError(
                f"{flag} is for a single clip; a recording chooses the client in each "
                "stretch (give --single-clip to analyse the video as one clip)"
            )
    return True

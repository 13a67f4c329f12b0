"""The ticks of a chart's axes (:mod:`pronate.outputs.charts`): round values inside the
limits, and labels with as many decimals as the step needs and a true minus sign."""

from __future__ import annotations

import math


def tick_text(value: float, step: float) -> str:
    """A tick label: as many decimals as the step needs, a true minus sign."""
    digits = 0
    while digits < 6 and abs(step * 10**digits - round(step * 10**digits)) > 1e-9:
        digits += 1
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


def nice_ticks(lo: float, hi: float, *, target: int = 5) -> tuple[list[float], float]:
    """Round tick values inside ``[lo, hi]`` about ``target`` of them, and their step.

    Parameters
    ----------
    lo, hi
        The axis limits.
    target
        About how many ticks.

    Returns
    -------
    ticks, step
        The ticks (multiples of the step: 1, 2, 2.5 or 5 times a power of ten).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [], 1.0
    raw = (hi - lo) / max(target, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw * 0.999)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        ticks.append(round(k * step, 10))
        k += 1
    return ticks, step

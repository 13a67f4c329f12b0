"""How sure a verdict is: the criteria read again and again within their +/-.

A moment's verdict follows from its criteria (:mod:`pronate.verdict.assessment`), and every
criterion reads metrics that carry a +/- (:mod:`pronate.metrics.uncertainty`). Here each
reading of the moment -- the CoM and XCoM margins, the pelvis shift and obliquity at the
peak, the knee FPPA and the ankle shift at the start and the knee frame -- gets an error
drawn from a normal distribution with its +/- (the start and knee-frame readings of one
metric correlated by :data:`pronate.verdict.criteria.CHANGE_CORRELATION`), the criteria
and the verdict rule run again, :data:`DRAWS` times. The femur-tibia rhythm is kept as
measured. The shares of the verdicts are the verdict's probability: the verdict is given
when one reaches ``verdict_min_probability`` (:mod:`pronate.verdict.thresholds`), else the
moment is ``uncertain``, with the likely verdicts and their shares and the criteria that
decide between them. The draws are seeded by the moment, so an analysis is repeatable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from pronate.verdict.criteria import CHANGE_CORRELATION, At, Criterion

DRAWS: Final[int] = 400
"""Draws per moment: a share is known within about 2 points (binomial, 1 sigma at 0.8)."""
DECIDING_SHARE: Final[float] = 0.2
"""A criterion that passes in one draw and fails in another this often (or more) decides
between the likely verdicts."""

Judge = Callable[[At], tuple[str, list[Criterion]]]
"""The verdict rule on one reading of a moment: ``judge(at) -> (verdict, criteria)``."""


@dataclass(frozen=True)
class Odds:
    """The verdict's probability.

    Attributes
    ----------
    shares
        Share of the draws that gave each verdict, largest first.
    deciding
        Criteria (names as reported) whose outcome changed in at least
        :data:`DECIDING_SHARE` of the draws: what stands between the likely verdicts.
    """

    shares: dict[str, float]
    deciding: list[str] = field(default_factory=list)

    @property
    def likely(self) -> str:
        """The verdict of most draws."""
        return next(iter(self.shares))

    def verdict(self, *, min_probability: float) -> str:
        """The likely verdict when it reaches ``min_probability``, else ``uncertain``."""
        return self.likely if self.shares[self.likely] >= min_probability - 1e-12 else "uncertain"


class _Errors:
    """Errors of one draw, drawn once per reading (correlated start and knee frame)."""

    def __init__(self, at: At, rng: np.random.Generator) -> None:
        self.at = at
        self.rng = rng
        self.drawn: dict[tuple[str, str], float] = {}

    def __call__(self, name: str, where: str) -> float:
        key = (name, where)
        if key not in self.drawn:
            z1, z2 = self.rng.standard_normal(2)
            if where in ("start", "knee"):
                zs = CHANGE_CORRELATION * z1 + np.sqrt(1 - CHANGE_CORRELATION**2) * z2
                self.drawn[(name, "knee")] = self.at.sigma(name, "knee") * z1
                self.drawn[(name, "start")] = self.at.sigma(name, "start") * zs
            else:
                self.drawn[key] = self.at.sigma(name, where) * z1
        return self.drawn[key]


def verdict_odds(at: At, judge: Judge, *, seed: int, draws: int = DRAWS) -> Odds:
    """The shares of the verdicts of a moment read again within the +/- (module docstring).

    Parameters
    ----------
    at
        The moment's readings as measured.
    judge
        The verdict rule on a reading: criteria and verdict.
    seed
        Seeds the draws (e.g. from the moment's frames): the same analysis gives the same
        shares.
    draws
        How many readings.
    """
    measured_verdict, measured = judge(at)
    if measured_verdict == "unmeasurable":
        return Odds(shares={"unmeasurable": 1.0})
    outcome = {c.name: c.passed for c in measured}
    rng = np.random.default_rng(seed)
    counts: Counter[str] = Counter()
    flips: Counter[str] = Counter()
    for _ in range(draws):
        noisy = At(at.metrics, at.moment, at.thresholds, noise=_Errors(at, rng))
        verdict, criteria = judge(noisy)
        counts[verdict] += 1
        for c in criteria:
            if c.passed is not None and outcome.get(c.name) is not None:
                flips[c.name] += c.passed != outcome[c.name]
    shares = {v: n / draws for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}
    if measured_verdict not in shares:  # a measurement at the edge of every draw
        shares[measured_verdict] = 0.0
    deciding = [name for name, n in flips.items() if n / draws >= DECIDING_SHARE]
    return Odds(shares=shares, deciding=deciding)

"""Spike warnings: is this hour's complaint count well above the key's own recent baseline?

A key (a product, a category, an order-number prefix) is compared only with itself. Its
expected rate is the plain mean of its hourly counts over the last `baseline_hours` (a week
by default, so every hour of the day and day of the week weighs the same), never below
`floor_rate`. Complaints arriving independently at that rate make the hour's count Poisson
distributed, so the hour is a spike when a count at least this high would be that unlikely:
P(X >= observed) < `p_value` for X ~ Poisson(expected). With p = 0.001 a steady key raises
about one false alarm per thousand hours. Below `min_count` complaints an hour is never a
spike, however quiet the baseline: two complaints about a product nobody mentioned last
week are not an incident.

Why not a z-score on an EWMA? Hourly complaint counts are small, and for small counts a
normal approximation is badly calibrated (a baseline of 0.2/h has a tiny standard deviation
and makes 2 complaints look like a catastrophe), while the Poisson tail is exact. A fast
EWMA also absorbs a growing incident into its own baseline within hours; the week-long mean
moves slowly and needs no tuning beyond its length.

Known limits, both making alarms more frequent than `p_value` suggests: the flat weekly mean
ignores the daily cycle, so a key far busier by day than by night looks surprising at its
daily peak; and real counts are often over-dispersed (bursty) relative to Poisson.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SpikePolicy:
    """Tuning of the spike test; construction raises ValueError for a meaningless value."""

    baseline_hours: int = 168
    min_count: int = 5
    p_value: float = 0.001
    floor_rate: float = 0.1
    subside_ratio: float = 1.5

    def __post_init__(self) -> None:
        if self.baseline_hours < 1:
            raise ValueError(f"baseline_hours must be at least 1, got {self.baseline_hours}")
        if self.min_count < 0:
            raise ValueError(f"min_count must be at least 0, got {self.min_count}")
        if not 0 < self.p_value < 1:
            raise ValueError(f"p_value must be between 0 and 1, got {self.p_value}")
        if not (self.floor_rate > 0 and math.isfinite(self.floor_rate)):
            raise ValueError(f"floor_rate must be a positive number, got {self.floor_rate}")
        # Below 1 a warning could only subside on a quieter-than-usual hour.
        if not (self.subside_ratio >= 1 and math.isfinite(self.subside_ratio)):
            raise ValueError(f"subside_ratio must be at least 1, got {self.subside_ratio}")


@dataclass(frozen=True)
class SpikeVerdict:
    """The outcome of `assess`: the decision and the numbers behind it, for the warning."""

    spike: bool
    observed: int
    expected: float
    p_value: float


def expected_rate(history: Sequence[int], policy: SpikePolicy) -> float:
    """The key's expected complaints per hour: the mean of the last `baseline_hours` counts.

    `history` holds hourly counts oldest first, without the current hour. A shorter history
    is averaged over the hours it has; an empty one gives `floor_rate`, and so does any mean
    below it. Raises ValueError for a negative count.
    """
    window = history[-policy.baseline_hours :]
    if any(count < 0 for count in window):
        raise ValueError("hourly counts cannot be negative")
    mean = sum(window) / len(window) if window else 0.0
    return max(mean, policy.floor_rate)


def poisson_tail(observed: int, rate: float) -> float:
    """P(X >= observed) for X ~ Poisson(rate), accurate to double precision.

    1.0 for observed <= 0; 0.0 for rate 0 and observed > 0. Stays finite for any rate
    (it may underflow to 0.0 far out in the tail). Raises ValueError for a negative or
    non-finite rate.
    """
    if not (rate >= 0 and math.isfinite(rate)):
        raise ValueError(f"rate must be a finite number >= 0, got {rate!r}")
    if observed <= 0:
        return 1.0
    # P(X >= observed) is the regularised lower incomplete gamma function P(observed, rate)
    # (what scipy.stats.poisson.sf(observed - 1, rate) computes, without summing);
    # scipy.special is imported instead of scipy.stats, which would add some 60 MB to every
    # process that runs the monitors; and only here, when a spike is tested, because it
    # still costs some 25 MB to a web process that imports this module and never tests one.
    from scipy.special import gammainc

    return float(gammainc(observed, rate))


def assess(
    observed: int, history: Sequence[int], policy: SpikePolicy = SpikePolicy()
) -> SpikeVerdict:
    """Whether `observed` complaints in the current hour are a spike for this key.

    A spike needs at least `min_count` complaints and a Poisson tail probability below
    `policy.p_value` against `expected_rate(history, policy)`; the verdict carries both
    numbers. Raises ValueError for a negative count.
    """
    if observed < 0:
        raise ValueError(f"observed cannot be negative, got {observed}")
    expected = expected_rate(history, policy)
    tail = poisson_tail(observed, expected)
    spike = observed >= policy.min_count and tail < policy.p_value
    return SpikeVerdict(spike=spike, observed=observed, expected=expected, p_value=tail)


def subsided(observed: int, history: Sequence[int], policy: SpikePolicy = SpikePolicy()) -> bool:
    """Whether an open warning for this key may close, judging by the current hour.

    True when the hour has fewer than `min_count` complaints or at most `subside_ratio`
    times the expected rate, and never for an hour that `assess` would call a spike (on a
    busy key 1.5x the rate can still be far out in the tail). `history` is as for `assess`.
    """
    if assess(observed, history, policy).spike:
        return False
    expected = expected_rate(history, policy)
    return observed < policy.min_count or observed <= policy.subside_ratio * expected

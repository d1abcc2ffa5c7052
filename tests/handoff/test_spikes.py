"""Specification of spike warnings on a key's hourly complaint counts."""

from __future__ import annotations

import math
import random
from decimal import Decimal, getcontext

import pytest

from handoff.policy.spikes import (
    SpikePolicy,
    SpikeVerdict,
    assess,
    expected_rate,
    poisson_tail,
    subsided,
)

WEEK = 168


def poisson_sample(rng: random.Random, rate: float) -> int:
    """Knuth's method: count uniform draws until their product falls below e^-rate."""
    limit = math.exp(-rate)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def false_alarms(rate: float, hours: int, seed: int) -> int:
    """Spikes raised over `hours` of steady Poisson traffic, after a week of the same."""
    rng = random.Random(seed)
    history = [poisson_sample(rng, rate) for _ in range(WEEK)]
    alarms = 0
    for _ in range(hours):
        observed = poisson_sample(rng, rate)
        alarms += assess(observed, history).spike
        history.append(observed)
    return alarms


def exact_tail(observed: int, rate: int) -> float:
    """P(X >= observed) for X ~ Poisson(rate), in 60-digit decimal arithmetic."""
    getcontext().prec = 60
    term = Decimal(-rate).exp()  # P(X = 0)
    below = Decimal(0)
    for k in range(observed):
        below += term
        term = term * rate / (k + 1)
    return float(1 - below)


# --- false alarms on steady traffic ---------------------------------------------------------


def test_steady_traffic_of_3_per_hour_raises_at_most_a_handful_of_alarms_in_1000_hours() -> None:
    # At p = 0.001 about one alarm per thousand hours is the expected price of sensitivity.
    assert false_alarms(rate=3, hours=1000, seed=7) <= 3


def test_steady_key_at_20_per_hour_raises_no_alarm_over_a_week() -> None:
    assert false_alarms(rate=20, hours=WEEK, seed=11) == 0


# --- spikes -----------------------------------------------------------------------------------


def test_burst_of_30_in_an_hour_on_a_baseline_of_2_per_hour_is_a_spike() -> None:
    verdict = assess(30, [2] * WEEK)

    assert verdict.spike
    assert verdict.expected == 2
    assert verdict.p_value < 1e-12


def test_four_complaints_with_no_history_are_not_a_spike_below_the_minimum_count() -> None:
    verdict = assess(4, [])

    assert not verdict.spike
    assert verdict.p_value < 0.001  # improbable, yet too few complaints to raise an alarm


def test_six_complaints_with_no_history_are_a_spike() -> None:
    assert assess(6, []).spike


def test_a_busy_hour_within_normal_variation_is_not_a_spike() -> None:
    assert not assess(28, [20] * WEEK).spike


def test_verdict_carries_the_numbers_behind_the_decision() -> None:
    verdict = assess(10, [3] * WEEK)

    assert verdict == SpikeVerdict(
        spike=False, observed=10, expected=3.0, p_value=pytest.approx(poisson_tail(10, 3.0))
    )


def test_stricter_p_value_needs_a_bigger_burst() -> None:
    strict = SpikePolicy(p_value=1e-6)

    assert assess(10, [2] * WEEK).spike
    assert not assess(10, [2] * WEEK, strict).spike


# --- expected rate ------------------------------------------------------------------------------


def test_expected_rate_is_the_mean_of_the_last_baseline_hours_only() -> None:
    old_incident = [100] * 24

    assert expected_rate([*old_incident, *[2] * WEEK], SpikePolicy()) == 2


def test_expected_rate_of_a_short_history_is_the_mean_of_the_hours_it_has() -> None:
    assert expected_rate([4, 6], SpikePolicy()) == 5


def test_expected_rate_never_falls_below_the_floor() -> None:
    assert expected_rate([0] * WEEK, SpikePolicy()) == 0.1
    assert expected_rate([], SpikePolicy(floor_rate=0.5)) == 0.5


def test_negative_hourly_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        expected_rate([2, -1, 3], SpikePolicy())


# --- poisson_tail -------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.1, 1, 2.5, 7, 20])
def test_poisson_tail_matches_the_direct_sum_for_small_values(rate: float) -> None:
    for observed in range(31):
        # 100 terms reach far past the last one a double can see for these rates.
        direct = sum(
            math.exp(-rate) * rate**k / math.factorial(k) for k in range(observed, observed + 100)
        )

        assert poisson_tail(observed, rate) == pytest.approx(direct, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("observed", [0, -3])
def test_poisson_tail_is_one_for_observed_zero_or_less(observed: int) -> None:
    assert poisson_tail(observed, 4.0) == 1.0


def test_poisson_tail_is_zero_for_any_complaint_at_rate_zero() -> None:
    assert poisson_tail(1, 0.0) == 0.0


@pytest.mark.parametrize("observed", [400, 480, 500, 520, 600, 700])
def test_poisson_tail_stays_accurate_for_a_rate_of_500(observed: int) -> None:
    assert poisson_tail(observed, 500) == pytest.approx(exact_tail(observed, 500), rel=1e-9)


def test_poisson_tail_far_out_for_a_rate_of_500_is_finite_and_tiny() -> None:
    tail = poisson_tail(5000, 500)

    assert math.isfinite(tail)
    assert 0 <= tail < 1e-300


def test_poisson_tail_rejects_a_negative_rate() -> None:
    with pytest.raises(ValueError, match="rate"):
        poisson_tail(3, -1.0)


# --- subsiding ----------------------------------------------------------------------------------


def test_warning_subsides_when_traffic_returns_to_normal_after_the_burst() -> None:
    history = [*[2] * WEEK, 30]

    assert subsided(2, history)


def test_warning_does_not_subside_while_the_burst_goes_on() -> None:
    history = [*[2] * WEEK, 30]

    assert not subsided(25, history)


def test_warning_subsides_at_up_to_one_and_a_half_times_the_rate_above_the_minimum() -> None:
    assert subsided(7, [5] * WEEK)
    assert not subsided(8, [5] * WEEK)


def test_warning_never_subsides_on_an_hour_that_is_itself_a_spike() -> None:
    busy_key = [100] * WEEK

    assert assess(140, busy_key).spike
    assert not subsided(140, busy_key)


# --- policy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("baseline_hours", 0),
        ("min_count", -1),
        ("p_value", 0.0),
        ("p_value", 1.0),
        ("floor_rate", 0.0),
        ("subside_ratio", 0.5),
    ],
)
def test_meaningless_policy_values_are_rejected(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        SpikePolicy(**{field: value})  # type: ignore[arg-type]


def test_negative_observed_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="observed"):
        assess(-1, [])

"""Spike warnings raised and closed by the monitor's pass, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from handoff.jobs.spike_monitor import check_spikes
from handoff.policy.policy import Policy
from handoff.policy.stats import period_stats
from handoff.schema import notifications, spike_warnings
from tests.handoff.test_stats import UTC_ZONE, add_tickets, ticket

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)
POLICY = Policy()


def background(category: str, every: timedelta, days: int = 8) -> list[dict[str, Any]]:
    """One complaint per `every` for `days` before T0."""
    count = int(timedelta(days=days) / every)
    return [
        ticket(T0 - every * n - timedelta(minutes=17), category=category)
        for n in range(1, count + 1)
    ]


async def run_pass(db: Database, now: datetime, policy: Policy = POLICY) -> list[dict[str, Any]]:
    return await db.write(check_spikes, policy, now)


def _warnings(conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(spike_warnings).order_by(spike_warnings.c.id)))


def _notification_types(conn: Connection) -> list[str]:
    return list(conn.scalars(sa.select(notifications.c.type).order_by(notifications.c.id)))


async def test_a_burst_raises_one_warning_that_subsides_afterwards(db: Database) -> None:
    burst = [ticket(T0 + timedelta(minutes=3 * i), category="delivery") for i in range(12)]
    await db.write(add_tickets, background("delivery", timedelta(hours=2)) + burst)

    # Four complaints in the hour are below the minimum count.
    assert await run_pass(db, T0 + timedelta(minutes=10)) == []
    raised = await run_pass(db, T0 + timedelta(minutes=15))
    for minutes in (20, 35, 50, 59):  # the burst goes on: no second warning
        assert await run_pass(db, T0 + timedelta(minutes=minutes)) == []

    assert len(raised) == 1
    assert raised[0]["dimension"] == "category"
    assert raised[0]["value"] == "delivery"
    assert raised[0]["observed"] == 6
    assert raised[0]["expected"] == 0.5
    assert raised[0]["p_value"] < POLICY.spikes.p_value
    [warning] = await db.read(_warnings)
    assert (warning.dimension, warning.value, warning.subsided_at) == ("category", "delivery", None)
    assert warning.raised_at == T0 + timedelta(minutes=15)
    assert await db.read(_notification_types) == ["spike_warning"]
    week = (T0 - timedelta(days=7), T0, UTC_ZONE)
    during = await db.read(period_stats, *week, T0 + timedelta(hours=1))
    assert [(w["dimension"], w["value"]) for w in during["spike_warnings"]] == [
        ("category", "delivery")
    ]

    # An hour after the last complaint of the burst, the current hour is quiet again.
    after = T0 + timedelta(minutes=33 + 61)
    assert await run_pass(db, after) == []

    [warning] = await db.read(_warnings)
    assert warning.subsided_at == after
    assert await db.read(_notification_types) == ["spike_warning", "spike_subsided"]
    later = await db.read(period_stats, *week, after)
    assert later["spike_warnings"] == []


async def test_steady_traffic_raises_nothing(db: Database) -> None:
    rng = random.Random(20261120)
    rows = []
    for category, per_hour in (("delivery", 3.0), ("billing", 2.0), ("product_quality", 4.0)):
        # A Poisson process: exponential gaps between complaints.
        at = T0 - timedelta(days=8)
        while (at := at + timedelta(hours=rng.expovariate(per_hour))) < T0:
            rows.append(ticket(at, category=category))
    await db.write(add_tickets, rows)

    for hours_before in range(24, -1, -1):
        assert await run_pass(db, T0 - timedelta(hours=hours_before, minutes=7)) == []

    assert await db.read(_warnings) == []


async def test_a_burst_on_one_product_raises_a_product_warning(db: Database) -> None:
    categories = ["delivery", "billing", "product_quality", "after_sales"]
    rows = [row for category in categories for row in background(category, timedelta(hours=1))]
    # Two complaints in each category: no category is unusual, the product is.
    rows += [
        ticket(T0 + timedelta(minutes=5 * i), category=categories[i % 4], product="Kettle K2")
        for i in range(8)
    ]
    await db.write(add_tickets, rows)

    raised = await run_pass(db, T0 + timedelta(minutes=40))

    assert [(w["dimension"], w["value"], w["observed"]) for w in raised] == [
        ("product", "Kettle K2", 8)
    ]


async def test_order_prefix_warnings_only_when_the_policy_sets_a_prefix_length(
    db: Database,
) -> None:
    rows = [ticket(T0 + timedelta(minutes=i), order_prefix="WH07") for i in range(6)]
    await db.write(add_tickets, rows)
    now = T0 + timedelta(minutes=30)

    by_category = await run_pass(db, now)
    with_prefixes = Policy.model_validate({"spikes": {"order_prefix_length": 4}})
    by_prefix = await run_pass(db, now, with_prefixes)

    assert [(w["dimension"], w["value"]) for w in by_category] == [("category", "delivery")]
    assert [(w["dimension"], w["value"]) for w in by_prefix] == [("order_prefix", "WH07")]

"""Spike warnings: one pass over the last week of complaints, run by the handoff monitor.

Keys are a complaint category, a catalogue product (tickets.product) and, when the policy
sets `spikes.order_prefix_length`, an order-number prefix (a batch, warehouse or shop). Each
key's complaints are counted per hour over the last `baseline_hours + 1` hours ending at
`now`: the current hour is (now - 1 h, now], the hours before it, oldest first and
zero-filled, are its history. `handoff.policy.spikes.assess` then asks whether the current count
is improbable for a Poisson process running at the key's own mean rate over that week, and
demands a minimum count besides. Each key is compared only with itself, because a busy
category and a niche product differ by orders of magnitude; a week weighs every hour of the
day and day of the week alike; the Poisson tail is exact for the small counts complaints
come in, where a normal approximation would cry wolf; and the minimum count keeps two
complaints about a quiet product from being called an incident.

The window slides with `now`, so a pass every few seconds sees a burst as soon as it
crosses the threshold. A key is warned about once: a `spike_warnings` row is raised only
when the key has none open, and it stays open until `handoff.policy.spikes.subsided` says the
current hour is back near the baseline, when it is closed and the supervisors are told.
Passes must not overlap (the monitor holds an advisory lock on PostgreSQL; SQLite has one
writer), or two could raise the same warning.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.events import SpikeRaised, emit
from handoff.policy.notify import SUPERVISORS, alert_supervisors, notify
from handoff.policy.policy import Policy
from handoff.policy.spikes import SpikePolicy, SpikeVerdict, assess, subsided
from handoff.schema import spike_warnings, tickets

_HOUR_MS = 3_600_000
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: SQLite's julianday() of the Unix epoch.
_UNIX_EPOCH_JULIAN_DAY = 2440587.5


def check_spikes(
    conn: Connection, policy: Policy, now: datetime, *, email_enabled: bool = False
) -> list[dict[str, Any]]:
    """Raises and closes spike warnings as of `now`; returns the warnings raised in this pass
    as dicts with dimension, value, raised_at (ISO), observed, expected and p_value.

    A raised warning is a `spike_warnings` row plus a "spike_warning" alert to the default
    department's supervisors (mailed when `email_enabled`) whose data carries key
    ("dimension:value"), dimension, value, observed and expected. A closed one gets its
    `subsided_at` and a "spike_subsided" notification to the supervisors' consoles.
    """
    settings = SpikePolicy(
        baseline_hours=policy.spikes.baseline_hours,
        min_count=policy.spikes.min_count,
        p_value=policy.spikes.p_value,
    )
    dimensions = ["category", "product"]
    if policy.spikes.order_prefix_length:
        dimensions.append("order_prefix")
    counts = {dimension: _hourly_counts(conn, dimension, now, settings) for dimension in dimensions}
    idle = [0] * (settings.baseline_hours + 1)

    open_keys: set[tuple[str, str]] = set()
    for warning in conn.execute(
        sa.select(spike_warnings).where(spike_warnings.c.subsided_at.is_(None))
    ).all():
        hours = counts.get(warning.dimension, {}).get(warning.value, idle)
        if subsided(hours[0], hours[:0:-1], settings):
            conn.execute(
                sa.update(spike_warnings)
                .where(spike_warnings.c.id == warning.id)
                .values(subsided_at=now)
            )
            notify(
                conn,
                SUPERVISORS,
                "spike_subsided",
                {
                    "key": f"{warning.dimension}:{warning.value}",
                    "dimension": warning.dimension,
                    "value": warning.value,
                    "raised_at": warning.raised_at.isoformat(),
                    "observed": hours[0],
                },
                now,
            )
        else:
            open_keys.add((warning.dimension, warning.value))

    raised = []
    for dimension in dimensions:
        for value, hours in sorted(counts[dimension].items()):
            if not hours[0] or (dimension, value) in open_keys:
                continue
            # hours[0] is the current hour; the history runs oldest first.
            verdict = assess(hours[0], hours[:0:-1], settings)
            if verdict.spike:
                raised.append(_raise(conn, policy, dimension, value, verdict, now, email_enabled))
    return raised


def _hourly_counts(
    conn: Connection, dimension: str, now: datetime, settings: SpikePolicy
) -> dict[str, list[int]]:
    """Per value of the dimension, complaints per hour: [0] is the current hour, [k] the
    hour k hours before it, zero-filled."""
    column = tickets.c[dimension]
    span = settings.baseline_hours + 1
    # Whole milliseconds keep the hour arithmetic exact integers on both databases.
    now_ms = (now - _UNIX_EPOCH) // timedelta(milliseconds=1)
    if conn.dialect.name == "sqlite":
        created_ms = sa.cast(
            sa.func.round(
                (sa.func.julianday(tickets.c.created_at) - _UNIX_EPOCH_JULIAN_DAY) * 86_400_000
            ),
            sa.BigInteger,
        )
    else:
        created_ms = sa.cast(
            sa.func.floor(sa.func.extract("epoch", tickets.c.created_at) * 1000), sa.BigInteger
        )
    inner = (
        sa.select(column.label("value"), ((now_ms - created_ms) // _HOUR_MS).label("hour"))
        .where(
            column.is_not(None),
            tickets.c.created_at > now - timedelta(hours=span),
            tickets.c.created_at <= now,
        )
        .subquery()
    )
    counts: dict[str, list[int]] = {}
    for value, hour, count in conn.execute(
        sa.select(inner.c.value, inner.c.hour, sa.func.count()).group_by(
            inner.c.value, inner.c.hour
        )
    ):
        # SQLite rounds to the millisecond, so a complaint within a millisecond of either
        # end of the window can land one hour outside it; it belongs to that end's hour.
        counts.setdefault(value, [0] * span)[min(max(int(hour), 0), span - 1)] += int(count)
    return counts


def _raise(
    conn: Connection,
    policy: Policy,
    dimension: str,
    value: str,
    verdict: SpikeVerdict,
    now: datetime,
    email_enabled: bool,
) -> dict[str, Any]:
    warning_id = conn.scalar(
        sa.insert(spike_warnings)
        .values(
            dimension=dimension,
            value=value,
            raised_at=now,
            observed=verdict.observed,
            expected=verdict.expected,
            p_value=verdict.p_value,
        )
        .returning(spike_warnings.c.id)
    )
    emit(
        conn,
        SpikeRaised(
            dimension=dimension,
            value=value,
            observed=verdict.observed,
            expected=verdict.expected,
            p_value=verdict.p_value,
            at=now,
        ),
    )
    summary = (
        f"Complaint spike: {dimension} {value!r} had {verdict.observed} complaints in the last "
        f"hour, against {verdict.expected:.2f} expected (p = {verdict.p_value:.1e})"
    )
    alert_supervisors(
        conn,
        policy,
        policy.default_department,
        "spike_warning",
        summary,
        {
            "key": f"{dimension}:{value}",
            "dimension": dimension,
            "value": value,
            "observed": verdict.observed,
            "expected": verdict.expected,
        },
        now,
        occurrence=f"spike{warning_id}",
        email_enabled=email_enabled,
    )
    return {
        "dimension": dimension,
        "value": value,
        "raised_at": now.isoformat(),
        "observed": verdict.observed,
        "expected": verdict.expected,
        "p_value": verdict.p_value,
    }

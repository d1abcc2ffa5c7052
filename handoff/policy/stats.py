"""Supervisor figures for a period: counts, timeliness, satisfaction, incidence, spikes.

Every figure is counted in SQL on indexes led by tickets.created_at (or by a breakdown column
or the product, then created_at), so the cost follows the tickets of the period, not the
table. Local days and months (the business time zone) are never computed per row: their
boundaries are worked out here from Python's zone data, daylight-saving changes included,
and each is a range of created_at, so both databases bucket identically.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from gateway.db.types import UTCDateTime
from handoff.schema import sales, spike_warnings, surveys, tickets

_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_BY_COLUMN = ("category", "channel", "department", "severity", "status")


def period_stats(
    conn: Connection, start: datetime, end: datetime, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """Figures for the tickets created in [start, end), as a JSON-ready dict.

    Keys: "from", "to" (UTC ISO instants); "tickets"; "by_category", "by_channel",
    "by_department", "by_severity", "by_status" (value -> count, only values that occur);
    "by_day" (every local date in `zone` the period touches, oldest first, zero-filled);
    "timely_handling", "first_response", "satisfaction", "incidence" (each with the counts
    behind its rate; a rate is None when its denominator is 0); "spike_warnings" (every
    open warning, whatever the period, oldest first).

    Timely handling: a ticket is handled when resolved, or when closed without being
    resolved (a duplicate, say), at the first of the two. It is *decided* once handled, or
    once it is late (see `timeliness`): an open ticket past a deadline counts against the
    rate at once. rate = handled on or before the resolution deadline, with the first
    response on time / decided.

    First response: the mean over answered tickets of first answer minus creation, and how
    many answers met the first-response deadline. Satisfaction: satisfied answers / answered
    surveys of the period's tickets.

    Incidence: the local months the period touches; for each product with sales rows in
    those months, the complaints naming it (tickets.product) created in those of the months
    that have its sales rows (whole months, even beyond the period, so that complaints and
    units cover the same time) over its units. The overall rate sums complaints and units
    over those products; None when no sales are known.

    Raises ValueError for a naive datetime.
    """
    for name, moment in (("start", start), ("end", end), ("now", now)):
        if moment.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    start, end, now = start.astimezone(UTC), end.astimezone(UTC), now.astimezone(UTC)
    in_period = sa.and_(tickets.c.created_at >= start, tickets.c.created_at < end)
    result: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
    result.update(_ticket_figures(conn, in_period, now))
    result["by_day"] = _by_day(conn, in_period, start, end, zone)
    result["satisfaction"] = _satisfaction(conn, in_period)
    result["incidence"] = _incidence(conn, start, end, zone)
    result["spike_warnings"] = open_spike_warnings(conn, zone)
    return result


def open_spike_warnings(conn: Connection, zone: tzinfo = UTC) -> list[dict[str, Any]]:
    """Spike warnings not yet subsided, oldest first, as JSON-ready dicts; times in `zone`
    (the business time zone, like everything else a supervisor reads)."""
    rows = conn.execute(
        sa.select(spike_warnings)
        .where(spike_warnings.c.subsided_at.is_(None))
        .order_by(spike_warnings.c.raised_at, spike_warnings.c.id)
    )
    return [
        {
            "dimension": row.dimension,
            "value": row.value,
            "raised_at": row.raised_at.astimezone(zone).isoformat(),
            "observed": row.observed,
            "expected": row.expected,
            "p_value": row.p_value,
        }
        for row in rows
    ]


def timeliness(now: datetime) -> tuple[Any, Any]:
    """(decided, handled in time) as SQL conditions on a ticket.

    A ticket is late once it missed either deadline: its first response came after the
    first-response deadline, or that deadline passed with no response while it was still
    open; or it was handled after its resolution deadline, or that passed unhandled (a
    wait for the customer that began before it pauses the clock). A late ticket is decided
    at once, even while open, so a breached open ticket counts against the rate."""
    handled_at = sa.func.coalesce(tickets.c.resolved_at, tickets.c.closed_at)
    paused = sa.and_(
        tickets.c.waiting_since.is_not(None), tickets.c.resolution_due >= tickets.c.waiting_since
    )
    missed_first_response = sa.or_(
        tickets.c.first_responded_at > tickets.c.first_response_due,
        sa.and_(
            tickets.c.first_responded_at.is_(None),
            handled_at.is_(None),
            tickets.c.first_response_due < now,
        ),
    )
    decided = sa.or_(
        handled_at.is_not(None),
        sa.and_(tickets.c.resolution_due < now, sa.not_(paused)),
        missed_first_response,
    )
    in_time = sa.and_(handled_at <= tickets.c.resolution_due, sa.not_(missed_first_response))
    return decided, in_time


def _ticket_figures(conn: Connection, in_period: Any, now: datetime) -> dict[str, Any]:
    decided, in_time = timeliness(now)
    aggregates = [
        sa.func.count(),
        sa.func.count().filter(decided),
        sa.func.count().filter(in_time),
        sa.func.count(tickets.c.first_responded_at),
        sa.func.count().filter(tickets.c.first_responded_at <= tickets.c.first_response_due),
        sa.func.sum(_seconds_between(conn, tickets.c.created_at, tickets.c.first_responded_at)),
    ]
    breakdowns: dict[str, dict[str, int]] = {name: {} for name in _BY_COLUMN}
    if conn.dialect.name == "sqlite":
        # SQLite can GROUP BY only by sorting every row of the period, which costs far more
        # than the scan. So the totals come from one scan of the period's index range, and
        # each breakdown column's few distinct values are walked on its (column, created_at)
        # index, counting the period's range under each value there: no sort, no table row.
        totals = list(conn.execute(sa.select(*aggregates).where(in_period)).one())
        parts = [_value_counts(name, in_period) for name in _BY_COLUMN]
        for name, value, count in conn.execute(sa.union_all(*parts)):
            if count:
                breakdowns[name][value] = int(count)
    else:
        # PostgreSQL hash-aggregates every breakdown column and total in one pass; the
        # combinations number in the hundreds and are summed up here.
        columns = [tickets.c[name] for name in _BY_COLUMN]
        query = sa.select(*columns, *aggregates).where(in_period).group_by(*columns)
        totals = [0] * len(aggregates)
        for row in conn.execute(query):
            for name, value in zip(_BY_COLUMN, row[:5], strict=True):
                breakdowns[name][value] = breakdowns[name].get(value, 0) + int(row[5])
            totals = [total + (part or 0) for total, part in zip(totals, row[5:], strict=True)]
    total, decided_n, in_time, responded, within = (int(value or 0) for value in totals[:5])
    figures: dict[str, Any] = {"tickets": total}
    figures.update({f"by_{name}": _sorted(counts) for name, counts in breakdowns.items()})
    figures["timely_handling"] = {
        "rate": rate(in_time, decided_n),
        "handled_in_time": in_time,
        "decided": decided_n,
    }
    figures["first_response"] = {
        "mean_seconds": float(totals[5] or 0) / responded if responded else None,
        "responded": responded,
        "within_deadline": within,
    }
    return figures


def _value_counts(name: str, in_period: Any) -> sa.Select[Any]:
    """(name, value, tickets of the period) for every value of column `name`, including
    values with no ticket in the period (count 0)."""
    column = tickets.c[name]
    values = sa.select(sa.func.min(column).label("value")).cte(f"{name}_values", recursive=True)
    following = sa.select(sa.func.min(column)).where(column > values.c.value).scalar_subquery()
    values = values.union_all(sa.select(following).where(values.c.value.is_not(None)))
    in_value = sa.select(sa.func.count()).where(column == values.c.value, in_period)
    return sa.select(sa.literal(name), values.c.value, in_value.scalar_subquery()).where(
        values.c.value.is_not(None)
    )


def _by_day(
    conn: Connection, in_period: Any, start: datetime, end: datetime, zone: ZoneInfo
) -> dict[str, int]:
    # Local midnights come from Python's zone data, so both databases bucket alike and
    # daylight-saving changes need no SQL.
    days = list(_local_days(start, end, zone))
    if not days:
        return {}
    midnights = [_day_start(day, zone) for day in days[1:]]
    if conn.dialect.name == "sqlite":
        # One count per day on the created_at index: no row read, no date function.
        bounds = [start, *midnights, end]
        ranges = [
            sa.select(sa.func.count())
            .where(tickets.c.created_at >= low, tickets.c.created_at < high)
            .scalar_subquery()
            for low, high in pairwise(bounds)
        ]
        return {
            day.isoformat(): int(count)
            for day, count in zip(days, conn.execute(sa.select(*ranges)).one(), strict=True)
        }
    # PostgreSQL bisects each row into its day in one pass over the period.
    counts = {day.isoformat(): 0 for day in days}
    thresholds = [sa.literal(moment, UTCDateTime) for moment in (start, *midnights)]
    bucket = sa.func.width_bucket(tickets.c.created_at, postgresql.array(thresholds))
    query = sa.select(bucket, sa.func.count()).where(in_period).group_by(bucket)
    for number, count in conn.execute(query):
        counts[days[number - 1].isoformat()] = int(count)
    return counts


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _satisfaction(conn: Connection, in_period: Any) -> dict[str, Any]:
    row = conn.execute(
        sa.select(sa.func.count(), _count_where(surveys.c.satisfied.is_(True)))
        .select_from(surveys.join(tickets, tickets.c.id == surveys.c.ticket_id))
        .where(in_period, surveys.c.status == "answered")
    ).one()
    surveyed, satisfied = int(row[0]), int(row[1] or 0)
    return {"rate": rate(satisfied, surveyed), "satisfied": satisfied, "surveyed": surveyed}


def _incidence(conn: Connection, start: datetime, end: datetime, zone: ZoneInfo) -> dict[str, Any]:
    months = _local_months(start, end, zone)
    empty: dict[str, Any] = {"rate": None, "complaints": 0, "sales": 0, "by_product": {}}
    if not months:
        return empty
    units: dict[str, dict[str, int]] = {}
    for product, month, count in conn.execute(
        sa.select(sales.c.product, sales.c.month, sales.c.units).where(sales.c.month.in_(months))
    ):
        units.setdefault(product, {})[month] = int(count)
    if not units:
        return empty
    sold_in: dict[str, list[str]] = {}
    for product, sold in units.items():
        for month in sold:
            sold_in.setdefault(month, []).append(product)
    complaints: dict[tuple[str, str], int] = {}
    for month, products in sorted(sold_in.items()):
        query = (
            sa.select(tickets.c.product, sa.func.count())
            .where(
                tickets.c.product.in_(sorted(products)),
                tickets.c.created_at >= _month_start(month, zone),
                tickets.c.created_at < _month_start(_next_month(month), zone),
            )
            .group_by(tickets.c.product)
        )
        for product, count in conn.execute(query):
            complaints[(product, month)] = int(count)
    by_product: dict[str, Any] = {}
    for product in sorted(units):
        sold = units[product]
        counted = sum(complaints.get((product, m), 0) for m in sold)
        total_units = sum(sold.values())
        by_product[product] = {
            "complaints": counted,
            "sales": total_units,
            "rate": rate(counted, total_units),
            "months": sorted(sold),
        }
    all_complaints = sum(item["complaints"] for item in by_product.values())
    all_units = sum(item["sales"] for item in by_product.values())
    return {
        "rate": rate(all_complaints, all_units),
        "complaints": all_complaints,
        "sales": all_units,
        "by_product": by_product,
    }


def _count_where(condition: Any) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _seconds_between(conn: Connection, earlier: Any, later: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0
    return sa.func.extract("epoch", later - earlier)


def _local_days(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[date]:
    if end <= start:
        return
    day, last = start.astimezone(zone).date(), (end - _MICROSECOND).astimezone(zone).date()
    while day <= last:
        yield day
        day += _DAY


def _local_months(start: datetime, end: datetime, zone: ZoneInfo) -> list[str]:
    if end <= start:
        return []
    month = start.astimezone(zone).strftime("%Y-%m")
    last = (end - _MICROSECOND).astimezone(zone).strftime("%Y-%m")
    months = [month]
    while month < last:
        month = _next_month(month)
        months.append(month)
    return months


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _month_start(month: str, zone: ZoneInfo) -> datetime:
    return datetime(int(month[:4]), int(month[5:]), 1, tzinfo=zone).astimezone(UTC)


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items()))

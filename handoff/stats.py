"""Supervisor figures for a period: counts, timeliness, satisfaction, incidence, spikes.

Every figure is an SQL aggregate, so the cost grows with the number of distinct groups, not
with the number of tickets read into Python. Local days and months (the business time zone)
are computed in SQL too: SQLite has no time zone support, so the zone's UTC offsets over the
period are worked out here and handed to the query as a CASE over the offset changes (a
period has at most a few daylight-saving transitions). The same expression is used on
PostgreSQL so both databases bucket identically, by Python's own zone data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import sales, spike_warnings, surveys, tickets

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)
_BY_COLUMN = ("category", "channel", "department", "severity", "status")
_SQLITE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m"}
_POSTGRES_FORMATS = {"day": "YYYY-MM-DD", "month": "YYYY-MM"}


@dataclass(frozen=True)
class _OffsetChange:
    """From `at` (UTC) on, local time is UTC plus `seconds`."""

    at: datetime
    seconds: int


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
    once its resolution deadline has passed by `now` unhandled; a ticket waiting for the
    customer whose deadline had not passed when the wait began is not decided yet, because
    the wait pauses its clock and the deadline will move. rate = handled on or before the
    resolution deadline / decided.

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
    result["spike_warnings"] = open_spike_warnings(conn)
    return result


def open_spike_warnings(conn: Connection) -> list[dict[str, Any]]:
    """Spike warnings not yet subsided, oldest first, as JSON-ready dicts."""
    rows = conn.execute(
        sa.select(spike_warnings)
        .where(spike_warnings.c.subsided_at.is_(None))
        .order_by(spike_warnings.c.raised_at, spike_warnings.c.id)
    )
    return [
        {
            "dimension": row.dimension,
            "value": row.value,
            "raised_at": row.raised_at.isoformat(),
            "observed": row.observed,
            "expected": row.expected,
            "p_value": row.p_value,
        }
        for row in rows
    ]


def _ticket_figures(conn: Connection, in_period: Any, now: datetime) -> dict[str, Any]:
    # One scan grouped by every breakdown column at once: their combinations number in the
    # hundreds, so summing them up here is cheaper than five scans of the period.
    handled_at = sa.func.coalesce(tickets.c.resolved_at, tickets.c.closed_at)
    paused = sa.and_(
        tickets.c.waiting_since.is_not(None), tickets.c.resolution_due >= tickets.c.waiting_since
    )
    decided = sa.or_(
        handled_at.is_not(None), sa.and_(tickets.c.resolution_due < now, sa.not_(paused))
    )
    columns = [tickets.c[name] for name in _BY_COLUMN]
    query = (
        sa.select(
            *columns,
            sa.func.count(),
            _count_where(decided),
            _count_where(handled_at <= tickets.c.resolution_due),
            sa.func.count(tickets.c.first_responded_at),
            _count_where(tickets.c.first_responded_at <= tickets.c.first_response_due),
            sa.func.sum(_seconds_between(conn, tickets.c.created_at, tickets.c.first_responded_at)),
        )
        .where(in_period)
        .group_by(*columns)
    )
    breakdowns: dict[str, dict[str, int]] = {name: {} for name in _BY_COLUMN}
    total = decided_n = in_time = responded = within = 0
    response_seconds = 0.0
    for row in conn.execute(query):
        count = int(row[5])
        for name, value in zip(_BY_COLUMN, row[:5], strict=True):
            breakdowns[name][value] = breakdowns[name].get(value, 0) + count
        total += count
        decided_n += int(row[6] or 0)
        in_time += int(row[7] or 0)
        responded += int(row[8] or 0)
        within += int(row[9] or 0)
        response_seconds += float(row[10] or 0)
    figures: dict[str, Any] = {"tickets": total}
    figures.update({f"by_{name}": _sorted(counts) for name, counts in breakdowns.items()})
    figures["timely_handling"] = {
        "rate": _rate(in_time, decided_n),
        "handled_in_time": in_time,
        "decided": decided_n,
    }
    figures["first_response"] = {
        "mean_seconds": response_seconds / responded if responded else None,
        "responded": responded,
        "within_deadline": within,
    }
    return figures


def _by_day(
    conn: Connection, in_period: Any, start: datetime, end: datetime, zone: ZoneInfo
) -> dict[str, int]:
    counts = {day.isoformat(): 0 for day in _local_days(start, end, zone)}
    day = _local_text(conn, tickets.c.created_at, _offset_changes(zone, start, end), "day")
    inner = sa.select(day.label("day")).where(in_period).subquery()
    for value, count in conn.execute(sa.select(inner.c.day, sa.func.count()).group_by(inner.c.day)):
        counts[value] = int(count)
    return counts


def _satisfaction(conn: Connection, in_period: Any) -> dict[str, Any]:
    row = conn.execute(
        sa.select(sa.func.count(), _count_where(surveys.c.satisfied.is_(True)))
        .select_from(surveys.join(tickets, tickets.c.id == surveys.c.ticket_id))
        .where(in_period, surveys.c.status == "answered")
    ).one()
    surveyed, satisfied = int(row[0]), int(row[1] or 0)
    return {"rate": _rate(satisfied, surveyed), "satisfied": satisfied, "surveyed": surveyed}


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
    first = _month_start(months[0], zone)
    after = _month_start(_next_month(months[-1]), zone)
    month = _local_text(conn, tickets.c.created_at, _offset_changes(zone, first, after), "month")
    inner = (
        sa.select(tickets.c.product, month.label("month"))
        .where(
            tickets.c.product.in_(sorted(units)),
            tickets.c.created_at >= first,
            tickets.c.created_at < after,
        )
        .subquery()
    )
    complaints: dict[tuple[str, str], int] = {}
    for product, at_month, count in conn.execute(
        sa.select(inner.c.product, inner.c.month, sa.func.count()).group_by(
            inner.c.product, inner.c.month
        )
    ):
        complaints[(product, at_month)] = int(count)
    by_product: dict[str, Any] = {}
    for product in sorted(units):
        sold = units[product]
        counted = sum(complaints.get((product, m), 0) for m in sold)
        total_units = sum(sold.values())
        by_product[product] = {
            "complaints": counted,
            "sales": total_units,
            "rate": _rate(counted, total_units),
            "months": sorted(sold),
        }
    all_complaints = sum(item["complaints"] for item in by_product.values())
    all_units = sum(item["sales"] for item in by_product.values())
    return {
        "rate": _rate(all_complaints, all_units),
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


def _local_text(conn: Connection, column: Any, changes: Sequence[_OffsetChange], unit: str) -> Any:
    """The local day ("YYYY-MM-DD") or month ("YYYY-MM") of a UTC column, as SQL text."""
    sqlite = conn.dialect.name == "sqlite"

    def shift(seconds: int) -> Any:
        # SQLite's date functions take the shift as a modifier string.
        return f"{seconds:+d} seconds" if sqlite else seconds

    # Offset changes are few, so a CASE picking the offset by instant stays cheap.
    whens = [(column < nxt.at, shift(prior.seconds)) for prior, nxt in pairwise(changes)]
    last = shift(changes[-1].seconds)
    offset: Any = sa.case(*whens, else_=last) if whens else sa.literal(last)
    if sqlite:
        return sa.func.strftime(_SQLITE_FORMATS[unit], column, offset)
    shifted = column + offset * sa.literal_column("interval '1 second'", sa.Interval)
    return sa.func.to_char(shifted, _POSTGRES_FORMATS[unit])


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[_OffsetChange]:
    """The zone's UTC offset at `start` and every change of it before `end`."""
    changes = [_OffsetChange(start, _offset(zone, start))]
    # Offsets change a few times a year at most: probe daily and bisect a change to the
    # second (zoneinfo does not expose its transition table).
    probe = start
    while probe < end:
        following = min(probe + _DAY, end)
        if _offset(zone, following) != changes[-1].seconds:
            before, after = probe, following
            while after - before > _SECOND:
                middle = before + (after - before) / 2
                if _offset(zone, middle) == changes[-1].seconds:
                    before = middle
                else:
                    after = middle
            changes.append(_OffsetChange(after, _offset(zone, after)))
        probe = following
    return changes


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return int(offset.total_seconds())


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


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items()))

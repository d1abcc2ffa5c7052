"""Who holds the work: timely handling per department and per agent, and the open backlog
by status and age, for the supervisor's dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from handoff.policy.lifecycle import OPEN_STATUSES
from handoff.policy.stats import rate, timeliness
from handoff.schema import tickets


def holder_figures(
    conn: Connection, start: datetime, end: datetime, now: datetime, column: str
) -> dict[str, dict[str, Any]]:
    """Per department or agent (`column`): the period's tickets, how many are open, and
    the timely-handling rate with its counts; unassigned tickets are under "".
    Timeliness as in `period_stats`."""
    decided, in_time = timeliness(now)
    holder = sa.func.coalesce(tickets.c[column], "")
    rows = conn.execute(
        sa.select(
            holder,
            sa.func.count(),
            sa.func.count().filter(tickets.c.status.in_(OPEN_STATUSES)),
            sa.func.count().filter(decided),
            sa.func.count().filter(in_time),
        )
        .where(tickets.c.created_at >= start, tickets.c.created_at < end)
        .group_by(holder)
        .order_by(holder)
    )
    return {
        name: {
            "tickets": int(total),
            "open": int(open_),
            "decided": int(decided_n),
            "handled_in_time": int(in_time_n),
            "rate": rate(int(in_time_n), int(decided_n)),
        }
        for name, total, open_, decided_n, in_time_n in rows
    }


#: Backlog age buckets: upper bounds and their names.
BACKLOG_AGES = (
    (timedelta(days=1), "under_1_day"),
    (timedelta(days=3), "1_to_3_days"),
    (timedelta(days=7), "3_to_7_days"),
)


def backlog(conn: Connection, now: datetime) -> dict[str, dict[str, int]]:
    """Open tickets now, whenever created: status -> age bucket -> count."""
    age = sa.case(
        *((tickets.c.created_at > now - bound, name) for bound, name in BACKLOG_AGES),
        else_="over_7_days",
    )
    result: dict[str, dict[str, int]] = {}
    rows = conn.execute(
        sa.select(tickets.c.status, age, sa.func.count())
        .where(tickets.c.status.in_(OPEN_STATUSES))
        .group_by(tickets.c.status, age)
    )
    for status, bucket, count in rows:
        result.setdefault(status, {})[bucket] = int(count)
    return result

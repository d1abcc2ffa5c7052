"""Supervisor figures: `GET /api/v1/stats?from=&to=` (the last 30 days by default), and the
same period's tickets and figures as CSV files for a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import Connection

from gateway.db.schema import customers
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import requires_role
from gateway.web.responses import json_response
from handoff.policy.stats import period_stats, timeliness
from handoff.policy.workload import backlog, holder_figures
from handoff.schema import tickets

routes = web.RouteTableDef()

DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=731)
#: Periods outside these would overflow date arithmetic in any time zone.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
EXPORT_LIMIT = 100_000

TICKET_COLUMNS = (
    "number",
    "created_at",
    "status",
    "category",
    "urgency",
    "severity",
    "channel",
    "language",
    "department",
    "assignee",
    "customer",
    "first_response_due",
    "first_responded_at",
    "resolution_due",
    "resolved_at",
    "on_time",
)


@routes.get("/api/v1/stats")
@requires_role("supervisor")
async def stats(request: web.Request) -> web.Response:
    """The contract's figures, plus `departments` and `agents` (timely handling of each,
    open counts) and `backlog` (open tickets now: status -> age bucket -> count)."""
    start, end, zone, now = _period(request)

    def read(conn: Connection) -> dict[str, Any]:
        figures = period_stats(conn, start, end, zone, now)
        figures["departments"] = holder_figures(conn, start, end, now, "department")
        figures["agents"] = holder_figures(conn, start, end, now, "assignee")
        figures["backlog"] = backlog(conn, now)
        return figures

    return json_response(await request.app[DATABASE].read(read))


@routes.get("/api/v1/stats/tickets.csv")
@requires_role("supervisor")
async def tickets_csv(request: web.Request) -> web.Response:
    """The period's tickets, oldest first, times in the business time zone; `on_time` is
    yes, no (late, even if still open) or open (not decided yet)."""
    start, end, zone, now = _period(request)
    decided, in_time = timeliness(now)

    def read(conn: Connection) -> list[list[Any]]:
        rows = conn.execute(
            sa.select(
                tickets,
                customers.c.name.label("customer"),
                decided.label("decided"),
                in_time.label("in_time"),
            )
            .select_from(tickets.outerjoin(customers, customers.c.id == tickets.c.customer_id))
            .where(tickets.c.created_at >= start, tickets.c.created_at < end)
            .order_by(tickets.c.created_at, tickets.c.id)
            .limit(EXPORT_LIMIT)
        )
        return [_ticket_row(row, zone) for row in rows]

    rows = await request.app[DATABASE].read(read)
    return _csv(TICKET_COLUMNS, rows, f"tickets-{_stamp(start, end, zone)}.csv")


@routes.get("/api/v1/stats/figures.csv")
@requires_role("supervisor")
async def figures_csv(request: web.Request) -> web.Response:
    """The period's figures as `figure,key,value` rows (totals, breakdowns, per day, per
    department and per agent)."""
    start, end, zone, now = _period(request)

    def read(conn: Connection) -> list[list[Any]]:
        figures = period_stats(conn, start, end, zone, now)
        rows: list[list[Any]] = [["tickets", "", figures["tickets"]]]
        for name in ("timely_handling", "first_response", "satisfaction"):
            rows += [[name, key, value] for key, value in figures[name].items()]
        for name in ("by_category", "by_channel", "by_department", "by_severity", "by_status"):
            rows += [[name, key, value] for key, value in figures[name].items()]
        rows += [["by_day", day, count] for day, count in figures["by_day"].items()]
        for column, label in (("department", "department"), ("assignee", "agent")):
            for holder, counts in holder_figures(conn, start, end, now, column).items():
                rows += [[f"{label}:{holder}", key, value] for key, value in counts.items()]
        return rows

    rows = await request.app[DATABASE].read(read)
    return _csv(("figure", "key", "value"), rows, f"figures-{_stamp(start, end, zone)}.csv")


def _ticket_row(row: Any, zone: ZoneInfo) -> list[Any]:
    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).isoformat() if moment else ""

    on_time = "yes" if row.in_time else "no" if row.decided else "open"
    return [
        row.number,
        local(row.created_at),
        row.status,
        row.category,
        row.urgency,
        row.severity,
        row.channel,
        row.language,
        row.department,
        row.assignee or "",
        row.customer or "",
        local(row.first_response_due),
        local(row.first_responded_at),
        local(row.resolution_due),
        local(row.resolved_at),
        on_time,
    ]


def _csv(header: tuple[str, ...], rows: list[list[Any]], filename: str) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    # A cell a spreadsheet would run as a formula (=, +, -, @) is kept as text.
    writer.writerows([[_inert(cell) for cell in row] for row in rows])
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(),  # the BOM makes Excel read UTF-8
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _inert(cell: Any) -> Any:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _stamp(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{start.astimezone(zone):%Y%m%d}-{end.astimezone(zone):%Y%m%d}"


def _period(request: web.Request) -> tuple[datetime, datetime, ZoneInfo, datetime]:
    zone, now = request.app[SETTINGS].zone, request.app[CLOCK]()
    end = _moment(request, "to", zone) or now
    start = _moment(request, "from", zone) or end - DEFAULT_PERIOD
    if start >= end:
        raise ApiError(400, "invalid_query", "`from` must be before `to`")
    if end - start > MAX_PERIOD:
        # The figures are per day; a longer period is several requests.
        raise ApiError(400, "invalid_query", f"a period may span at most {MAX_PERIOD.days} days")
    return start, end, zone, now


def _moment(request: web.Request, name: str, zone: ZoneInfo) -> datetime | None:
    """An ISO date or date-time; a date or a time without offset is in business time."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_query", f"`{name}` must be an ISO 8601 date or time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not EARLIEST <= moment <= LATEST:
        raise ApiError(400, "invalid_query", f"`{name}` must lie between 2000 and 2100")
    return moment

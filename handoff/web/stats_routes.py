"""Supervisor figures: `GET /api/v1/stats?from=&to=` (the last 30 days by default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import requires_role
from handoff.policy.stats import period_stats

routes = web.RouteTableDef()

DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=731)
#: Periods outside these would overflow date arithmetic in any time zone.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


@routes.get("/api/v1/stats")
@requires_role("supervisor")
async def stats(request: web.Request) -> web.Response:
    zone, now = request.app[SETTINGS].zone, request.app[CLOCK]()
    end = _moment(request, "to", zone) or now
    start = _moment(request, "from", zone) or end - DEFAULT_PERIOD
    if start >= end:
        raise ApiError(400, "invalid_query", "`from` must be before `to`")
    if end - start > MAX_PERIOD:
        # The figures are per day; past this a period is a question for an export.
        raise ApiError(400, "invalid_query", f"a period may span at most {MAX_PERIOD.days} days")
    figures = await request.app[DATABASE].read(period_stats, start, end, zone, now)
    return web.json_response(figures)


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

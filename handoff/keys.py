"""The handoff module's application state."""

from __future__ import annotations

from aiohttp import web

from handoff.desk import TicketDesk
from handoff.jobs.monitor import HandoffMonitor

DESK = web.AppKey("ticket_desk", TicketDesk)
MONITOR = web.AppKey("handoff_monitor", HandoffMonitor)

"""The handoff monitor: the policy's timed steps, run every few seconds by one process.

Queues are drained, unanswered tickets reassigned, deadlines escalated, surveys sent and
spikes checked, all in one transaction. On PostgreSQL a transaction-scoped advisory lock
lets one process at a time do it, so nothing is assigned, escalated or surveyed twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.metrics import Metrics
from handoff import data_rights
from handoff.desk import TicketDesk
from handoff.jobs import escalation
from handoff.jobs.spike_monitor import check_spikes
from handoff.metrics import HandoffMetrics
from handoff.policy import lifecycle, routing, surveys
from handoff.policy.stats import period_stats
from handoff.web.data_rights_routes import delete_attachments
from nlu.replies import ReplyTemplates

log = logging.getLogger(__name__)

_PG_MONITOR_LOCK = 7_242_612
#: The Prometheus figures cover what `/api/v1/stats` shows by default, refreshed this often.
STATS_WINDOW = timedelta(days=30)
FIGURES_EVERY_SECONDS = 60.0


@dataclass
class MonitorPass:
    """What one pass did."""

    assigned: int = 0
    reassigned: int = 0
    escalated: int = 0
    surveys_sent: int = 0
    surveys_expired: int = 0
    spikes_raised: int = 0
    skipped: bool = False


class HandoffMonitor:
    def __init__(
        self,
        database: Database,
        desk: TicketDesk,
        templates: ReplyTemplates,
        clock: Clock,
        metrics: Metrics,
        *,
        email_enabled: bool,
        zone: ZoneInfo,
        retention_days: int = 0,
        data_dir: Path | None = None,
    ) -> None:
        self._retention = timedelta(days=retention_days) if retention_days else None
        self._data_dir = data_dir
        self._db = database
        self._desk = desk
        self._templates = templates
        self._clock = clock
        self._metrics = metrics
        self._email_enabled = email_enabled
        self._zone = zone
        self._figures = HandoffMetrics(metrics.registry)
        self._next_figures = 0.0

    async def run(self, interval: float) -> None:
        """Runs a pass every `interval` seconds until cancelled; survives any error."""
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                self._metrics.errors.labels("handoff_monitor").inc()
                log.exception("handoff monitor pass failed; retrying")
            await asyncio.sleep(interval)

    async def run_once(self) -> MonitorPass:
        result = await self._db.write(self._pass)
        if time.monotonic() >= self._next_figures:
            self._next_figures = time.monotonic() + FIGURES_EVERY_SECONDS
            now = self._clock()
            figures = await self._db.read(period_stats, now - STATS_WINDOW, now, self._zone, now)
            self._figures.update(figures)
        if self._retention is not None:
            await self._apply_retention()
        return result

    async def _apply_retention(self) -> None:
        """Erases the personal data of customers whose tickets closed longer ago than the
        retention period (their own transaction: the policy's steps never wait on it)."""
        now = self._clock()
        assert self._retention is not None
        erased, unused = await self._db.write(data_rights.erase_expired, now - self._retention, now)
        if self._data_dir is not None:
            delete_attachments(self._data_dir, unused)
        if erased:
            log.info("retention: erased the personal data of %d customers", erased)

    def _pass(self, conn: Connection) -> MonitorPass:
        if conn.dialect.name == "postgresql" and not conn.scalar(
            sa.text(f"SELECT pg_try_advisory_xact_lock({_PG_MONITOR_LOCK})")
        ):
            return MonitorPass(skipped=True)  # another process is doing this pass
        now = self._clock()
        policy, calendar = self._desk.policy(conn)
        result = MonitorPass()
        result.assigned = routing.drain_queue(conn, policy, now)
        result.reassigned = escalation.reassign_unanswered(conn, policy, now)
        result.escalated = escalation.escalate(
            conn, policy, calendar, now, email_enabled=self._email_enabled
        )
        result.surveys_sent = surveys.send_due(conn, self._templates, now)
        expired = surveys.expire_unanswered(conn, policy, now)
        for ticket_id in expired:
            ticket = lifecycle.load_ticket_by_id(conn, ticket_id)
            if ticket is not None and ticket.status == "resolved":
                lifecycle.change_status(
                    conn, ticket, "closed", "system", now, calendar, "survey unanswered"
                )
        result.surveys_expired = len(expired)
        raised = check_spikes(conn, policy, now, email_enabled=self._email_enabled)
        result.spikes_raised = len(raised)
        return result

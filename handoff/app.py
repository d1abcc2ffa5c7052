"""Puts the complaint-handling policy into the application: staff routes, customers' data
rights, the SLA monitor, surveys, spike warnings and the policy file watcher."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.channels import ChannelContext
from gateway.tasks import running
from handoff.desk import TicketDesk
from handoff.jobs.monitor import HandoffMonitor
from handoff.keys import DESK, MONITOR
from handoff.policy.policy_file import PolicyFileWatcher
from handoff.web import (
    admin,
    admin_routes,
    attachment_routes,
    console,
    data_rights_routes,
    parked_routes,
    routes,
    staff_console,
    stats_routes,
    ticket_work,
)
from nlu.replies import ReplyTemplates

log = logging.getLogger(__name__)


def setup(context: ChannelContext, desk: TicketDesk, templates: ReplyTemplates) -> None:
    app, settings = context.app, context.settings
    app[DESK] = desk
    app[MONITOR] = HandoffMonitor(
        context.database,
        desk,
        templates,
        context.clock,
        context.metrics,
        email_enabled=bool(settings.email_smtp_url and settings.email_from),
        zone=settings.zone,
        retention_days=settings.retention_days,
        data_dir=settings.data_dir,
    )
    app[staff_console.HUB] = staff_console.ConsoleHub(context.database, zone=settings.zone)
    for table in (
        routes.routes,
        admin_routes.routes,
        attachment_routes.routes,
        parked_routes.routes,
        staff_console.routes,
        stats_routes.routes,
        ticket_work.routes,
        console.routes,
        data_rights_routes.routes,
    ):
        app.add_routes(table)
    admin.setup(app)
    app.on_shutdown.append(app[staff_console.HUB].close_all)
    app.cleanup_ctx.append(staff_console.run_hub)
    watcher = (
        PolicyFileWatcher(settings.policy_file, context.database, context.clock)
        if settings.policy_file
        else None
    )

    async def background(app: web.Application) -> AsyncIterator[None]:
        if watcher is not None:
            await watcher.sync()  # the file's policy applies before the first message
        jobs = {}
        if settings.role != "web":  # role web stores and acknowledges; monitors run elsewhere
            jobs["handoff-monitor"] = app[MONITOR].run(settings.monitor_interval_seconds)
        if watcher is not None:
            jobs["policy-file-watch"] = watcher.watch(2.0)
        async with running(jobs):
            yield

    app.cleanup_ctx.append(background)

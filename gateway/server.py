"""Runs the application until SIGINT or SIGTERM, then shuts down gracefully.

aiohttp's `run_app` stops accepting connections, lets in-flight requests finish within
`shutdown_timeout`, and then runs the cleanup contexts, which drain the pipeline and close
the database. Role `worker` runs the same application without an HTTP listener.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from aiohttp import web

from gateway.settings import Settings
from gateway.startup import StartupError, port_error, registered_as_running
from gateway.web.app import build_app

log = logging.getLogger("gateway")


def serve(settings: Settings, config_file: Path | None = None) -> None:
    """Serves until SIGINT or SIGTERM; raises `StartupError` when it cannot listen."""
    settings = for_role(settings)
    app = build_app(settings, worker_processes=True, config_file=config_file)
    log.info(
        "starting role %s with %d pipeline worker processes (database %s, data %s)",
        settings.role,
        0 if settings.role == "web" else settings.workers,
        "sqlite" if settings.is_sqlite else "postgresql",
        settings.data_dir,
    )
    with registered_as_running(settings):
        if settings.role == "worker":
            asyncio.run(_run_without_listener(app))
        else:
            log.info("listening on http://%s:%d", settings.host, settings.port)
            try:
                web.run_app(
                    app,
                    host=settings.host,
                    port=settings.port,
                    shutdown_timeout=10.0,
                    access_log=None,
                    print=lambda line: log.info(line.strip()),
                )
            except OSError as exc:  # the port was taken between the check and the bind
                raise StartupError(port_error(settings.host, settings.port, exc)) from None
    log.info("gateway stopped")


def for_role(settings: Settings) -> Settings:
    """Role web reads no mailbox and no Telegram long poll: worker processes do."""
    if settings.role != "web":
        return settings
    update: dict[str, object] = {"email_imap_url": None}
    if not settings.telegram_webhook_secret:
        update["telegram_token"] = None  # long polling: the webhook route is not served either
    return settings.model_copy(update=update)


async def _run_without_listener(app: web.Application) -> None:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()  # start-up: every cleanup context runs up to its yield
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("running without an HTTP listener")
    await stop.wait()
    await runner.cleanup()

"""Runs the application until SIGINT or SIGTERM, then shuts down gracefully.

aiohttp's `run_app` stops accepting connections, lets in-flight requests finish within
`shutdown_timeout`, and then runs the cleanup contexts, which drain the pipeline and close
the database.
"""

from __future__ import annotations

import logging

from aiohttp import web

from gateway.settings import Settings
from gateway.startup import StartupError, port_error, registered_as_running
from gateway.web.app import build_app

log = logging.getLogger("gateway")


def serve(settings: Settings) -> None:
    """Serves until SIGINT or SIGTERM; raises `StartupError` when it cannot listen."""
    app = build_app(settings)
    log.info(
        "starting on http://%s:%d (database %s, data %s)",
        settings.host,
        settings.port,
        "sqlite" if settings.is_sqlite else "postgresql",
        settings.data_dir,
    )
    with registered_as_running(settings):
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

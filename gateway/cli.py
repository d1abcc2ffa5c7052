"""`complaint-gateway`: run the gateway, manage staff, migrate, and work with the NLU.

Every command works on a fresh data directory: it creates it and migrates the database
before doing anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from gateway.logs import configure_logging
from gateway.settings import Settings, SettingsError, load_settings
from gateway.startup import StartupError
from nlu.commands import add_nlu_commands


def main(argv: Sequence[str] | None = None) -> None:
    # --config may stand anywhere on the line (before or after the sub-command).
    config_option = argparse.ArgumentParser(add_help=False)
    config_option.add_argument("--config", type=Path)
    known, rest = config_option.parse_known_args(argv)
    command = next((word for word in rest if not word.startswith("-")), None)
    # `nlu parse` must start fast: it needs neither the channels nor the staff commands,
    # whose imports (aiogram, SQLAlchemy, the admin pages' trainer) cost seconds.
    args = _parser(with_packages=command != "nlu").parse_args(rest)
    try:
        overrides = {
            k: v
            for k, v in (
                ("host", getattr(args, "host", None)),
                ("port", getattr(args, "port", None)),
                ("role", getattr(args, "process_role", None)),
            )
            if v is not None
        }
        settings = load_settings(known.config, **overrides)
    except SettingsError as exc:
        print(f"complaint-gateway: {exc}", file=sys.stderr)
        sys.exit(2)
    configure_logging(settings.log_level, settings.log_format)
    try:
        _prepare(settings, args.command)
    except StartupError as exc:
        print(f"complaint-gateway: {exc}", file=sys.stderr)
        sys.exit(1)
    if args.command == "nlu":
        sys.exit(args.handler(args, settings.data_dir))
    args.config = known.config
    sys.exit(args.run(args, settings))


def _parser(*, with_packages: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="complaint-gateway",
        description="Complaint intake and chatbot gateway. Every command accepts --config FILE "
        "(TOML settings; GATEWAY_* environment variables win over it).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the gateway")
    run.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="port to listen on (default 8080)")
    run.add_argument(
        "--role",
        dest="process_role",  # `users add --role` is a staff role
        choices=("all", "web", "worker"),
        help="all (default): everything; web: HTTP, websockets and webhooks only; worker: "
        "pipeline, outbox, channel readers and monitors, no HTTP listener",
    )
    run.set_defaults(run=_run)

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations").set_defaults(
        run=_db_upgraded  # main() migrates before every command
    )

    add_nlu_commands(commands)
    if with_packages:
        from gateway import wiring
        from gateway.staff_commands import add_users_commands

        add_users_commands(commands)

        for add_commands in wiring.CLI_COMMANDS:
            add_commands(commands)
    return parser


def _prepare(settings: Settings, command: str) -> None:
    """Checks what every command needs and migrates the database, or raises `StartupError`."""
    from gateway.db.current import sqlite_is_current

    if command == "nlu" and not settings.database_url:
        # The embedded database already at the newest migration: nothing to do, and `nlu
        # parse` of one line saves the second that importing Alembic and SQLAlchemy costs.
        if sqlite_is_current(settings.data_dir / "gateway.db"):
            return
    from gateway.startup import (
        check_data_dir,
        check_port_free,
        database_error,
        describe_database,
        refuse_second_database,
        sqlite_file,
        storage_errors,
    )

    check_data_dir(settings.data_dir)
    if command == "run":
        check_port_free(settings.host, settings.port)
    else:
        refuse_second_database(settings)
    database_file = sqlite_file(settings)
    is_new = database_file is not None and not database_file.exists()
    try:
        asyncio.run(_migrate(settings))
    except storage_errors() as exc:
        raise database_error(settings.effective_database_url, exc) from None
    if is_new:
        # Said on stderr so scripts reading stdout are unaffected, and loudly: a database
        # created by mistake in the wrong folder is the classic first-hour trap.
        where = describe_database(settings.effective_database_url)
        print(f"complaint-gateway: created a new database: {where}", file=sys.stderr)


async def _migrate(settings: Settings) -> None:
    from gateway.db.engine import Database
    from gateway.db.migrate import upgrade

    database = Database(settings.effective_database_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def _db_upgraded(_args: argparse.Namespace, settings: Settings) -> int:
    from gateway.startup import describe_database

    print(f"{describe_database(settings.effective_database_url)} is up to date")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.server import serve  # the server pulls in the NLU model and aiohttp

    try:
        serve(settings, args.config)
    except StartupError as exc:
        print(f"complaint-gateway: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    main()

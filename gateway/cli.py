"""`complaint-gateway`: run the gateway, manage staff, migrate, and work with the NLU.

Every command works on a fresh data directory: it creates it and migrates the database
before doing anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.logs import configure_logging
from gateway.settings import Settings, SettingsError, load_settings
from gateway.startup import (
    STORAGE_ERRORS,
    StartupError,
    check_data_dir,
    check_port_free,
    database_error,
    describe_database,
    refuse_second_database,
    sqlite_file,
)
from gateway.store.staff import (
    ROLES,
    StaffNameTaken,
    StaffNotFound,
    add_staff,
    list_staff,
    reissue_token,
    update_staff,
)
from nlu.commands import add_nlu_commands


def main(argv: Sequence[str] | None = None) -> None:
    # --config may stand anywhere on the line (before or after the sub-command).
    config_option = argparse.ArgumentParser(add_help=False)
    config_option.add_argument("--config", type=Path)
    known, rest = config_option.parse_known_args(argv)
    command = next((word for word in rest if not word.startswith("-")), None)
    # `nlu parse` must start fast: it needs neither the channels nor the staff commands,
    # whose imports (aiogram, the admin pages' trainer) cost seconds.
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

    users = commands.add_parser("users", help="staff accounts")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add = users_commands.add_parser("add", help="create a staff account and print its API token")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="also set a console password, read from the first line of stdin",
    )
    add.set_defaults(run=_users_add)
    users_commands.add_parser("list", help="every staff account with its role").set_defaults(
        run=_users_list
    )
    disable = users_commands.add_parser("disable", help="disable an account (its token stops)")
    disable.add_argument("name")
    disable.set_defaults(run=_users_disable)
    token = users_commands.add_parser(
        "token", help="issue a new API token for an account; the old one stops working"
    )
    token.add_argument("name")
    token.set_defaults(run=_users_token)
    password = users_commands.add_parser(
        "password",
        help="set a staff member's console password (first line of stdin, or asked for), "
        "lift a lockout and end their console sessions",
    )
    password.add_argument("name")
    password.set_defaults(run=_users_password)

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations").set_defaults(
        run=_db_upgraded  # main() migrates before every command
    )

    add_nlu_commands(commands)
    if with_packages:
        from gateway import wiring

        for add_commands in wiring.CLI_COMMANDS:
            add_commands(commands)
    return parser


def _prepare(settings: Settings, command: str) -> None:
    """Checks what every command needs and migrates the database, or raises `StartupError`."""
    check_data_dir(settings.data_dir)
    if command == "run":
        check_port_free(settings.host, settings.port)
    else:
        refuse_second_database(settings)
    database_file = sqlite_file(settings)
    is_new = database_file is not None and not database_file.exists()
    try:
        asyncio.run(_migrate(settings))
    except STORAGE_ERRORS as exc:
        raise database_error(settings.effective_database_url, exc) from None
    if is_new:
        # Said on stderr so scripts reading stdout are unaffected, and loudly: a database
        # created by mistake in the wrong folder is the classic first-hour trap.
        where = describe_database(settings.effective_database_url)
        print(f"complaint-gateway: created a new database: {where}", file=sys.stderr)


async def _migrate(settings: Settings) -> None:
    database = Database(settings.effective_database_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def _db_upgraded(_args: argparse.Namespace, settings: Settings) -> int:
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


def _users_add(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.store import sessions  # argon2, only for passwords

    password_hash = None
    if args.password_stdin:
        password_hash = _read_password(from_stdin=True)
        if password_hash is None:
            return 2

    async def create() -> str:
        database = Database(settings.effective_database_url)
        try:

            def add(conn: Connection) -> str:
                token = add_staff(conn, args.name, args.role, datetime.now(UTC))
                if password_hash is not None:
                    sessions.set_password(conn, args.name, password_hash)
                return token

            return await database.write(add)
        finally:
            await database.dispose()

    try:
        token = asyncio.run(create())
    except StaffNameTaken:
        print(
            f"complaint-gateway: a staff account named {args.name!r} exists already",
            file=sys.stderr,
        )
        return 1
    where = describe_database(settings.effective_database_url)
    print(f"Created {args.role} {args.name!r} in {where}. API token (shown once, keep it secret):")
    print(token)
    return 0


def _staff_call(settings: Settings, fn: Any, *args: Any, **kwargs: Any) -> Any:
    async def call() -> Any:
        database = Database(settings.effective_database_url)
        try:
            return await database.write(lambda conn: fn(conn, *args, **kwargs))
        finally:
            await database.dispose()

    return asyncio.run(call())


def _users_list(_args: argparse.Namespace, settings: Settings) -> int:
    accounts = _staff_call(settings, list_staff)
    width = max([len(a["name"]) for a in accounts] + [4])
    print(f"{'NAME':<{width}}  {'ROLE':<10}  STATE")
    for account in accounts:
        state = f"disabled {account['disabled_at']}" if account["disabled"] else "active"
        print(f"{account['name']:<{width}}  {account['role']:<10}  {state}")
    return 0


def _users_disable(args: argparse.Namespace, settings: Settings) -> int:
    try:
        _staff_call(settings, update_staff, args.name, datetime.now(UTC), "cli", disabled=True)
    except StaffNotFound:
        print(f"complaint-gateway: no staff account named {args.name!r}", file=sys.stderr)
        return 1
    print(f"Disabled {args.name!r}; its API token no longer works.")
    return 0


def _users_token(args: argparse.Namespace, settings: Settings) -> int:
    try:
        token = _staff_call(settings, reissue_token, args.name, datetime.now(UTC), "cli")
    except StaffNotFound:
        print(f"complaint-gateway: no staff account named {args.name!r}", file=sys.stderr)
        return 1
    print(f"New API token for {args.name!r} (the old one no longer works; shown once):")
    print(token)
    return 0


def _users_password(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.store import sessions  # argon2, only for passwords

    password_hash = _read_password(from_stdin=not sys.stdin.isatty())
    if password_hash is None:
        return 2

    async def store() -> None:
        database = Database(settings.effective_database_url)
        try:
            await database.write(sessions.set_password, args.name, password_hash)
        finally:
            await database.dispose()

    try:
        asyncio.run(store())
    except sessions.UnknownStaff:
        print(f"complaint-gateway: no staff account named {args.name!r}", file=sys.stderr)
        return 1
    print(f"Console password set for {args.name!r}; their console sessions have ended.")
    return 0


def _read_password(*, from_stdin: bool) -> str | None:
    """The argon2id hash of a password read from stdin's first line or asked for twice."""
    from gateway.store import sessions  # argon2, only for passwords

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("New console password: ")
        if getpass.getpass("Again: ") != password:
            print("complaint-gateway: the passwords differ", file=sys.stderr)
            return None
    try:
        return sessions.hash_password(password)
    except sessions.WeakPassword as exc:
        print(f"complaint-gateway: {exc}", file=sys.stderr)
        return None


if __name__ == "__main__":
    main()

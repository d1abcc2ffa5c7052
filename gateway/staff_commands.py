"""`complaint-gateway users ...`: staff accounts, their roles, API tokens and passwords."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.settings import Settings
from gateway.startup import describe_database
from gateway.store.staff import (
    ROLES,
    StaffNameTaken,
    StaffNotFound,
    add_staff,
    list_staff,
    reissue_token,
    update_staff,
)


def add_users_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``users`` with ``add``, ``list``, ``disable``, ``token`` and ``password``."""
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

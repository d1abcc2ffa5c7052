"""`complaint-gateway sales import` and `complaint-gateway policy load|show`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.db.engine import Database
from gateway.settings import Settings
from handoff.policy.policy_store import PolicyError, read_policy_file, save_policy, stored_document
from handoff.policy.sales import SalesError, import_sales, parse_sales_csv

#: Rows per transaction when importing sales: progress is shown after each.
SALES_CHUNK = 1000


def add_handoff_commands(commands: Any) -> None:
    sales = commands.add_parser("sales", help="units sold, for incidence rates")
    sales_commands = sales.add_subparsers(dest="sales_command", required=True)
    load = sales_commands.add_parser(
        "import", help="import a CSV of product,month,units (replaces those months' figures)"
    )
    load.add_argument("file", type=Path)
    load.set_defaults(run=_sales_import)

    policy = commands.add_parser("policy", help="the complaint-handling policy")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    store = policy_commands.add_parser("load", help="validate a TOML policy and make it current")
    store.add_argument("file", type=Path)
    store.set_defaults(run=_policy_load)
    policy_commands.add_parser("show", help="print the current policy as JSON").set_defaults(
        run=_policy_show
    )


def _sales_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        rows = parse_sales_csv(args.file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, SalesError) as exc:
        print(f"complaint-gateway: {exc}", file=sys.stderr)
        return 1

    async def store() -> None:
        database = Database(settings.effective_database_url)
        try:
            for start in range(0, len(rows), SALES_CHUNK):
                chunk = rows[start : start + SALES_CHUNK]
                await database.write(import_sales, chunk)
                print(f"imported {start + len(chunk)}/{len(rows)} rows", file=sys.stderr)
        finally:
            await database.dispose()

    asyncio.run(store())
    print(f"Imported {len(rows)} sales rows from {args.file}.")
    return 0


def _policy_load(args: argparse.Namespace, settings: Settings) -> int:
    try:
        document = read_policy_file(args.file)
    except PolicyError as exc:
        print(f"complaint-gateway: invalid policy: {exc}", file=sys.stderr)
        return 1
    version = _with_database(settings, save_policy, document, "cli", str(args.file), _now())
    print(f"Policy version {version} is current.")
    return 0


def _policy_show(_args: argparse.Namespace, settings: Settings) -> int:
    version, document = _with_database(settings, stored_document)
    print(json.dumps({"version": version, "policy": document}, ensure_ascii=False, indent=2))
    return 0


def _with_database(settings: Settings, fn: Any, *args: Any) -> Any:
    async def call() -> Any:
        database = Database(settings.effective_database_url)
        try:
            return await database.write(fn, *args)
        finally:
            await database.dispose()

    return asyncio.run(call())


def _now() -> datetime:
    return datetime.now(UTC)

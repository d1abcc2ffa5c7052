"""`complaint-gateway customers export ID` and `complaint-gateway customers erase ID`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from gateway.db.engine import Database
from gateway.settings import Settings
from handoff import data_rights
from handoff.web.data_rights_routes import delete_attachments


def add_data_rights_commands(commands: Any) -> None:
    customers = commands.add_parser("customers", help="a customer's data rights")
    customers_commands = customers.add_subparsers(dest="customers_command", required=True)
    export = customers_commands.add_parser(
        "export", help="print everything held about a customer as JSON"
    )
    export.add_argument("customer_id", type=int)
    export.set_defaults(run=_export)
    erase = customers_commands.add_parser(
        "erase", help="erase a customer's personal data (tickets and figures are kept)"
    )
    erase.add_argument("customer_id", type=int)
    erase.add_argument("--actor", default="cli", help="who asked, for the ledger")
    erase.set_defaults(run=_erase)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    async def read() -> dict[str, Any]:
        database = Database(settings.effective_database_url)
        try:
            return await database.read(data_rights.export_customer, args.customer_id)
        finally:
            await database.dispose()

    try:
        document = asyncio.run(read())
    except data_rights.UnknownCustomer:
        print(f"complaint-gateway: no customer {args.customer_id}", file=sys.stderr)
        return 1
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    async def write() -> list[str]:
        database = Database(settings.effective_database_url)
        try:
            return await database.write(
                data_rights.erase_customer, args.customer_id, args.actor, datetime.now(UTC)
            )
        finally:
            await database.dispose()

    try:
        unused = asyncio.run(write())
    except data_rights.UnknownCustomer:
        print(f"complaint-gateway: no customer {args.customer_id}", file=sys.stderr)
        return 1
    deleted = delete_attachments(settings.data_dir, unused)
    print(f"Erased customer {args.customer_id}'s personal data ({deleted} attachment files).")
    return 0

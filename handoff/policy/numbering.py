"""Ticket numbers: `<PREFIX>-<YYYYMM>-<NNNNNN>`, a monthly serial in the business time zone.

The serial is one upsert on a counter row, so two processes on one database serialise on
that row and can never draw the same number. On PostgreSQL the upsert commits at once in a
transaction of its own: a ticket transaction holding the row until it commits made every
other worker's tickets wait for the whole batch. A ticket rolled back afterwards leaves its
number unused (numbers never repeat; they may skip). SQLite has one writer: there the
upsert stays in the ticket's transaction, and a rolled-back ticket gives its number back.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from handoff.schema import ticket_serials


def ticket_period(moment: datetime, zone: ZoneInfo) -> str:
    """YYYYMM of the moment in the business time zone (not UTC)."""
    return moment.astimezone(zone).strftime("%Y%m")


def format_ticket_number(prefix: str, period: str, serial: int) -> str:
    return f"{prefix}-{period}-{serial:06d}"


def next_ticket_number(conn: Connection, prefix: str, zone: ZoneInfo, moment: datetime) -> str:
    period = ticket_period(moment, zone)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ticket_serials)
        .values(prefix=prefix, period=period, last_serial=1)
        .on_conflict_do_update(
            index_elements=["prefix", "period"],
            set_={"last_serial": ticket_serials.c.last_serial + 1},
        )
        .returning(ticket_serials.c.last_serial)
    )
    if conn.dialect.name == "postgresql":
        with conn.engine.begin() as own:  # another pooled connection, committed at once
            serial = own.scalar(statement)
    else:
        serial = conn.scalar(statement)
    assert serial is not None
    return format_ticket_number(prefix, period, int(serial))

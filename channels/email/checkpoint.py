"""The IMAP checkpoint and the mailbox lease, in the database.

The lease makes one process the reader of a mailbox (SQLite or PostgreSQL alike: a row with
an expiry, taken over when its holder stops renewing). The checkpoint only advances under
the lease, and only after the mail is stored, so a crash or a lost lease re-reads a little
and the idempotency key drops what was already stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .schema import email_checkpoints, email_leases


@dataclass(frozen=True, slots=True)
class Checkpoint:
    uidvalidity: int
    last_uid: int


def acquire_lease(
    conn: Connection, mailbox: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Takes or renews the lease; False while another live holder has it."""
    row = conn.execute(
        sa.select(email_leases).where(email_leases.c.mailbox == mailbox).with_for_update()
    ).first()
    if row is None:
        try:
            with conn.begin_nested():  # a second process inserting at once loses cleanly
                conn.execute(
                    sa.insert(email_leases).values(
                        mailbox=mailbox, holder=holder, expires_at=now + ttl
                    )
                )
        except IntegrityError:
            return False
        return True
    if row.holder != holder and row.expires_at > now:
        return False
    conn.execute(
        sa.update(email_leases)
        .where(email_leases.c.mailbox == mailbox)
        .values(holder=holder, expires_at=now + ttl)
    )
    return True


def release_lease(conn: Connection, mailbox: str, holder: str) -> None:
    conn.execute(
        sa.delete(email_leases).where(
            email_leases.c.mailbox == mailbox, email_leases.c.holder == holder
        )
    )


def renew_lease(conn: Connection, mailbox: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extends a lease this holder still has; False if it ran out or another took it."""
    renewed = conn.execute(
        sa.update(email_leases)
        .where(
            email_leases.c.mailbox == mailbox,
            email_leases.c.holder == holder,
            email_leases.c.expires_at > now,
        )
        .values(expires_at=now + ttl)
    )
    return bool(renewed.rowcount)


def load_checkpoint(conn: Connection, mailbox: str) -> Checkpoint | None:
    row = conn.execute(
        sa.select(email_checkpoints.c.uidvalidity, email_checkpoints.c.last_uid).where(
            email_checkpoints.c.mailbox == mailbox
        )
    ).first()
    return Checkpoint(int(row.uidvalidity), int(row.last_uid)) if row is not None else None


def save_checkpoint(conn: Connection, mailbox: str, checkpoint: Checkpoint, now: datetime) -> None:
    updated = conn.execute(
        sa.update(email_checkpoints)
        .where(email_checkpoints.c.mailbox == mailbox)
        .values(uidvalidity=checkpoint.uidvalidity, last_uid=checkpoint.last_uid, updated_at=now)
    )
    if updated.rowcount == 0:
        conn.execute(
            sa.insert(email_checkpoints).values(
                mailbox=mailbox,
                uidvalidity=checkpoint.uidvalidity,
                last_uid=checkpoint.last_uid,
                updated_at=now,
            )
        )

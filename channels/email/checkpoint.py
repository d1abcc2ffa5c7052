"""The IMAP checkpoint, in the database.

The checkpoint only advances under the mailbox's lease (`gateway.leases`, renewed in the
same transaction), and only after the mail is stored, so a crash or a lost lease re-reads a
little and the idempotency key drops what was already stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import email_checkpoints


@dataclass(frozen=True, slots=True)
class Checkpoint:
    uidvalidity: int
    last_uid: int


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

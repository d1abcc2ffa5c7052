"""The order in which the pipeline takes locks on PostgreSQL, so two processes never wait
on each other in a cycle ("deadlock detected").

A batch touches many rows: its messages, their customers and conversations, open tickets,
the month's ticket serial and the outbox. Two batches taking those in different orders (one
holds the serial and wants a conversation the other holds, which wants the serial) deadlock.
So every handling transaction first takes one transaction-scoped advisory lock, then its
message rows in id order; everything else is taken by at most one batch at a time. NLU
parsing, the slow part, runs before the transaction and stays parallel. The outbox claims
rows with SKIP LOCKED and staff routes lock one ticket, so neither joins a cycle. SQLite has
a single writer and needs none of this.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import messages

#: Any constant shared by every gateway process (the migration and monitor locks differ).
PIPELINE_LOCK = 7_242_617


def lock_batch(conn: Connection, message_ids: list[int]) -> None:
    """Takes the pipeline lock, then the batch's message rows in id order."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({PIPELINE_LOCK})"))
    conn.execute(
        sa.select(messages.c.id)
        .where(messages.c.id.in_(sorted(message_ids)))
        .order_by(messages.c.id)
        .with_for_update()
    )

"""Telling staff: a notification row every staff console tails, and mail to supervisors.

Rows are written in the caller's transaction, so a notification exists exactly when the
step it announces does, whichever process took that step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.store import outbox
from handoff.policy.policy import Policy
from handoff.schema import notifications

SUPERVISORS = "supervisors"


def agent_audience(name: str) -> str:
    return f"agent:{name}"


def supervisor_mailbox(name: str) -> str:
    """The outbox conversation of one supervisor's alert mails: sent in order, one by one."""
    return f"staff:{name}"


def notify(
    conn: Connection,
    audience: str,
    type_: str,
    data: dict[str, Any],
    now: datetime,
    ticket_id: int | None = None,
) -> None:
    conn.execute(
        sa.insert(notifications).values(
            audience=audience, type=type_, ticket_id=ticket_id, data=data, created_at=now
        )
    )


def alert_supervisors(
    conn: Connection,
    policy: Policy,
    department: str,
    type_: str,
    summary: str,
    data: dict[str, Any],
    now: datetime,
    *,
    ticket_id: int | None = None,
    occurrence: str | None = None,
    email_enabled: bool = False,
) -> None:
    """Pushes to every supervisor console and, when email is set up, mails the department's
    supervisors who gave an address (a new mail each, with the summary's first line as its
    subject): once per `type_` and `occurrence` (by default the ticket), so a retried step
    never mails twice."""
    notify(conn, SUPERVISORS, type_, {**data, "department": department}, now, ticket_id)
    if not email_enabled:
        return
    for name in policy.supervisors_of(department):
        address = policy.supervisors.get(name)
        if address is None or not address.email:
            continue
        outbox.enqueue(
            conn,
            channel="email",
            conversation_key=supervisor_mailbox(name),
            recipient=address.email,
            kind="supervisor_alert",
            text=summary,
            now=now,
            ticket_id=ticket_id,
            dedupe_key=f"alert:{type_}:{occurrence or ticket_id}:{name}",
            metadata={"subject": summary.splitlines()[0][:150]},
        )


def since(conn: Connection, last_id: int, limit: int = 200) -> list[sa.Row[Any]]:
    """Notifications after `last_id`, oldest first."""
    return list(
        conn.execute(
            sa.select(notifications)
            .where(notifications.c.id > last_id)
            .order_by(notifications.c.id)
            .limit(limit)
        )
    )


def newest_id(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.max(notifications.c.id))) or 0)

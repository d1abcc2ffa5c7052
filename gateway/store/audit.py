"""The administrators' audit log: every change to staff, policy or templates, with who made
it, when, and the value before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import admin_audit


def record(
    conn: Connection,
    actor: str,
    action: str,
    subject: str,
    before: Any,
    after: Any,
    now: datetime,
) -> int:
    """Appends one entry in the caller's transaction, so the change and its record exist
    together or not at all."""
    entry = conn.scalar(
        sa.insert(admin_audit)
        .values(
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            after=after,
            created_at=now,
        )
        .returning(admin_audit.c.id)
    )
    assert entry is not None
    return int(entry)


def entries(
    conn: Connection, *, action_prefix: str = "", subject: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The newest entries first, optionally only one kind of change or one subject."""
    query = sa.select(admin_audit).order_by(admin_audit.c.id.desc()).limit(limit)
    if action_prefix:
        query = query.where(admin_audit.c.action.startswith(action_prefix, autoescape=True))
    if subject is not None:
        query = query.where(admin_audit.c.subject == subject)
    return [
        {
            "id": row.id,
            "actor": row.actor,
            "action": row.action,
            "subject": row.subject,
            "before": row.before,
            "after": row.after,
            "at": row.created_at.isoformat(),
        }
        for row in conn.execute(query)
    ]


#: The newest entry's id: a cheap stamp that changes whenever an administrator changes anything.
LATEST_ID = sa.select(sa.func.max(admin_audit.c.id)).scalar_subquery()

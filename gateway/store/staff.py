"""Staff accounts and their API tokens.

A token is 256 random bits, shown once, stored only as its SHA-256. A slow password hash
(argon2, bcrypt) buys nothing for a secret that cannot be guessed, and would cost every
authenticated request a deliberate delay.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import staff
from gateway.store import audit

ROLES = ("admin", "supervisor", "agent")
TOKEN_PREFIX = "cgw_"


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    name: str
    role: str


class StaffNameTaken(Exception):
    """A staff account with that name exists already."""


class StaffNotFound(LookupError):
    """No staff account has that name."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")


def add_staff(conn: Connection, name: str, role: str, now: datetime, actor: str = "cli") -> str:
    """Creates the account and returns its API token (the only time it is readable)."""
    _check_role(role)
    if conn.scalar(sa.select(staff.c.id).where(staff.c.name == name)) is not None:
        raise StaffNameTaken(name)
    token = _new_token()
    conn.execute(
        sa.insert(staff).values(name=name, role=role, token_hash=hash_token(token), created_at=now)
    )
    audit.record(conn, actor, "staff.add", name, None, {"role": role, "disabled": False}, now)
    return token


def list_staff(conn: Connection) -> list[dict[str, Any]]:
    """Every account, disabled ones included, in name order."""
    return [_as_dict(row) for row in conn.execute(sa.select(staff).order_by(staff.c.name))]


def _as_dict(row: Any) -> dict[str, Any]:
    return {
        "name": row.name,
        "role": row.role,
        "disabled": row.disabled_at is not None,
        "created_at": row.created_at.isoformat(),
        "disabled_at": row.disabled_at.isoformat() if row.disabled_at else None,
    }


def _row(conn: Connection, name: str) -> Any:
    row = conn.execute(sa.select(staff).where(staff.c.name == name)).first()
    if row is None:
        raise StaffNotFound(name)
    return row


def update_staff(
    conn: Connection,
    name: str,
    now: datetime,
    actor: str,
    *,
    role: str | None = None,
    disabled: bool | None = None,
) -> dict[str, Any]:
    """Changes an account's role and/or disables (or re-enables) it; a disabled account's
    token stops working at once. Returns the account as `list_staff` shows it."""
    row = _row(conn, name)
    values: dict[str, Any] = {}
    if role is not None and role != row.role:
        _check_role(role)
        values["role"] = role
    if disabled is not None and disabled != (row.disabled_at is not None):
        values["disabled_at"] = now if disabled else None
    before = {"role": row.role, "disabled": row.disabled_at is not None}
    if values:
        conn.execute(sa.update(staff).where(staff.c.id == row.id).values(**values))
        row = _row(conn, name)
        after = {"role": row.role, "disabled": row.disabled_at is not None}
        audit.record(conn, actor, "staff.update", name, before, after, now)
    return _as_dict(row)


def reissue_token(conn: Connection, name: str, now: datetime, actor: str) -> str:
    """A new API token for the account; the old one stops working in the same transaction."""
    row = _row(conn, name)
    token = _new_token()
    conn.execute(sa.update(staff).where(staff.c.id == row.id).values(token_hash=hash_token(token)))
    # Only the fact is recorded: neither token belongs in a log.
    audit.record(conn, actor, "staff.token", name, None, {"token": "reissued"}, now)
    return token


def agent_accounts(conn: Connection) -> tuple[list[str], set[str]]:
    """Names of the enabled accounts with the agent role, and of every disabled account."""
    enabled, disabled = [], set()
    for name, role, disabled_at in conn.execute(
        sa.select(staff.c.name, staff.c.role, staff.c.disabled_at).order_by(staff.c.name)
    ):
        if disabled_at is not None:
            disabled.add(name)
        elif role == "agent":
            enabled.append(name)
    return enabled, disabled


def staff_for_token(conn: Connection, token: str) -> StaffMember | None:
    row = (
        conn.execute(
            sa.select(staff.c.id, staff.c.name, staff.c.role).where(
                staff.c.token_hash == hash_token(token), staff.c.disabled_at.is_(None)
            )
        )
    ).first()
    return StaffMember(id=int(row.id), name=row.name, role=row.role) if row else None

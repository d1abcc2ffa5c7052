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

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import staff

ROLES = ("admin", "supervisor", "agent")
TOKEN_PREFIX = "cgw_"


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    name: str
    role: str


class StaffNameTaken(Exception):
    """A staff account with that name exists already."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_staff(conn: Connection, name: str, role: str, now: datetime) -> str:
    """Creates the account and returns its API token (the only time it is readable)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if conn.scalar(sa.select(staff.c.id).where(staff.c.name == name)) is not None:
        raise StaffNameTaken(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(staff).values(name=name, role=role, token_hash=hash_token(token), created_at=now)
    )
    return token


def staff_for_token(conn: Connection, token: str) -> StaffMember | None:
    row = (
        conn.execute(
            sa.select(staff.c.id, staff.c.name, staff.c.role).where(
                staff.c.token_hash == hash_token(token), staff.c.disabled_at.is_(None)
            )
        )
    ).first()
    return StaffMember(id=int(row.id), name=row.name, role=row.role) if row else None

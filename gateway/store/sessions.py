"""Console sign-in: staff passwords, lockout after repeated failures, and sessions.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106). A session is
256 random bits kept by the browser in an HttpOnly cookie and stored here only as its
SHA-256, with a CSRF token the page must echo on every change it asks for. Signing out
everywhere deletes every session of the member; API tokens are untouched, so integrations
keep working.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from gateway.db.schema import staff, staff_sessions
from gateway.store.staff import StaffMember

#: Wrong passwords in a row that lock the account, and for how long.
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
#: A working day and a bit: the console signs in once a shift.
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
_DUMMY_PASSWORD = "not a password of anyone"


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs what a wrong
    password costs and the timing does not tell which names exist. Made at the first
    sign-in, not at import: hashing takes argon2's 64 MiB, which a process that never signs
    anyone in (a worker, a web process under a flood) need not reach."""
    return _hasher.hash(_DUMMY_PASSWORD)


class WeakPassword(ValueError):
    pass


class UnknownStaff(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Session:
    member: StaffMember
    csrf_token: str


@dataclass(frozen=True, slots=True)
class SignIn:
    """What a sign-in attempt came to: a session, a refusal, or a lockout until a time."""

    session_id: str | None = None
    session: Session | None = None
    locked_until: datetime | None = None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def set_password(conn: Connection, name: str, password_hash: str) -> None:
    """Sets the hash (from `hash_password`, computed outside the transaction), lifts any
    lockout and ends the member's sessions."""
    staff_id = conn.scalar(sa.select(staff.c.id).where(staff.c.name == name))
    if staff_id is None:
        raise UnknownStaff(name)
    conn.execute(
        sa.update(staff)
        .where(staff.c.id == staff_id)
        .values(password_hash=password_hash, failed_sign_ins=0, locked_until=None)
    )
    conn.execute(sa.delete(staff_sessions).where(staff_sessions.c.staff_id == staff_id))


def password_hash_for(conn: Connection, name: str) -> str:
    """The stored hash of an enabled member, or a dummy one: verifying always costs the same."""
    stored = conn.scalar(
        sa.select(staff.c.password_hash).where(staff.c.name == name, staff.c.disabled_at.is_(None))
    )
    return stored or _dummy_hash()


def verify_password(password_hash: str, password: str) -> bool:
    """CPU-heavy by design: call it off the event loop."""
    if password_hash == _dummy_hash():
        _hasher.verify(password_hash, _DUMMY_PASSWORD)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def record_sign_in(
    conn: Connection, name: str, password_hash: str, verified: bool, now: datetime
) -> SignIn:
    """Counts the attempt; a verified password opens a session unless the account is
    locked. `password_hash` is the one verified: a password changed meanwhile refuses."""
    row = conn.execute(
        sa.select(
            staff.c.id,
            staff.c.name,
            staff.c.role,
            staff.c.password_hash,
            staff.c.failed_sign_ins,
            staff.c.locked_until,
        ).where(staff.c.name == name, staff.c.disabled_at.is_(None))
    ).first()
    if row is None:
        return SignIn()
    if row.locked_until is not None and row.locked_until > now:
        return SignIn(locked_until=row.locked_until)
    if not verified or row.password_hash != password_hash:
        failed = row.failed_sign_ins + 1
        locked = now + LOCKOUT if failed >= MAX_FAILED_SIGN_INS else None
        conn.execute(
            sa.update(staff)
            .where(staff.c.id == row.id)
            .values(failed_sign_ins=0 if locked else failed, locked_until=locked)
        )
        return SignIn(locked_until=locked)
    conn.execute(
        sa.update(staff).where(staff.c.id == row.id).values(failed_sign_ins=0, locked_until=None)
    )
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(staff_sessions).values(
            id_hash=_digest(session_id),
            staff_id=row.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    member = StaffMember(id=int(row.id), name=row.name, role=row.role)
    return SignIn(session_id=session_id, session=Session(member, csrf))


def session_for(conn: Connection, session_id: str, now: datetime) -> Session | None:
    row = conn.execute(
        sa.select(staff.c.id, staff.c.name, staff.c.role, staff_sessions.c.csrf_token)
        .join(staff, staff.c.id == staff_sessions.c.staff_id)
        .where(
            staff_sessions.c.id_hash == _digest(session_id),
            staff_sessions.c.expires_at > now,
            staff.c.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    return Session(StaffMember(id=int(row.id), name=row.name, role=row.role), row.csrf_token)


def end_session(conn: Connection, session_id: str) -> None:
    conn.execute(sa.delete(staff_sessions).where(staff_sessions.c.id_hash == _digest(session_id)))


def end_all_sessions(conn: Connection, staff_id: int) -> int:
    """Signs the member out on every browser; returns how many sessions ended."""
    result = conn.execute(sa.delete(staff_sessions).where(staff_sessions.c.staff_id == staff_id))
    return int(result.rowcount or 0)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()

"""Where the policy lives: versions in the database, read through a per-process cache.

Every gateway process sees a new version on its next transaction, so an administrator's
change takes effect without a restart; the old versions stay as the audit trail.
"""

from __future__ import annotations

import logging
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from gateway.store import audit
from gateway.store.staff import agent_accounts
from handoff.policy.calendar import BusinessCalendar
from handoff.policy.policy import Policy, parse_policy
from handoff.schema import policy_versions

log = logging.getLogger(__name__)


class PolicyError(ValueError):
    """A policy document was refused; the message names each problem."""


def validate_document(document: Any) -> Policy:
    if not isinstance(document, dict):
        raise PolicyError("the policy must be an object")
    try:
        return parse_policy(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'policy'}: {err['msg']}"
            for err in exc.errors()
        )
        raise PolicyError(problems) from None
    except ValueError as exc:  # the calendar's own checks
        raise PolicyError(str(exc)) from None


def save_policy(
    conn: Connection, document: dict[str, Any], source: str, author: str, now: datetime
) -> int:
    """Stores a validated document as the newest version; returns its version number."""
    validate_document(document)
    version = conn.scalar(
        sa.insert(policy_versions)
        .values(body=document, source=source, author=author, created_at=now)
        .returning(policy_versions.c.id)
    )
    assert version is not None
    return int(version)


def stored_document(conn: Connection) -> tuple[int, dict[str, Any]]:
    """The newest stored document and its version (0 and `{}` before the first one)."""
    row = conn.execute(
        sa.select(policy_versions.c.id, policy_versions.c.body)
        .order_by(policy_versions.c.id.desc())
        .limit(1)
    ).first()
    return (int(row.id), dict(row.body)) if row else (0, {})


_STAMPS = sa.select(sa.select(sa.func.max(policy_versions.c.id)).scalar_subquery(), audit.LATEST_ID)


class PolicyCache:
    """The current policy and its calendar, re-read only when a newer version exists or an
    administrator changed something (staff accounts take part in routing)."""

    def __init__(self, zone: str) -> None:
        self._zone = zone
        self._version = -1
        self._audit_stamp: int | None = -1
        self._document_policy = Policy()
        self._policy = self._document_policy
        self._calendar = self._policy.calendar_in(zone)

    def current(self, conn: Connection) -> tuple[Policy, BusinessCalendar]:
        stamps = conn.execute(_STAMPS).one()
        newest, audit_stamp = stamps[0] or 0, stamps[1]
        if newest == self._version and audit_stamp == self._audit_stamp:
            return self._policy, self._calendar
        if newest != self._version:
            _, document = stored_document(conn)
            try:
                policy = validate_document(document)
            except PolicyError:
                # Refused on the way in, so only a hand edit of the table gets here: keep going.
                log.exception(
                    "stored policy version %s is invalid; keeping the last good one", newest
                )
            else:
                self._document_policy, self._calendar = policy, policy.calendar_in(self._zone)
            self._version = int(newest)
        self._policy = self._document_policy.with_accounts(*agent_accounts(conn))
        self._audit_stamp = audit_stamp
        return self._policy, self._calendar


def read_policy_file(path: Path) -> dict[str, Any]:
    """The TOML policy file as a validated document; raises PolicyError when it is bad."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: {exc}") from None
    validate_document(document)
    return document


def sync_policy_file(conn: Connection, path: Path, now: datetime) -> int | None:
    """Stores the file's policy when the file changed since it was last stored; returns
    the new version, or None when nothing changed.

    Compared with the file's own last version, not the newest one, so a change made through
    the API survives a restart until somebody edits the file again.
    """
    document = read_policy_file(path)
    last_from_file = conn.scalar(
        sa.select(policy_versions.c.body)
        .where(policy_versions.c.source == "file", policy_versions.c.author == str(path))
        .order_by(policy_versions.c.id.desc())
        .limit(1)
    )
    if last_from_file == document:
        return None
    return save_policy(conn, document, "file", str(path), now)

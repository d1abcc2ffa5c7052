"""Is the embedded SQLite database already at the newest migration? Answered without Alembic.

Importing Alembic and SQLAlchemy to find out costs about a second, which a command that
never touches the database (``nlu parse`` of one line) should not pay each time. This reads
the revision ids from the migration files and the stamped one from the database with the
standard library; any doubt (no file, no stamp, an unreadable file, a revision it does not
know) answers False, and the caller migrates the usual way.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path

VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"

_REVISION = re.compile(r"""^revision\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")


def head_revisions(versions: Path = VERSIONS_DIR) -> set[str]:
    """The revisions no other migration builds on (normally one)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        if revision is None:
            continue
        revisions.add(revision.group(1))
        down = _DOWN_REVISION.search(source)
        if down is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    return revisions - parents


def sqlite_is_current(database: Path) -> bool:
    """True when ``database`` exists and is stamped with exactly the newest revisions."""
    if not database.is_file():
        return False
    try:
        uri = f"{database.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as conn:
            stamped = {
                str(row[0]) for row in conn.execute("SELECT version_num FROM alembic_version")
            }
    except (sqlite3.Error, OSError):
        return False
    heads = head_revisions()
    return bool(heads) and stamped == heads

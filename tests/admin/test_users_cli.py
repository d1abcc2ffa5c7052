"""`users list`, `users disable NAME` and `users token NAME`, run as an administrator would."""

from __future__ import annotations

from pathlib import Path

from gateway.db.engine import Database
from gateway.store.audit import entries
from gateway.store.staff import staff_for_token
from tests.gateway.test_cli import cli


async def _member(data_dir: Path, token: str) -> object:
    database = Database(f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}")
    try:
        return await database.read(staff_for_token, token)
    finally:
        await database.dispose()


async def test_token_replaces_the_old_one_and_disable_stops_it(tmp_path: Path) -> None:
    old = cli("users", "add", "alice", "--role", "agent", data_dir=tmp_path).stdout.split()[-1]
    cli("users", "add", "bob", "--role", "supervisor", data_dir=tmp_path)

    renewed = cli("users", "token", "alice", data_dir=tmp_path)
    assert renewed.returncode == 0, renewed.stderr
    new = renewed.stdout.split()[-1]
    assert await _member(tmp_path, old) is None
    assert await _member(tmp_path, new) is not None

    assert cli("users", "disable", "alice", data_dir=tmp_path).returncode == 0
    assert await _member(tmp_path, new) is None

    listing = cli("users", "list", data_dir=tmp_path).stdout.splitlines()
    assert listing[0].split() == ["NAME", "ROLE", "STATE"]
    assert listing[1].split()[:3] == ["alice", "agent", "disabled"]
    assert listing[2].split() == ["bob", "supervisor", "active"]


async def test_every_change_is_in_the_audit_log(tmp_path: Path) -> None:
    cli("users", "add", "carol", "--role", "agent", data_dir=tmp_path)
    cli("users", "token", "carol", data_dir=tmp_path)
    cli("users", "disable", "carol", data_dir=tmp_path)
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    try:
        log = await database.read(entries)
    finally:
        await database.dispose()
    assert [(e["actor"], e["action"], e["subject"]) for e in log] == [
        ("cli", "staff.update", "carol"),
        ("cli", "staff.token", "carol"),
        ("cli", "staff.add", "carol"),
    ]
    assert log[0]["before"] == {"role": "agent", "disabled": False}
    assert log[0]["after"] == {"role": "agent", "disabled": True}


def test_unknown_names_are_refused(tmp_path: Path) -> None:
    for command in ("disable", "token"):
        done = cli("users", command, "nobody", data_dir=tmp_path)
        assert done.returncode == 1 and "no staff account named 'nobody'" in done.stderr

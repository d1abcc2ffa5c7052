"""The usual start-up failures end in one line that says what to do, never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gateway.processes import free_port


def cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    clean["XDG_STATE_HOME"] = str(cwd / "state")
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_busy_port_is_named_with_what_to_do(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = cli("run", "--port", str(port), cwd=tmp_path)
    assert done.returncode == 1
    line = done.stderr.splitlines()[-1]
    assert "Traceback" not in done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in line and "--port" in line


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://gw:s3cret@127.0.0.1:{port}/complaints"
    done = cli("db", "upgrade", cwd=tmp_path, GATEWAY_DATABASE_URL=url)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "cannot open the database" in line and f"127.0.0.1:{port}/complaints" in line
    assert "s3cret" not in line and "GATEWAY_DATABASE_URL" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_data_directory_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    done = cli("db", "upgrade", cwd=tmp_path, GATEWAY_DATA_DIR=str(locked / "data"))
    assert done.returncode == 1
    assert "is not writable" in one_line(done.stderr)


def test_a_bad_setting_is_named(tmp_path: Path) -> None:
    done = cli("db", "upgrade", cwd=tmp_path, GATEWAY_TIMEZONE="Mars/Olympus")
    assert done.returncode == 2
    assert "GATEWAY_TIMEZONE" in one_line(done.stderr)


def test_every_command_says_which_database_it_created_and_uses(tmp_path: Path) -> None:
    first = cli("db", "upgrade", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    database = tmp_path / "data" / "gateway.db"
    assert f"created a new database: SQLite file {database}" in first.stderr
    assert first.stdout.strip() == f"SQLite file {database} is up to date"
    again = cli("users", "add", "alice", "--role", "agent", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "created a new database" not in again.stderr
    assert f"in SQLite file {database}" in again.stdout


def test_a_command_from_the_wrong_folder_does_not_create_a_second_database(
    tmp_path: Path,
) -> None:
    # A gateway serving from `site/` is running (this process stands in for it: the record
    # names a live pid); an administrator adds a user from their home folder instead.
    site, home = tmp_path / "site", tmp_path / "home"
    home.mkdir()
    assert cli("db", "upgrade", cwd=site.parent, GATEWAY_DATA_DIR=str(site)).returncode == 0
    running = home / "state" / "complaint-gateway" / "running"
    running.mkdir(parents=True)
    (running / f"{os.getpid()}.json").write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "database": f"sqlite+aiosqlite:///{site / 'gateway.db'}",
                "data_dir": str(site),
            }
        )
    )
    refused = cli("users", "add", "bob", "--role", "agent", cwd=home)
    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert f"GATEWAY_DATA_DIR={site}" in line
    assert not (home / "data" / "gateway.db").exists()
    # Said explicitly, a new database is what the user wants.
    chosen = cli("users", "add", "bob", "--role", "agent", cwd=home, GATEWAY_DATA_DIR="data")
    assert chosen.returncode == 0, chosen.stderr
    assert (home / "data" / "gateway.db").exists()

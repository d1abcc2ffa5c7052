"""The console script, run as a user would run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.db.engine import Database
from gateway.store.staff import staff_for_token


def cli(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATA_DIR": str(data_dir)}
    env.pop("GATEWAY_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_console_script_is_installed() -> None:
    assert shutil.which("complaint-gateway", path=str(Path(sys.executable).parent)) is not None


def test_db_upgrade_creates_a_fresh_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    done = cli("db", "upgrade", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert (data_dir / "gateway.db").is_file()


async def test_users_add_prints_a_working_token_on_the_last_line(tmp_path: Path) -> None:
    done = cli("users", "add", "alice", "--role", "supervisor", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    try:
        member = await database.read(staff_for_token, token)
    finally:
        await database.dispose()
    assert member is not None and (member.name, member.role) == ("alice", "supervisor")


def test_users_add_refuses_a_taken_name_and_a_bad_role(tmp_path: Path) -> None:
    assert cli("users", "add", "bob", "--role", "agent", data_dir=tmp_path).returncode == 0
    again = cli("users", "add", "bob", "--role", "agent", data_dir=tmp_path)
    assert again.returncode == 1 and "exists already" in again.stderr
    bad = cli("users", "add", "carol", "--role", "boss", data_dir=tmp_path)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_config_file_is_read_wherever_the_option_stands(tmp_path: Path) -> None:
    config = tmp_path / "gw.toml"
    config.write_text(f'data_dir = "{tmp_path / "from-toml"}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "db", "upgrade", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-toml" / "gateway.db").is_file()


@pytest.mark.usefixtures("data_dir")
def test_nlu_parse_prints_one_result_per_line_in_order(data_dir: Path) -> None:
    lines = ["我的快递丢了", "", json.dumps({"text": "Hi"}), "Мне дважды списали деньги"]
    done = cli("nlu", "parse", data_dir=data_dir, stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == 4
    assert results[0]["language"] == "zh-Hans"
    assert results[1] == {}
    assert results[2]["text"] == "Hi"
    assert results[3]["language"] == "ru"

"""`complaint-gateway sales import` and `policy load|show`, run as a user would."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import sqlalchemy as sa

from gateway.db.engine import Database
from handoff.schema import sales
from tests.gateway.test_cli import cli


def test_sales_import_stores_the_csv_and_shows_progress(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    csv = tmp_path / "sales.csv"
    csv.write_text("\ufeffproduct,month,units\nKettle X200,2026-10,1200\nKettle X200,2026-11,900\n")
    done = cli("sales", "import", str(csv), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "imported 2/2 rows" in done.stderr

    async def stored() -> list[tuple[str, str, int]]:
        database = Database(f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}")
        try:
            return await database.read(
                lambda conn: [tuple(r) for r in conn.execute(sa.select(sales).order_by("month"))]
            )
        finally:
            await database.dispose()

    assert asyncio.run(stored()) == [
        ("Kettle X200", "2026-10", 1200),
        ("Kettle X200", "2026-11", 900),
    ]


def test_a_bad_sales_file_is_refused_with_the_line_and_nothing_is_stored(tmp_path: Path) -> None:
    csv = tmp_path / "sales.csv"
    csv.write_text("product,month,units\nKettle,2026-13,5\n")
    done = cli("sales", "import", str(csv), data_dir=tmp_path / "data")
    assert done.returncode == 1
    assert "line 2" in done.stderr


def test_policy_load_validates_and_makes_the_file_current(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    policy = tmp_path / "policy.toml"
    policy.write_text('[calendar]\nworking_hours = ["08:00-20:00"]\n')
    assert cli("policy", "load", str(policy), data_dir=data_dir).returncode == 0
    shown = cli("policy", "show", data_dir=data_dir)
    assert json.loads(shown.stdout)["policy"]["calendar"]["working_hours"] == ["08:00-20:00"]

    policy.write_text('[calendar]\nworking_hours = ["8-20"]\n')
    refused = cli("policy", "load", str(policy), data_dir=data_dir)
    assert refused.returncode == 1 and "working_hours" in refused.stderr

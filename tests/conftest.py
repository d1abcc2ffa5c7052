"""Shared fixtures: a trained NLU model, SQLite and PostgreSQL databases, a live gateway.

Services that may be missing on a user's machine (PostgreSQL) skip with a reason, but fail
the run when CI=true, so CI never goes green by skipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

import nlu
from gateway.clock import Clock, system_clock
from gateway.db.engine import Database
from gateway.settings import Settings, load_settings
from gateway.store.staff import StaffNameTaken, add_staff
from gateway.web.app import build_app
from gateway.web.keys import DATABASE, PIPELINE
from nlu import NluService

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_DSN = os.environ.get("GATEWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def require_service(available: bool, reason: str) -> None:
    """Skips on a user's machine without the service; fails in CI, where it must exist."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _nlu_source_key() -> str:
    """A hash of the NLU's code and shipped data: a model trained from them is reusable."""
    digest = hashlib.sha256()
    package = Path(nlu.__file__).parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def copy_models(source: Path, target: Path) -> None:
    """Gives a test its own models folder. Files are hard links where the file system
    allows: a version and the encoder's weights are some 185 MB, written once and never
    changed in place (a new version is a new folder), and hundreds of tests copying them
    filled the disk of a CI machine."""

    def link_or_copy(src: str, dst: str) -> object:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        return dst

    shutil.copytree(source, target, copy_function=link_or_copy)


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose `models/` holds a model trained once from the shipped data.

    Training takes a minute or more, so the model is kept between runs under the user's
    cache folder, keyed by the NLU's code and data: any change there trains a new one.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = cache / "complaint-gateway-tests" / _nlu_source_key() / "models"
    data_dir = tmp_path_factory.mktemp("nlu-model")
    if cached.is_dir():
        copy_models(cached, data_dir / "models")
        return data_dir / "models"
    NluService(data_dir).load()
    staging = cached.with_name(f"models.{os.getpid()}.tmp")
    shutil.copytree(data_dir / "models", staging)
    with contextlib.suppress(OSError):  # another run stored the same model first
        staging.rename(cached)
    shutil.rmtree(staging, ignore_errors=True)
    return data_dir / "models"


@pytest.fixture
def data_dir(tmp_path: Path, trained_models: Path) -> Path:
    copy_models(trained_models, tmp_path / "data" / "models")
    return tmp_path / "data"


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped at the end."""
    import asyncpg

    require_service(port_open("127.0.0.1", 5432), "PostgreSQL is not running on 127.0.0.1:5432")
    name = f"gw_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest_asyncio.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with fresh_postgres_database() as url:
        yield url


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, data_dir: Path) -> AsyncIterator[str]:
    """Each test that asks for it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@dataclass
class LiveGateway:
    """A real gateway on a loopback port, with a client and a staff token of each role."""

    url: str
    http: aiohttp.ClientSession
    settings: Settings
    database: Database
    tokens: dict[str, str]
    app: web.Application

    def auth(self, role: str = "agent") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def complain(
        self,
        text: str,
        *,
        external_id: str | None = None,
        wait: float = 10,
        sender: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "channel": "api",
            "external_id": external_id or uuid.uuid4().hex,
            "sender": sender or {"id": "cust-1", "name": "Test Customer"},
            "text": text,
            **extra,
        }
        # Only staff may back-date a complaint (a phone call entered after the fact).
        headers = self.auth() if "received_at" in extra else None
        async with self.http.post(
            f"{self.url}/api/v1/messages?wait={wait}", json=body, headers=headers
        ) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def ticket(self, number: str) -> dict[str, Any]:
        async with self.http.get(
            f"{self.url}/api/v1/tickets/{number}", headers=self.auth()
        ) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()


@asynccontextmanager
async def running_gateway(
    settings: Settings, clock: Clock = system_clock
) -> AsyncIterator[LiveGateway]:
    """A gateway app on a loopback port, with a staff token of each role; closed at the end."""
    app = build_app(settings, clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    tokens = {}
    for role in ("admin", "supervisor", "agent"):
        try:
            token = await app[DATABASE].write(add_staff, f"test-{role}", role, datetime.now(UTC))
        except StaffNameTaken:  # a second gateway on the same database
            name = f"test-{role}-{uuid.uuid4().hex[:6]}"
            token = await app[DATABASE].write(add_staff, name, role, datetime.now(UTC))
        tokens[role] = token
    async with aiohttp.ClientSession() as http:
        try:
            yield LiveGateway(
                str(server.make_url("")).rstrip("/"), http, settings, app[DATABASE], tokens, app
            )
        finally:
            await _close_within(server, SHUTDOWN_LIMIT)


@asynccontextmanager
async def poisoned_gateway(settings: Settings) -> AsyncIterator[LiveGateway]:
    """A running gateway whose handling fails every message whose text starts with POISON
    (a poison message: the pipeline fails on it whatever it tries)."""
    async with running_gateway(settings) as live:
        handler = live.app[PIPELINE]._handler
        real_apply = handler.apply

        def apply(conn: Any, message_id: int, parsed: dict[str, Any], now: datetime) -> Any:
            if str(parsed.get("text", "")).startswith("POISON"):
                raise ValueError("date value out of range")
            return real_apply(conn, message_id, parsed, now)

        handler.apply = apply  # type: ignore[method-assign]
        yield live


#: A gateway shuts down in seconds; past this, something waits forever and the test run
#: must not hang on it (seen, rarely, on a loaded machine: every thread idle, one await open).
SHUTDOWN_LIMIT = 60.0


async def _close_within(server: TestServer, limit: float) -> None:
    """Closes the test server; if that hangs, prints every task's stack (what it waits on)
    to stderr and goes on, so the run reports the hang instead of timing out."""
    try:
        await asyncio.wait_for(asyncio.shield(server.close()), limit)
    except TimeoutError:
        print(f"\n--- gateway shutdown still waiting after {limit:.0f}s; tasks:", file=sys.stderr)
        for task in asyncio.all_tasks():
            task.print_stack(limit=8, file=sys.stderr)


@pytest_asyncio.fixture
async def gateway(data_dir: Path, database_url: str) -> AsyncIterator[LiveGateway]:
    async with running_gateway(load_settings(data_dir=data_dir, database_url=database_url)) as live:
        yield live


@pytest_asyncio.fixture
async def sqlite_gateway(data_dir: Path) -> AsyncIterator[LiveGateway]:
    async with running_gateway(load_settings(data_dir=data_dir)) as live:
        yield live


async def eventually(check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Polls an async check until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("GATEWAY_"):
            monkeypatch.delenv(key)
    yield

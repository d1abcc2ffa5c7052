"""Crashes and several gateways: every mail stored once, answered once."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.db.schema import leases, messages, outbox
from gateway.settings import Settings
from gateway.web.app import build_app
from tests.conftest import eventually, running_gateway
from tests.gateway.processes import free_port, start_gateway, wait_healthy

from .conftest import SUPPORT, Dovecot, SmtpSink, email_settings, mail

pytestmark = pytest.mark.slow

COMPLAINTS = [
    "My parcel {n} never arrived and the tracking has not moved for a week",
    "You charged my card twice for order {n}, I want my money back",
    "The kettle from order {n} stopped working after two days",
    "Мой заказ {n} так и не доставили, курьер не отвечает",
    "订单{n}的快递一直没到，客服也不回复",
]


def _complaints(count: int) -> list[bytes]:
    return [
        mail(COMPLAINTS[n % len(COMPLAINTS)].format(n=20261100000 + n), sender=f"c{n}@example.cn")
        for n in range(count)
    ]


def _state(conn: Connection) -> tuple[list[Any], dict[int, int]]:
    rows = conn.execute(
        sa.select(messages.c.external_id, messages.c.ticket_id, messages.c.stage).where(
            messages.c.channel == "email"
        )
    ).all()
    replies = dict(
        conn.execute(  # type: ignore[arg-type]
            sa.select(outbox.c.message_id, sa.func.count()).group_by(outbox.c.message_id)
        ).all()
    )
    return rows, replies


async def test_sigkill_during_a_fetch_loses_and_duplicates_nothing(
    data_dir: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    total = 60
    mailbox = dovecot.new_mailbox()
    await asyncio.to_thread(dovecot.append, mailbox, *_complaints(total))
    env = {
        "GATEWAY_EMAIL_IMAP_URL": dovecot.imap_url(mailbox),
        "GATEWAY_EMAIL_SMTP_URL": smtp_sink.url,
        "GATEWAY_EMAIL_FROM": SUPPORT,
        "GATEWAY_EMAIL_LEASE_SECONDS": "2",
        "GATEWAY_EMAIL_POLL_SECONDS": "0.5",
        "GATEWAY_EMAIL_FETCH_BATCH": "10",
    }
    database = Database(f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}")

    async def stored() -> int:
        try:
            return len((await database.read(_state))[0])
        except Exception:  # not migrated yet
            return 0

    port = free_port()
    proc = start_gateway(data_dir, port, **env)
    try:
        await eventually(lambda: _at_least(stored, 10), timeout=120)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed_at = await stored()
        assert killed_at < total, "the kill came too late to test anything"
        proc = start_gateway(data_dir, port, **env)
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}", proc)

        async def all_done() -> tuple[list[Any], dict[int, int]] | None:
            rows, replies = await database.read(_state)
            finished = len(rows) == total and all(r.stage == "done" for r in rows)
            return (rows, replies) if finished else None

        rows, replies = await eventually(all_done, timeout=120, interval=0.2)
    finally:
        proc.terminate()
        proc.wait(20)
        await database.dispose()
    assert len({r.external_id for r in rows}) == total
    assert len({r.ticket_id for r in rows if r.ticket_id is not None}) == total
    assert all(count == 1 for count in replies.values())


@asynccontextmanager
async def _another_gateway(settings: Settings) -> AsyncIterator[None]:
    """A second gateway on the same database (no staff accounts of its own)."""
    server = TestServer(build_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        yield
    finally:
        await server.close()


async def _at_least(check: Any, count: int) -> bool:
    return bool(await check() >= count)


async def test_two_gateways_on_one_mailbox_store_each_mail_once_and_answer_it_once(
    data_dir: Path, dovecot: Dovecot, smtp_sink: SmtpSink, postgres_url: str
) -> None:
    total = 20
    raws = _complaints(total)
    mailbox = dovecot.new_mailbox()
    settings = email_settings(
        data_dir, dovecot.imap_url(mailbox), smtp_sink.url, database_url=postgres_url
    )
    async with running_gateway(settings) as one, _another_gateway(settings):
        await asyncio.to_thread(dovecot.append, mailbox, *raws[: total // 2])
        await asyncio.sleep(1)
        await asyncio.to_thread(dovecot.append, mailbox, *raws[total // 2 :])

        async def all_done() -> tuple[list[Any], dict[int, int]] | None:
            rows, replies = await one.database.read(_state)
            finished = len(rows) >= total and all(r.stage == "done" for r in rows)
            return (rows, replies) if finished else None

        rows, replies = await eventually(all_done, timeout=60, interval=0.2)
        await smtp_sink.wait_for(total)
        await asyncio.sleep(1)  # a second reader's copies would have arrived by now
    assert len(rows) == total
    assert len({r.external_id for r in rows}) == total
    assert len(smtp_sink.mails) == total
    assert len({m["Message-ID"] for m in smtp_sink.mails}) == total
    assert all(count == 1 for count in replies.values())


def _lease(conn: Connection) -> Any:
    return conn.execute(
        sa.select(leases.c.holder, leases.c.fence).where(leases.c.name.like("email:%"))
    ).first()


def _holder_pid(holder: str) -> int:
    return int(holder.rsplit("-", 2)[1])  # hostname-pid-random


async def test_a_reader_paused_past_its_lease_leaves_the_mailbox_to_the_other_process(
    data_dir: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    raws = _complaints(30)
    mailbox = dovecot.new_mailbox()
    env = {
        "GATEWAY_EMAIL_IMAP_URL": dovecot.imap_url(mailbox),
        "GATEWAY_EMAIL_SMTP_URL": smtp_sink.url,
        "GATEWAY_EMAIL_FROM": SUPPORT,
        "GATEWAY_EMAIL_LEASE_SECONDS": "2",
        "GATEWAY_EMAIL_POLL_SECONDS": "0.5",
    }
    database = Database(f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}")
    ports = [free_port(), free_port()]
    procs = {}
    paused = None
    try:
        async with aiohttp.ClientSession() as http:
            for port in ports:
                proc = start_gateway(data_dir, port, **env)
                procs[proc.pid] = proc
                await wait_healthy(http, f"http://127.0.0.1:{port}", proc)

        async def stored_done(count: int) -> bool:
            rows, _ = await database.read(_state)
            return len(rows) >= count and all(r.stage == "done" for r in rows)

        await asyncio.to_thread(dovecot.append, mailbox, *raws[:10])
        await eventually(lambda: stored_done(10), timeout=60, interval=0.2)
        before = await database.read(_lease)
        paused = _holder_pid(before.holder)
        assert paused in procs, "the mailbox is read by one of the two processes"

        async def taken_over() -> Any:
            row = await database.read(_lease)
            return row if row.fence > before.fence else None

        after = None
        for _ in range(3):
            procs[paused].send_signal(signal.SIGSTOP)
            with contextlib.suppress(AssertionError):
                after = await eventually(taken_over, timeout=15, interval=0.2)
                break
            # Stopped inside a write, it holds SQLite's one write lock, and no process can
            # write (nor take the lease) until it runs again: SQLite, not the lease. Let it
            # finish that write and stop it again.
            procs[paused].send_signal(signal.SIGCONT)
            await asyncio.sleep(0.5)
        assert after is not None, "the other process took the mailbox over"
        reader = _holder_pid(after.holder)
        assert reader != paused and reader in procs
        await asyncio.to_thread(dovecot.append, mailbox, *raws[10:20])
        await eventually(lambda: stored_done(20), timeout=60, interval=0.2)
        procs[paused].send_signal(signal.SIGCONT)  # it wakes holding an outdated fence
        await asyncio.to_thread(dovecot.append, mailbox, *raws[20:])
        await eventually(lambda: stored_done(30), timeout=60, interval=0.2)
        await smtp_sink.wait_for(30)
        rows, replies = await database.read(_state)
        still = await database.read(_lease)
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGCONT)
            proc.terminate()
        for proc in procs.values():
            proc.wait(30)
        await database.dispose()
    assert len(rows) == 30 and len({r.external_id for r in rows}) == 30
    assert all(count == 1 for count in replies.values()) and len(replies) == 30
    assert len(smtp_sink.mails) == 30
    # The paused process never took the mailbox back while the other one kept renewing.
    assert (_holder_pid(still.holder), still.fence) == (reader, after.fence)

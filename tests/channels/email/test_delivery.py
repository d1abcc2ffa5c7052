"""Acknowledgements go out exactly once, however long the SMTP server was away."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import outbox
from handoff.schema import ticket_events
from tests.conftest import eventually

from .conftest import Dovecot, EmailDesk, SmtpSink, email_desk, mail

COMPLAINT = "我的快递一直没到，订单号20261103558712，请尽快处理。"


def _deliveries(conn: Connection) -> tuple[list[str], list[str]]:
    statuses = list(conn.scalars(sa.select(outbox.c.status).where(outbox.c.channel == "email")))
    events = list(conn.scalars(sa.select(ticket_events.c.type)))
    return statuses, events


async def test_smtp_down_for_a_while_sends_exactly_one_mail_once_it_is_back(
    data_dir: Path, dovecot: Dovecot
) -> None:
    sink = SmtpSink()  # its port is known, but nothing listens there yet
    async with email_desk(data_dir, dovecot, sink) as desk:
        await desk.append(mail(COMPLAINT))
        (stored,) = await desk.wait_messages(1)
        assert stored["ticket"] is not None
        await asyncio.sleep(1.5)  # a few failed attempts
        sink.start()
        try:
            (ack,) = await sink.wait_for(1)
            await asyncio.sleep(1.5)  # a second copy would arrive by now
            assert len(sink.mails) == 1
            assert stored["ticket"] in ack["Subject"]
        finally:
            sink.stop()


async def test_a_permanent_smtp_refusal_fails_the_delivery_on_the_ticket(
    desk: EmailDesk,
) -> None:
    desk.sink.answer = "550 5.1.1 mailbox unavailable"
    await desk.append(mail(COMPLAINT))
    await desk.wait_messages(1)

    async def failed() -> tuple[list[str], list[str]] | None:
        statuses, events = await desk.gateway.database.read(_deliveries)
        return (statuses, events) if statuses == ["failed"] else None

    _statuses, events = await eventually(failed)
    assert "delivery_failed" in events
    assert desk.sink.mails == []


async def test_a_temporary_smtp_refusal_is_retried_until_it_is_accepted(
    desk: EmailDesk,
) -> None:
    desk.sink.answer = "451 4.3.0 try again later"
    await desk.append(mail(COMPLAINT))
    await desk.wait_messages(1)
    await asyncio.sleep(1.0)
    statuses, _events = await desk.gateway.database.read(_deliveries)
    assert statuses in (["pending"], ["sending"])
    desk.sink.answer = "250 OK"
    await desk.sink.wait_for(1)
    await asyncio.sleep(1.0)
    assert len(desk.sink.mails) == 1

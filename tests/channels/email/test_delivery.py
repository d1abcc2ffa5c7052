"""Acknowledgements go out exactly once, however long the SMTP server was away."""

from __future__ import annotations

import asyncio
from pathlib import Path

from .conftest import Dovecot, SmtpSink, email_desk, mail


async def test_smtp_down_for_a_while_sends_exactly_one_mail_once_it_is_back(
    data_dir: Path, dovecot: Dovecot
) -> None:
    sink = SmtpSink()  # its port is known, but nothing listens there yet
    async with email_desk(data_dir, dovecot, sink) as desk:
        await desk.append(mail("我的快递一直没到，订单号20261103558712，请尽快处理。"))
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

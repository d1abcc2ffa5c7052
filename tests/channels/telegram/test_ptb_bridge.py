"""A company's python-telegram-bot `Application` forwards every update to the gateway, and
one bot serves both: their own handler answers, and the gateway opens the ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import eventually

from .conftest import SECRET, stored, telegram_gateway
from .standin import TOKEN, BotApiStandIn
from .test_webhook import COMPLAINT_RU
from .updates import OLGA, message

telegram_ext = pytest.importorskip("telegram.ext")


async def test_a_ptb_application_forwards_updates_and_keeps_its_own_handlers(
    data_dir: Path, bot_api: tuple[BotApiStandIn, str]
) -> None:
    from channels.telegram.ptb_bridge import gateway_forwarding_handler

    api, base = bot_api
    MessageHandler, filters = telegram_ext.MessageHandler, telegram_ext.filters

    async def company_echo(update: Any, _context: Any) -> None:
        await update.message.reply_text("echo from the company's own bot")

    # The gateway serves the webhook route but leaves the updates to PTB (no webhook url).
    async with telegram_gateway(data_dir, base) as live:
        application = telegram_ext.Application.builder().token(TOKEN).base_url(f"{base}/bot")
        application = application.build()
        application.add_handler(
            gateway_forwarding_handler(f"{live.url}/telegram/webhook", SECRET), group=-1
        )
        application.add_handler(MessageHandler(filters.TEXT, company_echo))
        api.queue_update(message(9401, OLGA, COMPLAINT_RU))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(timeout=1, poll_interval=0.05)
            try:
                texts = await eventually(
                    lambda: _async(len(api.sent(OLGA["id"])) == 2 and api.sent(OLGA["id"]))
                )
            finally:
                await application.updater.stop()
                await application.stop()
        (row,) = await stored(live)
    assert row["external_id"] == "9401" and row["ticket"] is not None
    echo, acknowledgement = sorted(t["text"] for t in texts)
    assert echo == "echo from the company's own bot"
    assert row["ticket"] in acknowledgement and "Мы получили" in acknowledgement


async def _async(value: Any) -> Any:
    return value

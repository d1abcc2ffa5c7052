"""Long polling: updates are consumed and answered, and an update is confirmed to Telegram
(the next getUpdates offset) only once it is stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestServer

from channels.telegram.bot import build_bot
from channels.telegram.files import AttachmentFetcher
from channels.telegram.inbound import TelegramInbound
from channels.telegram.polling import TelegramPoller
from gateway.db.schema import messages
from gateway.metrics import Metrics
from gateway.settings import load_settings
from gateway.web.app import build_app
from gateway.web.keys import DATABASE
from tests.conftest import LiveGateway, eventually

from .conftest import FAST_OUTBOX, FailingIntake, telegram_gateway
from .standin import TOKEN, BotApiStandIn
from .test_webhook import COMPLAINT_RU, COMPLAINT_ZH
from .updates import LI, OLGA, message

POLLING = {"telegram_webhook_secret": None, "telegram_polling_timeout": 1}


async def _stored_ids(live: LiveGateway) -> list[str]:
    rows = await live.database.read(
        lambda conn: conn.execute(sa.select(messages.c.external_id)).all()
    )
    return sorted(r.external_id for r in rows)


def _offsets(api: BotApiStandIn) -> list[Any]:
    return [params.get("offset") for method, params in api.calls if method == "getUpdates"]


async def test_polled_updates_are_stored_answered_and_then_confirmed(
    data_dir: Path, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, base = bot_api
    api.queue_update(message(9301, LI, COMPLAINT_ZH))
    api.queue_update(message(9302, OLGA, COMPLAINT_RU))
    async with telegram_gateway(data_dir, base, **POLLING) as live:
        await eventually(lambda: _async(len(api.sent()) == 2))
        assert await _stored_ids(live) == ["9301", "9302"]
        await eventually(lambda: _async("9303" in _offsets(api)))
    assert api.methods()[0] == "deleteWebhook"  # getUpdates is refused while a webhook is set
    assert _offsets(api)[0] is None


async def test_an_update_redelivered_after_a_restart_is_not_stored_or_answered_twice(
    data_dir: Path, bot_api: tuple[BotApiStandIn, str]
) -> None:
    # The gateway stored the update and was killed before its next getUpdates confirmed it:
    # Telegram delivers it again to the restarted gateway.
    api, base = bot_api
    update = message(9311, OLGA, COMPLAINT_RU)
    api.queue_update(update)
    async with telegram_gateway(data_dir, base, **POLLING) as live:
        await eventually(lambda: _async(len(api.sent()) == 1))
        assert await _stored_ids(live) == ["9311"]
    api.queue_update(update)
    values: dict[str, Any] = {**POLLING, **FAST_OUTBOX}
    settings = load_settings(
        data_dir=data_dir, telegram_token=TOKEN, telegram_api_base=base, **values
    )
    server = TestServer(build_app(settings), host="127.0.0.1")  # the same data, restarted
    await server.start_server()
    try:
        await eventually(lambda: _async("9312" in _offsets(api)[-1:]))
        database = server.app[DATABASE]
        rows = await database.read(lambda conn: conn.execute(sa.select(messages)).all())
        assert [r.external_id for r in rows] == ["9311"]
        await asyncio.sleep(0.3)
    finally:
        await server.close()
    assert len(api.sent()) == 1


async def test_an_update_that_could_not_be_stored_is_fetched_again_not_confirmed(
    bot_api: tuple[BotApiStandIn, str], tmp_path: Path
) -> None:
    api, base = bot_api
    bot = build_bot(load_settings(telegram_token=TOKEN, telegram_api_base=base))
    intake = FailingIntake(failures=1)
    inbound = TelegramInbound(
        bot, intake, AttachmentFetcher(bot, tmp_path), lambda: datetime.now(UTC)
    )
    poller = TelegramPoller(bot, inbound, timeout=1, metrics=Metrics())
    api.queue_update(message(9321, LI, COMPLAINT_ZH))
    api.queue_update(message(9322, OLGA, COMPLAINT_RU))
    task = asyncio.create_task(poller.run())
    try:
        await eventually(lambda: _async(intake.stored == ["9321", "9322"]))
        await eventually(lambda: _async(_offsets(api)[-1:] == ["9323"]))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bot.session.close()
    # The failed write left the offset where it was: the same updates came again.
    assert _offsets(api)[:2] == [None, None]


async def _async(value: Any) -> Any:
    return value

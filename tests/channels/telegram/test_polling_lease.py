"""Two gateway processes on one database, one Telegram long poll: a lease with fencing makes
one of them the reader at a time; every update is stored once; the other takes over when
the reader stops."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import sqlalchemy as sa

from gateway.db.schema import messages
from tests.conftest import LiveGateway, eventually

from .conftest import telegram_gateway
from .standin import BotApiStandIn
from .updates import OLGA, message, user

POLLING = {"telegram_webhook_secret": None, "telegram_polling_timeout": 1}


async def _stored(live: LiveGateway) -> list[str]:
    rows = await live.database.read(
        lambda conn: conn.execute(sa.select(messages.c.external_id)).all()
    )
    return sorted(r.external_id for r in rows)


async def test_two_processes_read_one_long_poll_one_at_a_time_and_store_each_update_once(
    data_dir: Path, database_url: str, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, base = bot_api
    settings = {**POLLING, "database_url": database_url}
    first = [message(9500 + n, user(OLGA, 7100 + n), f"Посылка {n} не пришла") for n in range(20)]
    then = [message(9600 + n, user(OLGA, 7200 + n), f"Заказ {n} не пришёл") for n in range(10)]
    for update in first:
        api.queue_update(update)
    async with contextlib.AsyncExitStack() as first_process:
        await first_process.enter_async_context(telegram_gateway(data_dir, base, **settings))
        async with telegram_gateway(data_dir, base, **settings) as second:

            async def stored(count: int) -> bool:
                return len(await _stored(second)) == count

            await eventually(lambda: stored(20), timeout=30)
            await asyncio.sleep(2.5)  # both keep running: still one poll at a time
            assert api.most_polls_at_once == 1
            await first_process.aclose()  # whichever read the poll, one process is left
            for update in then:
                api.queue_update(update)
            await eventually(lambda: stored(30), timeout=30)
            ids = await _stored(second)
    assert ids == sorted(str(u["update_id"]) for u in first + then)
    assert api.most_polls_at_once == 1

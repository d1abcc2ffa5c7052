"""`POST /telegram/webhook`: store first, answer 200, reply by sendMessage in the customer's
language; refuse forged updates; never a second ticket for a redelivered update."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer

from channels.telegram.bot import build_bot
from channels.telegram.files import AttachmentFetcher
from channels.telegram.inbound import TelegramInbound
from channels.telegram.webhook import TelegramWebhook
from gateway.db.schema import messages
from gateway.metrics import Metrics
from gateway.settings import load_settings
from gateway.web.keys import METRICS
from gateway.web.middlewares import error_middleware
from tests.conftest import LiveGateway, eventually

from .conftest import SECRET, FailingIntake, post_update, stored, telegram_gateway
from .standin import TOKEN, BotApiStandIn
from .updates import LI, OLGA, message, user

COMPLAINT_ZH = "我的订单20261103558712已经两周了还没送到，快递员电话也不接"
COMPLAINT_RU = "Мой заказ 20261103558712 не доставили уже две недели, курьер не отвечает"


async def _tickets(live: LiveGateway) -> list[dict[str, Any]]:
    async with live.http.get(
        f"{live.url}/api/v1/tickets", params={"channel": "telegram"}, headers=live.auth("admin")
    ) as resp:
        assert resp.status == 200, await resp.text()
        return list((await resp.json())["tickets"])


async def test_a_complaint_opens_a_ticket_and_is_acknowledged_in_the_same_chat_in_chinese(
    data_dir: Path, database_url: str, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, base = bot_api
    async with telegram_gateway(data_dir, base, database_url=database_url) as live:
        status, body = await post_update(live, message(9001, LI, COMPLAINT_ZH))
        assert (status, body) == (200, "")  # nothing in the body: replies go by sendMessage
        (ack,) = await eventually(lambda: _async(api.sent(LI["id"])))
        (ticket,) = await _tickets(live)
        assert ticket["number"] in ack["text"]
        assert "您好" in ack["text"] and "投诉单号" in ack["text"]  # Simplified script
        detail = await live.ticket(ticket["number"])
        assert detail["channel"] == "telegram" and detail["language"] == "zh-Hans"
        assert detail["messages"][0]["text"] == COMPLAINT_ZH


async def test_a_russian_customer_is_answered_in_russian(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    assert (await post_update(webhook_gateway, message(9002, OLGA, COMPLAINT_RU)))[0] == 200
    (ack,) = await eventually(lambda: _async(api.sent(OLGA["id"])))
    assert "Мы получили вашу жалобу" in ack["text"] and "Ольга" in ack["text"]


async def test_a_forged_secret_is_refused_with_403_and_nothing_is_stored(
    webhook_gateway: LiveGateway,
) -> None:
    status, body = await post_update(webhook_gateway, message(9003, LI, COMPLAINT_ZH), "guess")
    assert status == 403 and '"forbidden"' in body
    assert await stored(webhook_gateway) == []


async def test_a_missing_secret_is_refused_with_401_and_nothing_is_stored(
    webhook_gateway: LiveGateway,
) -> None:
    status, body = await post_update(webhook_gateway, message(9004, LI, COMPLAINT_ZH), None)
    assert status == 401 and '"unauthorized"' in body
    assert await stored(webhook_gateway) == []


async def test_a_redelivered_update_is_one_message_one_ticket_one_acknowledgement(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    update = message(9005, OLGA, COMPLAINT_RU)
    assert (await post_update(webhook_gateway, update))[0] == 200
    await eventually(lambda: _async(api.sent(OLGA["id"])))
    assert (await post_update(webhook_gateway, update))[0] == 200
    await asyncio.sleep(0.5)  # time enough for a second acknowledgement, were there one
    assert len(await stored(webhook_gateway)) == 1
    assert len(await _tickets(webhook_gateway)) == 1
    assert len(api.sent(OLGA["id"])) == 1


async def test_bad_json_and_non_updates_get_400_json_errors(
    webhook_gateway: LiveGateway,
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "wh-secret_0123456789abcdef"}
    url = f"{webhook_gateway.url}/telegram/webhook"
    # (An update with an id that does not parse is kept as unreadable and answered 200:
    # see test_bad_updates.py.)
    bodies = [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"ok": true}']
    for body in bodies:
        async with webhook_gateway.http.post(url, data=body, headers=headers) as resp:
            assert resp.status == 400, body
            code = (await resp.json())["error"]["code"]
            assert code in {"invalid_json", "invalid_utf8", "invalid_update"}
    assert await stored(webhook_gateway) == []


async def test_an_update_kind_the_channel_does_not_read_is_acknowledged_and_not_stored(
    webhook_gateway: LiveGateway,
) -> None:
    update = {
        "update_id": 9006,
        "my_chat_member": {
            "chat": {"id": LI["id"], "type": "private", "first_name": "小明"},
            "from": {"is_bot": False, **LI},
            "date": 1763866800,
            "old_chat_member": {"status": "member", "user": {"id": 424242, "is_bot": True,
                                                             "first_name": "ComplaintDesk"}},
            "new_chat_member": {"status": "kicked", "until_date": 0,
                                "user": {"id": 424242, "is_bot": True,
                                         "first_name": "ComplaintDesk"}},
        },
    }  # fmt: skip
    assert await post_update(webhook_gateway, update) == (200, "")
    assert await stored(webhook_gateway) == []


async def test_a_flood_of_1000_updates_stores_each_once_and_acknowledges_each_chat_once(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    # 1,000 complaints from 1,000 chats, a fifth of them delivered twice (as Telegram
    # redelivers to a slow webhook), shuffled and posted 50 at a time.
    api, _ = bot_api
    chats = [7_000_000 + n for n in range(1000)]
    updates = [
        message(
            20_000 + n, user(OLGA if n % 2 else LI, chat), COMPLAINT_RU if n % 2 else COMPLAINT_ZH
        )
        for n, chat in enumerate(chats)
    ]
    deliveries = updates + updates[::5]
    random.Random(7).shuffle(deliveries)
    gate = asyncio.Semaphore(50)

    async def deliver(update: dict[str, Any]) -> int:
        async with gate:
            return (await post_update(webhook_gateway, update))[0]

    statuses = await asyncio.gather(*(deliver(u) for u in deliveries))
    assert statuses == [200] * 1200
    rows = await webhook_gateway.database.read(
        lambda conn: conn.execute(
            sa.select(messages.c.external_id).where(messages.c.channel == "telegram")
        ).all()
    )
    assert sorted(int(r.external_id) for r in rows) == [u["update_id"] for u in updates]

    await eventually(lambda: _async(len(api.sent()) >= 1000), timeout=120)
    await asyncio.sleep(0.3)  # time enough for a second acknowledgement, were there one
    assert sorted(int(params["chat_id"]) for params in api.sent()) == chats


async def _async(value: Any) -> Any:
    return value


async def test_with_a_public_url_the_gateway_registers_its_webhook_with_the_secret(
    data_dir: Path, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, base = bot_api
    url = "https://support.example.com/telegram/webhook"
    async with telegram_gateway(data_dir, base, telegram_webhook_url=url):
        await eventually(lambda: _async("setWebhook" in api.methods()))
    (params,) = [p for m, p in api.calls if m == "setWebhook"]
    assert params["url"] == url and params["secret_token"] == SECRET
    assert json.loads(params["allowed_updates"]) == ["message", "edited_message", "callback_query"]
    assert "getUpdates" not in api.methods()


async def test_an_update_that_could_not_be_stored_is_answered_5xx_so_telegram_sends_it_again(
    bot_api: tuple[BotApiStandIn, str], tmp_path: Path
) -> None:
    bot = build_bot(load_settings(telegram_token=TOKEN, telegram_api_base=bot_api[1]))
    intake = FailingIntake(failures=1)
    inbound = TelegramInbound(
        bot, intake, AttachmentFetcher(bot, tmp_path), lambda: datetime.now(UTC)
    )
    app = web.Application(middlewares=[error_middleware])
    app[METRICS] = Metrics()
    app.add_routes(TelegramWebhook(inbound, SECRET).routes())
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = message(9010, LI, COMPLAINT_ZH)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("/telegram/webhook"))
        async with http.post(url, json=update, headers=headers) as resp:
            assert resp.status == 500
            assert (await resp.json())["error"]["code"] == "internal_error"
        async with http.post(url, json=update, headers=headers) as resp:  # the redelivery
            assert resp.status == 200
    await bot.session.close()
    assert intake.stored == ["9010"]

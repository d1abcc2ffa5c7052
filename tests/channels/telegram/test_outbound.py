"""Replies through sendMessage: retries as Telegram asks, a blocked bot fails for good and
says so on the ticket, long texts go in parts, choices go as an inline keyboard."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from aiogram import Bot

from channels.telegram.bot import build_bot
from channels.telegram.outbound import TelegramOutput, split_text
from gateway.db.schema import outbox
from gateway.messages import Choice, OutboundMessage
from gateway.settings import load_settings
from tests.conftest import LiveGateway, eventually

from .conftest import post_update
from .standin import TOKEN, BotApiStandIn
from .test_webhook import COMPLAINT_RU, COMPLAINT_ZH
from .updates import LI, OLGA, callback, message


@pytest_asyncio.fixture
async def output(bot_api: tuple[BotApiStandIn, str]) -> AsyncIterator[TelegramOutput]:
    bot: Bot = build_bot(load_settings(telegram_token=TOKEN, telegram_api_base=bot_api[1]))
    yield TelegramOutput(bot)
    await bot.session.close()


def reply(text: str, **fields: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "id": 77,
        "channel": "telegram",
        "conversation_key": f"tg:{OLGA['id']}",
        "recipient": str(OLGA["id"]),
        "text": text,
        "kind": "bot_reply",
        **fields,
    }
    return OutboundMessage(**values)


async def test_a_rate_limit_then_a_server_error_still_delivers_the_reply_exactly_once(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    api.fail_next("sendMessage", 429, {"retry_after": 1})
    api.fail_next("sendMessage", 500)
    await post_update(webhook_gateway, message(9101, LI, COMPLAINT_ZH))

    async def sent_row() -> Any:
        row = await webhook_gateway.database.read(
            lambda conn: conn.execute(sa.select(outbox)).first()
        )
        return row if row is not None and row.status == "sent" else None

    row = await eventually(sent_row)
    assert row.attempts == 3
    assert len(api.sent(LI["id"])) == 1
    attempts = [
        t for (m, _), t in zip(api.calls, api.call_times, strict=True) if m == "sendMessage"
    ]
    assert attempts[1] - attempts[0] >= 0.95  # Telegram's retry_after was honoured


async def test_a_customer_who_blocked_the_bot_is_not_retried_and_the_ticket_records_it(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    api.blocked.add(OLGA["id"])
    await post_update(webhook_gateway, message(9102, OLGA, COMPLAINT_RU))

    async def failure_event() -> Any:
        async with webhook_gateway.http.get(
            f"{webhook_gateway.url}/api/v1/tickets",
            params={"channel": "telegram"},
            headers=webhook_gateway.auth("admin"),
        ) as resp:
            tickets = (await resp.json())["tickets"]
        if not tickets:
            return None
        ticket = await webhook_gateway.ticket(tickets[0]["number"])
        return next((e for e in ticket["events"] if e["type"] == "delivery_failed"), None)

    event = await eventually(failure_event)
    assert event["data"]["error"] == "blocked by user"
    assert event["actor"] == "channel:telegram"
    assert api.methods().count("sendMessage") == 1


async def test_a_long_reply_goes_in_parts_in_order_and_a_retry_sends_only_what_is_missing(
    output: TelegramOutput, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    paragraphs = [f"Пункт {n}. " + "очень подробный ответ " * 150 for n in range(3)]
    text = "\n\n".join(paragraphs)  # about 10,000 characters
    api.pass_next("sendMessage")
    api.fail_next("sendMessage", 502)

    first = await output.send(reply(text))
    assert first.retry and not first.delivered
    second = await output.send(reply(text))
    assert second.delivered

    texts = [params["text"] for params in api.sent(OLGA["id"])]
    assert [t.strip() for t in texts] == [
        p.strip() for p in paragraphs
    ]  # each part once, cut between paragraphs
    assert all(len(t) <= 4096 for t in texts)


def test_splitting_prefers_paragraphs_then_lines_then_spaces_and_counts_utf16_units() -> None:
    assert split_text("short") == ["short"]
    assert split_text("aa\nbb\n\ncc dd", limit=9) == ["aa\nbb", "cc dd"]
    assert split_text("aaaa bbbb\ncccc dddd", limit=12) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("aaaa bbbb cccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_text("x" * 10, limit=4) == ["xxxx", "xxxx", "xx"]  # no space: cut anywhere
    emoji = "😀" * 5  # two UTF-16 units each, as Telegram counts them
    assert split_text(emoji, limit=4) == ["😀😀", "😀😀", "😀"]


async def test_a_reply_with_choices_carries_one_inline_button_per_choice(
    output: TelegramOutput, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    choices = tuple(Choice(label=f"{n} ★", value=str(n)) for n in range(1, 6))
    delivery = await output.send(
        reply("Оцените, пожалуйста, решение", choices=choices, kind="survey")
    )
    assert delivery.delivered
    (sent,) = api.sent(OLGA["id"])
    buttons = json.loads(sent["reply_markup"])["inline_keyboard"][0]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        (f"{n} ★", f"survey:{n}") for n in range(1, 6)
    ]


async def test_a_pressed_button_is_stored_as_the_customers_answer_and_the_query_answered(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    assert (await post_update(webhook_gateway, callback(9103, OLGA, "survey:5")))[0] == 200
    row = await webhook_gateway.database.read(
        lambda conn: conn.execute(sa.text("SELECT * FROM messages")).one()
    )
    assert (row.channel, row.external_id, row.text) == ("telegram", "9103", "5")
    assert row.conversation_key == f"tg:{OLGA['id']}"
    metadata = row.metadata if isinstance(row.metadata, dict) else json.loads(row.metadata)
    assert metadata["callback_data"] == "survey:5"
    (answered,) = [p for m, p in api.calls if m == "answerCallbackQuery"]
    assert answered["callback_query_id"] == "439103817205"

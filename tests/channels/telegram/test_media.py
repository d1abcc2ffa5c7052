"""Photos, documents, edits and /start: what arrives besides plain text is kept, never lost."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.db.schema import messages
from tests.conftest import LiveGateway, eventually

from .conftest import post_update
from .standin import TOKEN, BotApiStandIn
from .test_webhook import COMPLAINT_RU
from .updates import LI, OLGA, document, edited, message, photo

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40 + b"\xff\xd9"


async def _rows(live: LiveGateway) -> list[Any]:
    return list(
        await live.database.read(
            lambda conn: conn.execute(sa.select(messages).order_by(messages.c.id)).all()
        )
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def test_a_photo_with_a_caption_is_stored_with_its_hash_and_size_and_opens_a_ticket(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str], data_dir: Path
) -> None:
    api, _ = bot_api
    api.add_file("AgACAgIAAxkBAAIBZ2dphoto", JPEG)
    caption = "收到的杯子是碎的，订单20261103558712，请看照片"
    update = photo(9201, LI, "AgACAgIAAxkBAAIBZ2dphoto", caption)
    assert (await post_update(webhook_gateway, update))[0] == 200

    (row,) = await _rows(webhook_gateway)
    (attachment,) = _json(row.attachments)
    digest = hashlib.sha256(JPEG).hexdigest()
    assert attachment == {
        "filename": "photo-AQADm.jpg",
        "content_type": "image/jpeg",
        "size": len(JPEG),
        "sha256": digest,
        "note": None,
        "content_id": None,  # only mail parts have one
        "inline": False,
    }
    assert (data_dir / "attachments" / digest).read_bytes() == JPEG
    assert row.text == caption
    assert _json(row.metadata)["file_ids"] == ["AgACAgIAAxkBAAIBZ2dphoto"]
    (ack,) = await eventually(lambda: _async(api.sent(LI["id"])))
    assert "投诉单号" in ack["text"]


async def test_a_file_that_cannot_be_fetched_is_a_note_and_the_message_is_still_stored(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    update = document(9202, OLGA, "BQACAgIAAxkBAAIC-gone", "чек.pdf", 48_213)
    assert (await post_update(webhook_gateway, update))[0] == 200
    (row,) = await _rows(webhook_gateway)
    (attachment,) = _json(row.attachments)
    assert attachment["filename"] == "чек.pdf" and attachment["sha256"] is None
    assert attachment["content_type"] == "application/pdf" and attachment["size"] == 48_213
    assert "BQACAgIAAxkBAAIC-gone not fetched" in attachment["note"]
    assert any("not fetched" in note for note in _json(row.notes))


async def test_an_edited_message_is_stored_as_its_own_message_on_the_same_ticket(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    original = message(9203, OLGA, COMPLAINT_RU)
    await post_update(webhook_gateway, original)
    (ack,) = await eventually(lambda: _async(api.sent(OLGA["id"])))
    fix = edited(9204, original, COMPLAINT_RU + " Номер заказа 20261103558799")
    assert (await post_update(webhook_gateway, fix))[0] == 200
    await eventually(lambda: _async(len(api.sent(OLGA["id"])) == 2))

    first, second = await _rows(webhook_gateway)
    assert second.external_id == "9204"
    assert f"edited message {original['message']['message_id']}" in _json(second.notes)
    assert second.ticket_id == first.ticket_id is not None
    number = re.search(r"TS-\d{6}-\d{6}", ack["text"]).group()  # type: ignore[union-attr]
    ticket = await webhook_gateway.ticket(number)
    incoming = [m["text"] for m in ticket["messages"] if m["direction"] == "in"]
    assert incoming == [COMPLAINT_RU, fix["edited_message"]["text"]]


async def test_start_with_a_deep_link_keeps_the_payload_and_a_bare_start_gets_the_greeting(
    webhook_gateway: LiveGateway, bot_api: tuple[BotApiStandIn, str]
) -> None:
    api, _ = bot_api
    await post_update(webhook_gateway, message(9205, OLGA, "/start order-20261103558712"))
    await post_update(webhook_gateway, message(9206, LI, "/start"))
    with_payload, bare = await _rows(webhook_gateway)
    assert with_payload.text == "/start"
    assert _json(with_payload.metadata)["start_payload"] == "order-20261103558712"
    assert "start_payload" not in _json(bare.metadata)
    (greeting,) = await eventually(lambda: _async(api.sent(LI["id"])))
    assert "客服助手" in greeting["text"]  # in the language Telegram says the customer uses
    assert bare.language_hint == "zh-Hans"


async def _async(value: Any) -> Any:
    return value


async def test_a_failed_download_is_noted_without_the_bot_token_in_the_note_or_the_logs(
    webhook_gateway: LiveGateway,
    bot_api: tuple[BotApiStandIn, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # aiohttp's error names the URL, and a Bot API file URL holds the token.
    api, _ = bot_api
    api.add_file("BQACAgIAAxkBAAIC-expired", b"%PDF-1.7")
    api.expired.add("BQACAgIAAxkBAAIC-expired")
    update = document(9207, OLGA, "BQACAgIAAxkBAAIC-expired", "договор.pdf", 8)
    with caplog.at_level(logging.DEBUG):
        assert (await post_update(webhook_gateway, update))[0] == 200
    (row,) = await _rows(webhook_gateway)
    (attachment,) = _json(row.attachments)
    assert "404" in attachment["note"] and "<token>" in attachment["note"]
    # The stand-in's own access log shows the token, as Telegram's would: skip the peer's.
    ours = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith(("gateway", "channels", "aiogram"))
    ]
    assert any("not fetched" in line for line in ours)
    assert TOKEN not in attachment["note"]
    assert not [line for line in ours if TOKEN.split(":")[1] in line]


async def test_a_sticker_is_stored_with_a_note_rather_than_dropped(
    webhook_gateway: LiveGateway,
) -> None:
    update = message(9208, OLGA, "")
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "CAACAgIAAxkBAAIDsticker", "file_unique_id": "AgADst", "type": "regular",
        "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "😡",
    }  # fmt: skip
    assert (await post_update(webhook_gateway, update))[0] == 200
    (row,) = await _rows(webhook_gateway)
    assert row.text == "" and row.external_id == "9208"
    assert "telegram sticker message: no text or file to read" in _json(row.notes)

"""Telegram updates through the bounding layer: bodies that are not updates get a 4xx; an
update that will never store is kept as unreadable and answered 200, so Telegram stops."""

from __future__ import annotations

import aiohttp

from tests.conftest import LiveGateway

from .conftest import SECRET, post_update, stored
from .updates import OLGA, edited, message


async def _post_raw(live: LiveGateway, body: bytes) -> tuple[int, str]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with live.http.post(f"{live.url}/telegram/webhook", data=body, headers=headers) as resp:
        return resp.status, await resp.text()


async def test_deep_json_and_huge_numbers_are_400(webhook_gateway: LiveGateway) -> None:
    for body, code in [
        (b"[" * 5000 + b"]" * 5000, "json_too_deep"),
        (b'{"update_id": ' + b"7" * 5000 + b"}", "number_too_large"),
        (b'{"update_id": -5}', "invalid_update"),
    ]:
        status, text = await _post_raw(webhook_gateway, body)
        assert status == 400 and code in text


async def test_an_absurd_edit_date_is_stored_with_a_note_and_answered_200(
    webhook_gateway: LiveGateway,
) -> None:
    original = message(7101, OLGA, "Курьер не приехал")
    update = edited(7102, original, "Курьер так и не приехал")
    update["edited_message"]["edit_date"] = 10**15
    assert (await post_update(webhook_gateway, update))[0] == 200
    (row,) = [m for m in await stored(webhook_gateway) if m["external_id"] == "7102"]
    assert any("edit date" in note or "out of range" in note for note in row["notes"])


async def test_an_update_that_does_not_parse_is_kept_as_unreadable_and_answered_200(
    webhook_gateway: LiveGateway,
) -> None:
    broken = {"update_id": 7201, "message": {"message_id": "not a number", "chat": 5}}
    assert (await post_update(webhook_gateway, broken))[0] == 200
    (row,) = [m for m in await stored(webhook_gateway) if m["external_id"] == "7201"]
    assert any(note.startswith("unreadable telegram update") for note in row["notes"])
    # Redelivered, it is the same stored message: still 200, nothing new.
    assert (await post_update(webhook_gateway, broken))[0] == 200
    assert len([m for m in await stored(webhook_gateway) if m["external_id"] == "7201"]) == 1
    async with aiohttp.ClientSession() as http, http.get(f"{webhook_gateway.url}/healthz") as r:
        assert r.status == 200

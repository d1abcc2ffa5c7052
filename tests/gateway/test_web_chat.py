"""The web chat websocket: acknowledgement frames, and sessions that survive a reconnect."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp

from channels.web_chat.guard import sign_identity
from gateway.settings import load_settings
from tests.conftest import LiveGateway, eventually, running_gateway


async def _next(
    ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 10
) -> dict[str, Any]:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), timeout)
        if frame["type"] == kind:
            return frame


async def test_a_chat_complaint_gets_the_acknowledgement_as_a_frame(gateway: LiveGateway) -> None:
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        await ws.send_json(
            {"type": "message", "text": "Мой заказ не доставили уже две недели", "id": "m1"}
        )
        session = await _next(ws, "session")
        received = await _next(ws, "received")
        reply = await _next(ws, "reply")
    assert session["resumed"] is False and len(session["session"]) >= 20
    assert received["client_id"] == "m1" and isinstance(received["id"], int)
    number = reply["ticket"]["number"]
    assert number in reply["text"]
    assert "Мы получили" in reply["text"]
    ticket = await gateway.ticket(number)
    assert ticket["channel"] == "web_chat"
    assert ticket["live_chat"] is True  # the channel registry's record says so


async def test_a_session_resumes_and_gets_what_was_kept_while_away(gateway: LiveGateway) -> None:
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        await ws.send_json({"type": "hello", "name": "Anna"})
        token = (await _next(ws, "session"))["session"]
        await ws.send_json({"type": "message", "text": "快递员态度很差，包裹被扔在门口摔坏了"})
        first = await _next(ws, "reply")
    # Away: a follow-up is stored through another connection that closes at once, so the
    # reply to it has nobody to go to and must be kept.
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat?session={token}") as ws:
        assert (await _next(ws, "session"))["resumed"] is True
        await ws.send_json(
            {"type": "message", "text": "订单号是 20261103558712", "id": "follow-up"}
        )
        await _next(ws, "received")
    await asyncio.sleep(0.5)
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        await ws.send_json({"type": "hello", "session": token})
        assert (await _next(ws, "session"))["resumed"] is True
        kept = await _next(ws, "reply")
    assert kept["ticket"]["number"] == first["ticket"]["number"]
    assert kept["id"] != first["id"]
    ticket = await gateway.ticket(first["ticket"]["number"])
    assert [m["direction"] for m in ticket["messages"]] == ["in", "out", "in", "out"]


async def test_the_same_client_message_id_twice_is_stored_once(gateway: LiveGateway) -> None:
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        await ws.send_json({"type": "message", "text": "The app charged me twice", "id": "same"})
        first = await _next(ws, "received")
        await ws.send_json({"type": "message", "text": "The app charged me twice", "id": "same"})
        second = await _next(ws, "received")
    assert first["id"] == second["id"]
    assert second["duplicate"] is True


async def test_bad_frames_get_error_frames_and_the_socket_stays_open(
    sqlite_gateway: LiveGateway,
) -> None:
    async with sqlite_gateway.http.ws_connect(f"{sqlite_gateway.url}/ws/chat") as ws:
        await ws.send_str("{not json")
        assert (await _next(ws, "error"))["error"]["code"] == "invalid_json"
        await ws.send_json({"type": "message", "text": 12})
        assert (await _next(ws, "error"))["error"]["code"] == "invalid_message"
        await ws.send_json({"type": "dance"})
        assert (await _next(ws, "error"))["error"]["code"] == "unknown_type"
        await ws.send_bytes(b"\x00\xff")
        assert (await _next(ws, "error"))["error"]["code"] == "unsupported_frame"
        await ws.send_json({"type": "ping"})
        assert (await _next(ws, "pong"))["type"] == "pong"


async def test_a_frame_that_fits_no_model_gets_its_code_and_the_field_at_fault(
    sqlite_gateway: LiveGateway,
) -> None:
    async with sqlite_gateway.http.ws_connect(f"{sqlite_gateway.url}/ws/chat") as ws:
        for frame, code, field in [
            ({"text": "no type"}, "unknown_type", None),
            ({"type": "hello", "after": "yesterday"}, "invalid_frame", "after"),
            ({"type": "hello", "name": ["a", "list"]}, "invalid_frame", "name"),
            ({"type": "message", "attachments": "x.jpg"}, "invalid_attachment", "attachments"),
            ({"type": "message", "text": "hi", "id": {"an": "object"}}, "invalid_frame", "id"),
        ]:
            await ws.send_json(frame)
            error = (await _next(ws, "error"))["error"]
            assert error["code"] == code, frame
            if field is not None:
                assert error["message"].startswith(f"{field}:"), error
                assert error["details"][0]["field"] == field
        await ws.send_json({"type": "message", "text": "The lamp flickers", "id": "ok", "x": 1})
        assert (await _next(ws, "received"))["duplicate"] is False  # unknown fields ignored


async def test_every_message_of_a_conversation_with_an_open_ticket_joins_its_thread(
    gateway: LiveGateway,
) -> None:
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        # A mild complaint: a high or critical one in a chat would go to the staffed agent,
        # and the bot would then stay silent on "thank you!".
        mild = "The sofa I ordered has a scratch on one leg, not a big deal but please note it"
        await ws.send_json({"type": "message", "text": mild})
        first = await _next(ws, "reply")
        await ws.send_json({"type": "message", "text": "thank you!"})
        second = await _next(ws, "reply")
    number = first["ticket"]["number"]
    assert second["ticket"]["number"] == number
    ticket = await gateway.ticket(number)
    assert [m["direction"] for m in ticket["messages"]] == ["in", "out", "in", "out"]
    assert ticket["messages"][2]["text"] == "thank you!"


SECRET = "shared-with-the-company-site"


async def _verified_ticket(live: LiveGateway, identity: dict[str, Any], text: str) -> Any:
    async with live.http.ws_connect(f"{live.url}/ws/chat") as ws:
        await ws.send_json({"type": "hello", "identity": identity})
        await _next(ws, "session")
        await ws.send_json({"type": "message", "text": text})
        reply = await _next(ws, "reply")
    return await live.ticket(reply["ticket"]["number"])


async def test_a_signed_customer_id_is_one_customer_across_sessions_until_it_expires(
    data_dir: Path,
) -> None:
    settings = load_settings(data_dir=data_dir, web_chat_identity_secret=SECRET)
    expires = int(time.time()) + 600
    identity = {"id": "cust-42", "expires": expires}
    identity["signature"] = sign_identity(SECRET, "cust-42", expires)
    async with running_gateway(settings) as live:
        first = await _verified_ticket(live, identity, "The sofa arrived with a torn cushion")
        second = await _verified_ticket(live, identity, "My refund for order 5512 never came")
        assert first["number"] != second["number"]
        assert first["customer"]["id"] == second["customer"]["id"]

        refused = [
            {**identity, "expires": expires + 60},  # the expiry is part of what is signed
            {**identity, "id": "cust-43"},
            {  # a signature captured earlier, replayed after its expiry
                "id": "cust-42",
                "expires": int(time.time()) - 1,
                "signature": sign_identity(SECRET, "cust-42", int(time.time()) - 1),
            },
            {  # one that would never end
                "id": "cust-42",
                "expires": int(time.time()) + 400 * 86400,
                "signature": sign_identity(SECRET, "cust-42", int(time.time()) + 400 * 86400),
            },
        ]
        for bad in refused:
            async with live.http.ws_connect(f"{live.url}/ws/chat") as ws:
                await ws.send_json({"type": "hello", "identity": bad})
                error = await _next(ws, "error")
                assert error["error"]["code"] == "identity_refused", bad


async def test_a_resuming_widget_gets_again_every_reply_after_the_last_it_shows(
    sqlite_gateway: LiveGateway,
) -> None:
    """A frame written to a dying socket counts as sent: `after` brings it back."""
    url = f"{sqlite_gateway.url}/ws/chat"
    async with sqlite_gateway.http.ws_connect(url) as ws:
        await ws.send_json({"type": "message", "text": "The sofa arrived with a torn cushion"})
        token = (await _next(ws, "session"))["session"]
        first = await _next(ws, "reply")
    async with sqlite_gateway.http.ws_connect(url) as ws:
        await ws.send_json({"type": "hello", "session": token, "after": first["id"] - 1})
        again = await _next(ws, "reply")
        await ws.send_json({"type": "ping"})
        assert (await _next(ws, "pong"))["type"] == "pong"
    assert again == first
    async with sqlite_gateway.http.ws_connect(url) as ws:
        await ws.send_json({"type": "hello", "session": token, "after": first["id"]})
        await ws.send_json({"type": "ping"})
        frames = [await asyncio.wait_for(ws.receive_json(), 10) for _ in range(2)]
    assert [f["type"] for f in frames] == ["session", "pong"]


async def test_a_widget_resumed_by_its_cookie_gets_every_reply_after_the_last_it_shows(
    sqlite_gateway: LiveGateway,
) -> None:
    """A browser resumes by the session cookie at the handshake, before any frame: the
    widget names its last reply in the query, and what the dying socket swallowed comes
    back, oldest first."""
    url = f"{sqlite_gateway.url}/ws/chat"
    async with sqlite_gateway.http.ws_connect(url) as ws:
        await ws.send_json({"type": "message", "text": "The sofa arrived with a torn cushion"})
        token = (await _next(ws, "session"))["session"]
        first = await _next(ws, "reply")
    cookie = {"Cookie": f"cgw_chat_session={token}"}
    async with sqlite_gateway.http.ws_connect(
        f"{url}?after={first['id'] - 1}", headers=cookie
    ) as ws:
        session = await _next(ws, "session")
        # The widget's hello follows and names the same reply; it is not sent twice.
        await ws.send_json({"type": "hello", "session": token, "after": first["id"] - 1})
        again = await _next(ws, "reply")
        await ws.send_json({"type": "ping"})
        rest = [await asyncio.wait_for(ws.receive_json(), 10)]
    assert session["resumed"] is True and session["session"] == token
    assert again == first and [f["type"] for f in rest] == ["pong"]


async def test_a_reply_the_widget_says_it_shows_is_delivered_for_its_own_chat_only(
    gateway: LiveGateway,
) -> None:
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        await ws.send_json({"type": "message", "text": "Списали деньги дважды за один заказ"})
        token = (await _next(ws, "session"))["session"]
        reply = await _next(ws, "reply")
    number = reply["ticket"]["number"]

    async def delivery() -> str:
        ticket = await gateway.ticket(number)
        return str([m for m in ticket["messages"] if m["direction"] == "out"][-1]["delivery"])

    async def recorded_as_sent() -> bool:
        return await delivery() == "sent"

    assert await eventually(recorded_as_sent)
    # Another chat cannot vouch for this one's reply.
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as other:
        await other.send_json({"type": "shown", "id": reply["id"]})
        await other.send_json({"type": "ping"})
        await _next(other, "pong")  # frames are read in order: the receipt was handled
    assert await delivery() == "sent"
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat?session={token}") as ws:
        await ws.send_json({"type": "shown", "id": reply["id"]})
        await ws.send_json({"type": "ping"})
        await _next(ws, "pong")
    assert await delivery() == "delivered"
    # Still replayed to a page that lost it.
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat?session={token}&after=0") as ws:
        assert (await _next(ws, "reply"))["id"] == reply["id"]

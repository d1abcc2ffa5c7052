"""One bounding layer for every input: deep JSON, huge numbers, compressed bodies, NUL and
lone surrogates, absurd dates. Each refusal is a 4xx in the contract's shape, nothing is a
5xx, and the gateway keeps serving."""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

import aiohttp
import pytest

from gateway import bounds
from tests.conftest import LiveGateway

DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 3000 + b"1" + b"}" * 3000
BIG_INT = b'{"text": ' + b"9" * 5000 + b"}"


def _intake(external_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"external_id": external_id, "sender": {"id": "c-bounds"}, "text": text, **extra}


async def _post(
    live: LiveGateway, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    async with live.http.post(f"{live.url}{path}", data=body, headers=sent) as resp:
        return resp.status, await resp.json()


async def _audit(live: LiveGateway, **query: str) -> list[dict[str, Any]]:
    async with live.http.get(
        f"{live.url}/api/v1/messages", params={"limit": "500", **query}, headers=live.auth()
    ) as resp:
        assert resp.status == 200, await resp.text()
        return list((await resp.json())["messages"])


async def _still_serving(live: LiveGateway) -> None:
    async with live.http.get(f"{live.url}/healthz") as resp:
        assert resp.status == 200
    result = await live.complain("My washing machine leaks water from the bottom")
    assert result["ticket"] is not None


def test_the_decoder_refuses_depth_and_digits_and_keeps_the_rest() -> None:
    for raw, code in [
        (DEEP, "json_too_deep"),
        (b"[" * 40 + b"]" * 40, "json_too_deep"),
        (BIG_INT, "number_too_large"),
        (b'{"n": NaN}', "invalid_json"),
        (b"\xff", "invalid_utf8"),
    ]:
        with pytest.raises(bounds.Refusal) as caught:
            bounds.loads(raw)
        assert caught.value.code == code
    assert bounds.loads(b'{"a": [1, -2, {"b": "\\u0000"}]}') == {"a": [1, -2, {"b": "\x00"}]}


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/api/v1/messages", DEEP, "json_too_deep"),
        ("/api/v1/messages", DEEP_OBJECT, "json_too_deep"),
        ("/api/v1/messages", BIG_INT, "number_too_large"),
        ("/model/parse", DEEP, "json_too_deep"),
        ("/model/parse", BIG_INT, "number_too_large"),
        ("/api/v1/tickets/TS-202601-000001/replies", DEEP, "json_too_deep"),
        ("/api/v1/tickets/TS-202601-000001/status", BIG_INT, "number_too_large"),
    ],
)
async def test_deep_json_and_huge_numbers_are_400_on_every_route(
    sqlite_gateway: LiveGateway, path: str, body: bytes, code: str
) -> None:
    status, answer = await _post(sqlite_gateway, path, body, sqlite_gateway.auth("admin"))
    assert (status, answer["error"]["code"]) == (400, code)
    assert answer["error"]["message"]


async def test_a_gzip_body_is_decoded_and_a_bomb_or_unknown_encoding_refused(
    sqlite_gateway: LiveGateway,
) -> None:
    live = sqlite_gateway
    body = json.dumps(_intake("gz-1", "The kettle I bought arrived broken")).encode()
    status, answer = await _post(
        live, "/api/v1/messages", gzip.compress(body), {"Content-Encoding": "gzip"}
    )
    assert status == 202 and isinstance(answer["id"], int)
    # A small body that inflates past the size limit is refused, never inflated in full.
    bomb = gzip.compress(b'{"text": "' + b"a" * (live.settings.max_body_bytes * 8) + b'"}')
    status, answer = await _post(live, "/api/v1/messages", bomb, {"Content-Encoding": "gzip"})
    assert (status, answer["error"]["code"]) == (413, "payload_too_large")
    status, answer = await _post(live, "/api/v1/messages", body, {"Content-Encoding": "br"})
    assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")
    status, answer = await _post(
        live, "/api/v1/messages", b"\x00junk", {"Content-Encoding": "gzip"}
    )
    assert 400 <= status < 500 and answer["error"]["code"]
    await _still_serving(live)


async def test_nul_and_lone_surrogates_are_replaced_and_noted_and_the_complaint_stored(
    gateway: LiveGateway,
) -> None:
    body = json.dumps(
        _intake("nul-1", "My order\u0000 never came \ud800 please help", sender={"id": "c\u0000"})
    ).encode()
    status, answer = await _post(gateway, "/api/v1/messages?wait=10", body)
    assert status == 200, answer
    (row,) = [m for m in await _audit(gateway, channel="api") if m["id"] == answer["id"]]
    assert any("unreadable character" in note for note in row["notes"])
    if answer["ticket"]:
        ticket = await gateway.ticket(answer["ticket"]["number"])
        text = ticket["messages"][0]["text"]
        assert "\x00" not in text and "\ufffd" in text
    # A staff reply carrying a NUL is stored too, never a "storage unavailable" 503.
    await _still_serving(gateway)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
async def test_an_absurd_received_at_is_422(sqlite_gateway: LiveGateway, moment: str) -> None:
    body = json.dumps(_intake(f"date-{moment[:4]}", "late parcel", received_at=moment)).encode()
    status, answer = await _post(sqlite_gateway, "/api/v1/messages", body)
    assert (status, answer["error"]["code"]) == (422, "validation_error")
    assert "received_at" in answer["error"]["message"]


@pytest.mark.parametrize(
    "query",
    ["from=0001-01-01", "to=9999-12-31", "from=2026-13-01", "from=2001-01-01&to=2099-01-01"],
)
async def test_stats_with_a_date_out_of_range_is_400(
    sqlite_gateway: LiveGateway, query: str
) -> None:
    async with sqlite_gateway.http.get(
        f"{sqlite_gateway.url}/api/v1/stats?{query}", headers=sqlite_gateway.auth("supervisor")
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_query"


async def _frames_until(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 10)
        if frame["type"] == kind:
            return frame


async def test_a_bad_chat_frame_gets_an_error_frame_and_the_socket_stays_open(
    gateway: LiveGateway,
) -> None:
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        for raw, code in [
            (DEEP.decode(), "json_too_deep"),
            (BIG_INT.decode(), "number_too_large"),
            ("{nope", "invalid_json"),
        ]:
            await ws.send_str(raw)
            error = await _frames_until(ws, "error")
            assert error["error"]["code"] == code
        # A lone surrogate in a frame (as a JSON escape) is stored, replaced.
        await ws.send_str('{"type": "message", "text": "broken \\ud800 screen", "id": "s1"}')
        received = await _frames_until(ws, "received")
        assert received["duplicate"] is False
        assert not ws.closed


async def test_long_chat_client_ids_never_collide(gateway: LiveGateway) -> None:
    shared = "x" * 300
    async with gateway.http.ws_connect(f"{gateway.url}/ws/chat") as ws:
        ids = []
        for suffix in ("a", "b"):
            await ws.send_json(
                {"type": "message", "text": f"parcel {suffix}", "id": shared + suffix}
            )
            received = await _frames_until(ws, "received")
            assert received["duplicate"] is False
            ids.append(received["id"])
        # The same long id again is a redelivery, recognised as such.
        await ws.send_json({"type": "message", "text": "parcel a", "id": shared + "a"})
        again = await _frames_until(ws, "received")
    assert again["duplicate"] is True and again["id"] == ids[0]
    assert ids[0] != ids[1]

"""Bad input gets a 4xx with the contract's error body, and the gateway keeps serving."""

from __future__ import annotations

import pytest

from tests.conftest import LiveGateway

VALID = b'{"channel": "api", "external_id": "x1", "sender": {"id": "c"}, "text": "broken kettle"}'


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"channel": "api", "text": ', "application/json", 400, "invalid_json"),
        (b"not json at all", "application/json", 400, "invalid_json"),
        (VALID, "text/plain", 415, "unsupported_media_type"),
        (
            b'{"channel": "api", "sender": {"id": "c"}, "text": "hi"}',
            "application/json",
            422,
            "validation_error",
        ),
        (
            b'{"channel": "api", "external_id": "x", "sender": {"id": "c"}}',
            "application/json",
            422,
            "validation_error",
        ),
        (
            b'{"channel": "api", "external_id": "x", "sender": {"id": "c"}, "text": 42}',
            "application/json",
            422,
            "validation_error",
        ),
        (
            b'{"channel": "api", "external_id": "x", "sender": "c", "text": "hi"}',
            "application/json",
            422,
            "validation_error",
        ),
        (b'["a", "list"]', "application/json", 422, "validation_error"),
        (
            b'{"channel": "fax", "external_id": "x", "sender": {"id": "c"}, "text": "hi"}',
            "application/json",
            422,
            "validation_error",
        ),
        (
            b'{"external_id": "x", "sender": {"id": "c"}, "text": "hi", '
            b'"received_at": "2026-11-05T10:00:00"}',
            "application/json",
            422,
            "validation_error",
        ),
        (
            b'{"external_id": "x", "sender": {"id": "c"}, "text": "\xff\xfe bad"}',
            "application/json",
            400,
            "invalid_utf8",
        ),
    ],
    ids=[
        "truncated",
        "garbage",
        "content-type",
        "no-external-id",
        "no-text",
        "text-not-string",
        "sender-not-object",
        "not-an-object",
        "unknown-channel",
        "naive-received-at",
        "invalid-utf8",
    ],
)
async def test_bad_intake_bodies_get_a_clear_4xx(
    sqlite_gateway: LiveGateway, body: bytes, content_type: str, status: int, code: str
) -> None:
    async with sqlite_gateway.http.post(
        f"{sqlite_gateway.url}/api/v1/messages", data=body, headers={"Content-Type": content_type}
    ) as resp:
        assert resp.status == status
        error = (await resp.json())["error"]
    assert error["code"] == code
    assert error["message"]
    await _still_serving(sqlite_gateway)


async def test_an_oversize_body_is_refused_with_413(sqlite_gateway: LiveGateway) -> None:
    huge = (
        b'{"channel": "api", "external_id": "big", "sender": {"id": "c"}, "text": "'
        + (b"a" * (sqlite_gateway.settings.max_body_bytes + 10))
        + b'"}'
    )
    async with sqlite_gateway.http.post(
        f"{sqlite_gateway.url}/api/v1/messages",
        data=huge,
        headers={"Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 413
        assert (await resp.json())["error"]["code"] == "payload_too_large"
    await _still_serving(sqlite_gateway)


@pytest.mark.parametrize("wait", ["soon", "-1", "nan"])
async def test_a_bad_wait_value_is_400(sqlite_gateway: LiveGateway, wait: str) -> None:
    async with sqlite_gateway.http.post(
        f"{sqlite_gateway.url}/api/v1/messages?wait={wait}",
        data=VALID,
        headers={"Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_query"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, "invalid_json"),
        (b'{"text": 5}', 422, "validation_error"),
        (b"{}", 422, "validation_error"),
    ],
)
async def test_bad_parse_bodies_get_a_clear_4xx(
    sqlite_gateway: LiveGateway, body: bytes, status: int, code: str
) -> None:
    async with sqlite_gateway.http.post(
        f"{sqlite_gateway.url}/model/parse", data=body, headers={"Content-Type": "application/json"}
    ) as resp:
        assert resp.status == status
        assert (await resp.json())["error"]["code"] == code


async def test_unknown_routes_answer_json_404(sqlite_gateway: LiveGateway) -> None:
    async with sqlite_gateway.http.get(f"{sqlite_gateway.url}/no/such/route") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "not_found"


async def test_empty_and_junk_text_is_stored_and_answered(sqlite_gateway: LiveGateway) -> None:
    for text in ("😡😡😡", "\x00\x01\x02 ÿþ", "a" * 50_000):
        result = await sqlite_gateway.complain(text)
        assert isinstance(result["id"], int)
    await _still_serving(sqlite_gateway)


async def _still_serving(live: LiveGateway) -> None:
    result = await live.complain("My washing machine leaks water from the bottom")
    assert result["ticket"] is not None

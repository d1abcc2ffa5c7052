"""Staff download a customer's files from the ticket, whatever channel stored them, and no
file is ever served as something a browser would run."""

from __future__ import annotations

from typing import Any

from gateway.blobs import store_attachment
from gateway.messages import Attachment, InboundMessage, Sender
from gateway.web.keys import PIPELINE
from tests.conftest import LiveGateway, eventually

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PAGE = b"<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
COMPLAINT = "The parcel arrived crushed, photos and the invoice attached. Order 20261103558712"


async def _mail_with_files(live: LiveGateway) -> str:
    """A mail as the email channel stores it: its parts in the blob store, listed by hash."""
    files = []
    for name, kind, data in (
        ("photo.png", "image/png", PNG),
        ("invoice.pdf", "application/pdf", PDF),
        ("statement.html", "text/html", PAGE),
        ("logo.svg", "image/svg+xml", SVG),
        ("renamed.png", "image/png", PAGE),  # says image, is a page
    ):
        digest = store_attachment(live.settings.data_dir, data)
        files.append(Attachment(name, kind, len(data), digest))
    files.append(Attachment("huge.mov", "video/quicktime", 10**9, None, "too large to keep"))
    message = InboundMessage(
        channel="email",
        external_id="1:77",
        conversation_key="<files@example.test>",
        sender=Sender(id="li.wei@example.test", name="Li Wei", email="li.wei@example.test"),
        text=COMPLAINT,
        attachments=tuple(files),
    )
    message_id, _ = await live.app[PIPELINE].accept(message)

    async def numbered() -> str | None:
        ticket = (await live.app[PIPELINE].result(message_id)).get("ticket")
        return ticket["number"] if ticket else None

    return str(await eventually(numbered))


async def _get(live: LiveGateway, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with live.http.get(f"{live.url}{url}", headers=headers) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def _by_name(ticket: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["filename"]: a for m in ticket["messages"] for a in m.get("attachments") or ()}


async def test_images_are_shown_inline_and_every_other_file_is_a_download(
    sqlite_gateway: LiveGateway,
) -> None:
    live = sqlite_gateway
    number = await _mail_with_files(live)
    files = _by_name(await live.ticket(number))
    assert "url" not in files["huge.mov"]  # listed, never stored: nothing to link

    status, headers, body = await _get(live, files["photo.png"]["url"], **live.auth())
    assert (status, body, headers["Content-Type"]) == (200, PNG, "image/png")
    assert headers["Content-Disposition"].startswith("inline;")

    status, headers, body = await _get(live, files["invoice.pdf"]["url"], **live.auth())
    assert (status, body, headers["Content-Type"]) == (200, PDF, "application/pdf")
    assert headers["Content-Disposition"] == (
        "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
    )
    # A page, an SVG and a page calling itself a PNG: bytes to save, never to render.
    for name in ("statement.html", "logo.svg", "renamed.png"):
        status, headers, body = await _get(live, files[name]["url"], **live.auth())
        assert status == 200 and headers["Content-Type"] == "application/octet-stream", name
        assert headers["Content-Disposition"].startswith("attachment;"), name
    for name in files:
        if "url" not in files[name]:
            continue
        _, headers, _ = await _get(live, files[name]["url"], **live.auth("supervisor"))
        assert headers["X-Content-Type-Options"] == "nosniff"
        policy = headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy and "script" not in policy


async def test_only_staff_get_a_file_and_only_through_a_ticket_that_lists_it(
    sqlite_gateway: LiveGateway,
) -> None:
    live = sqlite_gateway
    number = await _mail_with_files(live)
    url = _by_name(await live.ticket(number))["invoice.pdf"]["url"]
    assert (await _get(live, url))[0] == 401
    other = (await live.complain("The courier was rude to me at the door"))["ticket"]["number"]
    elsewhere = url.replace(number, other)
    status, _, body = await _get(live, elsewhere, **live.auth())
    assert status == 404 and b"attachment_not_found" in body
    for bad in ("0" * 64, "../../etc/passwd", "A" * 64):
        status, _, _ = await _get(
            live, f"/api/v1/tickets/{number}/attachments/{bad}", **live.auth()
        )
        assert status == 404, bad


async def test_a_file_uploaded_in_the_chat_is_served_to_staff(sqlite_gateway: LiveGateway) -> None:
    live = sqlite_gateway
    async with live.http.ws_connect(f"{live.url}/ws/chat") as ws:
        await ws.send_json({"type": "hello"})
        session = (await ws.receive_json(timeout=10))["session"]
        async with live.http.post(
            f"{live.url}/chat/attachments",
            data=PDF,
            headers={"X-Chat-Session": session, "X-Filename": "%D1%81%D1%87%D1%91%D1%82.pdf"},
        ) as resp:
            assert resp.status == 201, await resp.text()
            stored = await resp.json()
        await ws.send_json(
            {"type": "message", "text": COMPLAINT, "attachments": [stored], "id": "m1"}
        )
        while (frame := await ws.receive_json(timeout=10))["type"] != "reply":
            continue
    number = frame["ticket"]["number"]
    url = _by_name(await live.ticket(number))["счёт.pdf"]["url"]
    status, headers, body = await _get(live, url, **live.auth())
    assert (status, body) == (200, PDF)
    assert headers["Content-Disposition"] == (
        "attachment; filename=\"____.pdf\"; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82.pdf"
    )


async def test_the_route_is_described_in_openapi(sqlite_gateway: LiveGateway) -> None:
    async with sqlite_gateway.http.get(f"{sqlite_gateway.url}/openapi.json") as resp:
        paths = (await resp.json())["paths"]
    assert "get" in paths["/api/v1/tickets/{number}/attachments/{sha256}"]

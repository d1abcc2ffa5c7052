"""A complaint by mail gets its ticket and an acknowledgement in its thread; replies land on
the ticket; noise is stored but never answered."""

from __future__ import annotations

import asyncio
import base64
import email
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service

from .conftest import SUPPORT, Dovecot, EmailDesk, SmtpSink, email_desk, mail

COMPLAINT_ZH = "我买的电水壶用了两天就坏了，订单号20261103558712，要求退货退款。"


async def test_a_complaint_opens_a_ticket_and_is_acknowledged_in_its_thread(
    desk: EmailDesk,
) -> None:
    await desk.append(mail(COMPLAINT_ZH, subject="电水壶质量问题", message_id="<c1@example.cn>"))
    (stored,) = await desk.wait_messages(1)
    assert stored["ticket"] is not None
    async with desk.gateway.http.get(
        f"{desk.gateway.url}/api/v1/tickets?channel=email", headers=desk.gateway.auth("admin")
    ) as resp:
        tickets = (await resp.json())["tickets"]
    assert [t["number"] for t in tickets] == [stored["ticket"]]
    assert tickets[0]["language"] == "zh-Hans"

    (ack,) = await desk.sink.wait_for(1)
    assert ack["In-Reply-To"] == "<c1@example.cn>"
    assert ack["To"].addresses[0].addr_spec == "zhang.wei@example.cn"
    assert ack["From"].addresses[0].addr_spec == SUPPORT
    assert ack["Subject"] == f"Re: 电水壶质量问题 [{stored['ticket']}]"
    assert ack["Content-Language"] == "zh-Hans"
    assert ack["Auto-Submitted"] == "auto-replied"
    text = ack.get_body(("plain",)).get_content()
    assert stored["ticket"] in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # answered in Chinese
    html = ack.get_body(("html",)).get_content()
    assert stored["ticket"] in html


async def _acknowledged_complaint(desk: EmailDesk) -> tuple[dict[str, Any], EmailMessage]:
    """A complaint by mail, stored and ticketed, and the acknowledgement the customer got."""
    await desk.append(mail(COMPLAINT_ZH, subject="电水壶质量问题"))
    (first,) = await desk.wait_messages(1)
    (ack,) = await desk.sink.wait_for(1)
    return first, ack


async def test_the_customers_reply_to_the_acknowledgement_lands_on_the_ticket(
    desk: EmailDesk,
) -> None:
    first, ack = await _acknowledged_complaint(desk)
    reply = mail(
        "还有，包装也是破的。\n\n"
        "2026年11月23日 10:05，客服 <support@shop.test> 写道：\n> 您的投诉已收到",
        subject="换了一个主题",  # a reply that changes the subject still threads
        headers={"In-Reply-To": ack["Message-ID"], "References": ack["References"]},
    )
    await desk.append(reply)
    messages = await desk.wait_messages(2)
    assert messages[1]["ticket"] == first["ticket"]


async def test_outlook_rewriting_in_reply_to_still_threads_by_references(
    desk: EmailDesk,
) -> None:
    first, ack = await _acknowledged_complaint(desk)
    reply = mail(
        "包装也是破的。",
        subject="RE: 电水壶",
        headers={
            "In-Reply-To": "<rewritten-by-outlook@example.cn>",
            "References": ack["References"],
        },
    )
    await desk.append(reply)
    messages = await desk.wait_messages(2)
    assert messages[1]["ticket"] == first["ticket"]


async def test_a_new_mail_with_the_ticket_number_in_its_subject_lands_on_the_ticket(
    desk: EmailDesk,
) -> None:
    await desk.append(mail(COMPLAINT_ZH, subject="电水壶质量问题"))
    (first,) = await desk.wait_messages(1)
    await desk.append(mail("我想补充订单的照片。", subject=f"关于 {first['ticket']} 的补充"))
    messages = await desk.wait_messages(2)
    assert messages[1]["ticket"] == first["ticket"]


async def test_replies_from_two_people_to_one_acknowledgement_do_not_merge(
    desk: EmailDesk,
) -> None:
    first, ack = await _acknowledged_complaint(desk)
    forwarded_reply = mail(
        "我的快递也丢了，订单号20261103558799，一直没有送到。",
        sender="Li Na <li.na@example.cn>",
        subject=ack["Subject"],  # carries the first customer's ticket number
        headers={"In-Reply-To": ack["Message-ID"], "References": ack["References"]},
    )
    await desk.append(forwarded_reply)
    messages = await desk.wait_messages(2)
    assert messages[1]["ticket"] != first["ticket"]
    assert messages[1]["conversation_key"] != first["conversation_key"]


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Zhang Wei <zhang.wei@example.cn>", "auto-reply"),
        ({"X-Autoreply": "yes"}, "Zhang Wei <zhang.wei@example.cn>", "auto-reply"),
        ({"Precedence": "bulk"}, "Zhang Wei <zhang.wei@example.cn>", "bulk mail"),
        ({"Return-Path": "<>"}, "MAILER-DAEMON@mx.example.cn", "bounce"),
        ({"List-Id": "<deals.example.cn>"}, "Deals <deals@example.cn>", "mailing list"),
        ({}, SUPPORT, "own address"),
    ],
)
async def test_auto_replies_bounces_and_list_mail_are_stored_noted_and_never_answered(
    desk: EmailDesk, headers: dict[str, str], sender: str, reason: str
) -> None:
    await desk.append(mail(COMPLAINT_ZH, sender=sender, headers=headers))
    (stored,) = await desk.wait_messages(1)
    assert stored["ticket"] is None
    assert any(reason in note for note in stored["notes"]), stored["notes"]
    await asyncio.sleep(1.0)  # an acknowledgement would have gone out by now
    assert desk.sink.mails == []


async def test_the_same_mail_delivered_twice_is_stored_twice_but_answered_once(
    desk: EmailDesk,
) -> None:
    same = mail(COMPLAINT_ZH, message_id="<twice@example.cn>")
    await desk.append(same, same)
    first, second = await desk.wait_messages(2)
    assert first["ticket"] is not None and second["ticket"] is None
    assert any("duplicate" in note for note in second["notes"])
    await desk.sink.wait_for(1)
    await asyncio.sleep(1.0)
    assert len(desk.sink.mails) == 1


async def test_every_mail_of_the_cpython_email_corpus_is_stored_and_the_gateway_stays_up(
    desk: EmailDesk,
) -> None:
    corpus = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
    require_service(corpus.is_dir(), f"CPython's email test corpus is not installed ({corpus})")
    raws = [path.read_bytes() for path in sorted(corpus.glob("msg_*.txt"))]
    await desk.append(*raws)
    stored = await desk.wait_messages(len(raws), timeout=60)
    assert len(stored) == len(raws)
    assert len({m["external_id"] for m in stored}) == len(raws)
    async with desk.gateway.http.get(f"{desk.gateway.url}/healthz") as resp:
        assert resp.status == 200


async def test_an_oversize_attachment_keeps_its_metadata_with_a_note(
    data_dir: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    raw = (
        b"From: a@example.cn\r\nTo: support@shop.test\r\nSubject: photo\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe kettle is broken, see photo.\r\n"
        b"--b\r\nContent-Type: image/jpeg; name=big.jpg\r\nContent-Disposition: attachment;"
        b" filename=big.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(b"x" * 4096)
        + b"\r\n--b--\r\n"
    )
    async with email_desk(data_dir, dovecot, smtp_sink, email_attachment_max_bytes=1000) as desk:
        await desk.append(raw)
        (stored,) = await desk.wait_messages(1)
    assert any("big.jpg" in note and "limit" in note for note in stored["notes"])
    assert not any((data_dir / "attachments").glob("*"))


async def test_a_uidvalidity_change_rereads_the_mailbox_without_duplicates(
    desk: EmailDesk,
) -> None:
    first = mail(COMPLAINT_ZH, message_id="<before-renumbering@example.cn>")
    await desk.append(first)
    await desk.wait_messages(1)
    await desk.sink.wait_for(1)

    def renumber() -> None:  # a folder deleted and made again gets a new UIDVALIDITY
        with desk.dovecot.client() as client:
            client.delete_folder(desk.mailbox)
            client.create_folder(desk.mailbox)

    await asyncio.to_thread(renumber)
    await desk.append(first, mail("另一个订单20261103558799也没有送到。", sender="li@example.cn"))
    messages = await desk.wait_messages(2)
    await asyncio.sleep(1.5)  # the re-read is done by the time the new mail is stored
    assert len(await desk.messages()) == 2
    assert messages[0]["external_id"].split(":")[0] != messages[1]["external_id"].split(":")[0]
    assert len(desk.sink.mails) == 2


async def test_a_verified_sender_is_recognised_as_the_customer_of_another_channel(
    desk: EmailDesk,
) -> None:
    gateway = desk.gateway

    async def by_phone(email_address: str) -> str:
        body = {
            "channel": "api",
            "external_id": f"phone-{email_address}",
            "sender": {"id": f"caller-{email_address}", "email": email_address},
            "text": "电话投诉：电水壶漏水，订单号20261103558712",
        }
        async with gateway.http.post(
            f"{gateway.url}/api/v1/messages?wait=10", json=body, headers=gateway.auth("agent")
        ) as resp:
            return str((await resp.json())["ticket"]["number"])

    async def by_mail(raw: bytes, count: int) -> dict[str, Any]:
        await desk.append(raw)
        newest = max(await desk.wait_messages(count), key=lambda m: m["id"])
        return await gateway.ticket(newest["ticket"])

    zhang_by_phone = await by_phone("zhang.wei@example.cn")
    await by_phone("li.na@example.cn")
    verified = {"Authentication-Results": "mx.shop.test; dkim=pass header.d=example.cn"}
    zhang = await by_mail(mail(COMPLAINT_ZH, subject="电水壶", headers=verified), 1)
    li = await by_mail(mail(COMPLAINT_ZH, subject="电水壶", sender="Li Na <li.na@example.cn>"), 2)

    assert [t["number"] for t in zhang["customer"]["earlier_tickets"]] == [zhang_by_phone]
    assert li["customer"]["earlier_tickets"] == []  # no verdict from our server: not linked

"""Bad input in mail headers, through Dovecot as the gateway reads real mail: malformed or
missing From, To, Subject, Date and Message-ID, broken encoded words, huge headers, NUL bytes
and broken charsets. Each mail is stored, with a ticket or a note saying what could not be
read; the reader never stops, and the gateway is healthy after them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from .conftest import EmailDesk, mail

BODY = b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
TEXT = b"My parcel never arrived and nobody answers the phone.\r\n"


def _raw(*headers: bytes, body: bytes = TEXT) -> bytes:
    return b"\r\n".join(headers) + BODY + body


def _ordinary(*, subject: bytes = b"Complaint", **replace: bytes) -> list[bytes]:
    fields = {
        b"From": b"Li Na <li.na@example.cn>",
        b"To": b"support@shop.test",
        b"Subject": subject,
        b"Date": b"Mon, 23 Nov 2026 10:00:00 +0800",
        b"Message-ID": f"<{uuid.uuid4().hex}@example.cn>".encode(),  # no duplicate notes
    }
    fields.update({name.encode(): value for name, value in replace.items()})
    return [name + b": " + value for name, value in fields.items() if value != b"-"]


#: name → raw mail; each is a complaint a person can read, whatever its headers did.
BAD_MAILS: dict[str, bytes] = {
    "no-from": _raw(*_ordinary(From=b"-")),
    "from-junk": _raw(*_ordinary(From=b'<<<@@@>>> ,,, "unterminated <x@')),
    "from-encoded-word-broken": _raw(*_ordinary(From=b"=?utf-8?B?5byg5LyfX?= <a@example.cn>")),
    "from-two-addresses": _raw(*_ordinary(From=b"a@example.cn, b@example.cn")),
    "to-junk": _raw(*_ordinary(To=b"@@@;;;<<>>")),
    "no-to": _raw(*_ordinary(To=b"-")),
    "subject-unknown-charset": _raw(*_ordinary(subject=b"=?x-klingon?B?SGVsbG8=?=")),
    "subject-invalid-utf8-word": _raw(*_ordinary(subject=b"=?utf-8?Q?=FF=FE=80?= order")),
    "subject-raw-gbk-bytes": _raw(*_ordinary(subject="快递投诉".encode("gbk"))),
    "subject-nul": _raw(*_ordinary(subject=b"late\x00parcel")),
    "subject-lone-surrogate-word": _raw(*_ordinary(subject=b"=?utf-16?B?2AA=?=")),
    "subject-200kb": _raw(*_ordinary(subject=b"x" * 200_000)),
    "date-words": _raw(*_ordinary(Date=b"yesterday after lunch")),
    "date-absurd": _raw(*_ordinary(Date=b"Mon, 99 Foo 99999 99:99:99 +9999")),
    "date-year-1": _raw(*_ordinary(Date=b"Mon, 1 Jan 0001 00:00:00 +0000")),
    "date-year-9999": _raw(*_ordinary(Date=b"Fri, 31 Dec 9999 23:59:59 -1200")),
    "message-id-missing": _raw(*_ordinary(**{"Message-ID": b"-"})),
    "message-id-huge": _raw(*_ordinary(**{"Message-ID": b"<" + b"m" * 20_000 + b"@x>"})),
    "message-id-junk": _raw(*_ordinary(**{"Message-ID": b"not an id \x00 at all"})),
    "five-thousand-headers": _raw(
        *_ordinary(), *(b"X-Junk-%d: %s" % (n, b"y" * 50) for n in range(5000))
    ),
    "header-without-colon": _raw(*_ordinary(), b"this line is not a header"),
    "charset-broken": _raw(*_ordinary()).replace(b"charset=utf-8", b'charset="utf-8\x00;;"'),
    "charset-unknown-body": _raw(*_ordinary()).replace(b"charset=utf-8", b"charset=x-nope"),
    "body-nul": _raw(*_ordinary(), body=b"parcel\x00late, refund please\r\n"),
}


async def test_every_mail_with_bad_headers_is_stored_with_a_ticket_or_a_note(
    desk: EmailDesk,
) -> None:
    names = list(BAD_MAILS)
    await desk.append(*BAD_MAILS.values())
    # A well-formed complaint after them: the reader went on past every one.
    await desk.append(mail("The kettle I bought leaks, I want a replacement."))
    stored = await desk.wait_messages(len(names) + 1, timeout=120)
    by_uid = {int(m["external_id"].split(":")[1]): m for m in stored}
    assert sorted(by_uid) == list(range(1, len(names) + 2))
    unexplained: dict[str, Any] = {}
    for uid, name in enumerate(names, start=1):
        message = by_uid[uid]
        if message["ticket"] is None and not message["notes"]:
            unexplained[name] = message
        assert "\x00" not in str(message), name  # NUL never reaches storage or the API
    assert unexplained == {}
    assert by_uid[len(names) + 1]["ticket"] is not None
    async with desk.gateway.http.get(f"{desk.gateway.url}/healthz") as resp:
        assert resp.status == 200


async def test_what_could_not_be_read_is_noted(desk: EmailDesk) -> None:
    # (NUL bytes are not here: Dovecot turns them into 0x80 before the gateway reads them.)
    picked = [
        "subject-unknown-charset",
        "no-from",
        "subject-invalid-utf8-word",
        "charset-unknown-body",
    ]
    await desk.append(*(BAD_MAILS[name] for name in picked))
    stored = await desk.wait_messages(len(picked), timeout=60)
    notes = {name: " ".join(m["notes"]).lower() for name, m in zip(picked, stored, strict=True)}
    assert "charset" in notes["subject-unknown-charset"]
    assert "from" in notes["no-from"] or "sender" in notes["no-from"]
    assert "subject" in notes["subject-invalid-utf8-word"]
    assert "charset" in notes["charset-unknown-body"]


async def test_a_date_header_out_of_range_never_becomes_the_received_time(
    desk: EmailDesk,
) -> None:
    picked = ["date-words", "date-absurd", "date-year-1", "date-year-9999"]
    await desk.append(*(BAD_MAILS[name] for name in picked))
    stored = await desk.wait_messages(len(picked), timeout=60)
    now = datetime.now(UTC)
    for name, message in zip(picked, stored, strict=True):
        assert message["ticket"] is not None, name
        received = datetime.fromisoformat(message["received_at"])
        assert abs(received - now) < timedelta(days=1), name  # the server's arrival time

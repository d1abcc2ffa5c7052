"""The whole corpus through Dovecot into the gateway: every mail stored, every customer mail a
ticket with its sender, subject and text as a person reads them, no answer to noise, and an
address no server accepts failed once with a note on the ticket."""

from __future__ import annotations

from typing import Any

from channels.email.outbound import address_problem
from tests.conftest import eventually

from .conftest import EmailDesk
from .corpus import Expected, decoding_problems, load

CORPUS = load()


def test_the_decoder_reads_every_corpus_mail_as_a_person_would() -> None:
    wrong = {e.file: problems for e in CORPUS if (problems := decoding_problems(e))}
    assert wrong == {}


async def _ticket(desk: EmailDesk, number: str) -> dict[str, Any]:
    gateway = desk.gateway
    async with gateway.http.get(
        f"{gateway.url}/api/v1/tickets/{number}", headers=gateway.auth("admin")
    ) as resp:
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())


def _answerable(expected: Expected) -> bool:
    return expected.kind == "customer" and address_problem(expected.sender or "") is None


async def test_every_corpus_mail_is_stored_and_every_customer_mail_reaches_an_agent(
    desk: EmailDesk,
) -> None:
    await desk.append(*(e.raw for e in CORPUS))
    stored = await desk.wait_messages(len(CORPUS), timeout=60)
    by_uid = {int(m["external_id"].split(":")[1]): m for m in stored}
    refused: list[str] = []
    assert sorted(by_uid) == list(range(1, len(CORPUS) + 1))  # every one stored

    for uid, expected in enumerate(CORPUS, start=1):
        message = by_uid[uid]
        where = f"{expected.file}: {message['notes']}"
        if expected.kind == "noise":
            assert message["ticket"] is None, where
            continue
        assert message["ticket"] is not None, where
        if expected.sender is not None:
            assert message["sender"]["id"] == expected.sender, where
        if expected.name is not None:
            assert message["sender"]["name"] == expected.name, where
        if expected.subject is not None:
            assert message["headers"]["subject"] == expected.subject, where
        ticket = await _ticket(desk, message["ticket"])
        (shown,) = [
            m for m in ticket["messages"] if m["direction"] == "in" and m["id"] == message["id"]
        ]
        if not expected.file.startswith("cpython-"):
            assert shown["headers"]["to"] == "support@shop.test", where
        if expected.text is not None:
            assert expected.text in shown["text"], where
        if expected.category is not None:
            assert ticket["category"] == expected.category, where
        names = {a["filename"] for a in shown["attachments"]}
        assert set(expected.attachments) <= names, where
        if expected.inline is not None:
            (image,) = [a for a in shown["attachments"] if a["content_id"] == expected.inline]
            assert image["inline"] is True
            assert 'src="data:image/png;base64,' in shown["html"]  # shown where it was sent
        if expected.refused:
            refused.append(message["ticket"])

    # One answer per customer mail that has a deliverable address; none to noise.
    answered = [e for e in CORPUS if _answerable(e)]
    mails = await desk.sink.wait_for(len(answered), timeout=60)
    recipients = sorted(m["To"].addresses[0].addr_spec for m in mails)
    assert recipients == sorted(e.sender or "" for e in answered)

    # An address no server accepts: failed at the first try, and the agent sees why.
    assert refused
    for number in refused:

        async def failed(number: str = number) -> dict[str, Any] | None:
            ticket = await _ticket(desk, number)
            (ack,) = [m for m in ticket["messages"] if m["direction"] == "out"]
            return ticket if ack["delivery"] == "failed" else None

        ticket = await eventually(failed, 30)
        (event,) = [e for e in ticket["events"] if e["type"] == "delivery_failed"]
        assert "invalid recipient address" in event["data"]["error"]

"""Administrators change replies without a deploy."""

from __future__ import annotations

from tests.conftest import LiveGateway


async def test_an_override_template_is_used_from_the_next_reply_on(
    sqlite_gateway: LiveGateway,
) -> None:
    before = await sqlite_gateway.complain("The courier left my parcel in the rain, it is soaked")
    assert "Thank you" in before["reply"]["text"]
    override = sqlite_gateway.settings.data_dir / "templates" / "en" / "acknowledgement.txt.j2"
    override.parent.mkdir(parents=True)
    override.write_text(
        "Ticket {{ ticket_number }}: we answer within {{ response_hours|number }} h."
    )
    after = await sqlite_gateway.complain("The courier left another parcel in the rain")
    number = after["ticket"]["number"]
    assert after["reply"]["text"].startswith(f"Ticket {number}: we answer within ")


async def test_a_broken_override_falls_back_to_the_shipped_reply(
    sqlite_gateway: LiveGateway,
) -> None:
    override = sqlite_gateway.settings.data_dir / "templates" / "en" / "acknowledgement.txt.j2"
    override.parent.mkdir(parents=True)
    override.write_text("Ticket {{ no_such_value }} {% if %}")
    result = await sqlite_gateway.complain("My new headphones stopped charging after a day")
    assert result["ticket"]["number"] in result["reply"]["text"]
    assert "Thank you" in result["reply"]["text"]

"""Phone numbers in one form: the local and the international spelling are one customer."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.phones import to_e164
from gateway.settings import SettingsError, load_settings
from tests.conftest import running_gateway


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("8 912 345-67-89", "RU", "+79123456789"),
        ("+7 (912) 345 67 89", "CN", "+79123456789"),
        ("138 0013 8000", "CN", "+8613800138000"),
        ("+86 138-0013-8000", "RU", "+8613800138000"),
        ("(415) 555-2671", "US", "+14155552671"),
    ],
)
def test_a_number_is_read_in_its_region_and_written_in_e164(
    raw: str, region: str, e164: str
) -> None:
    assert to_e164(raw, region) == e164


@pytest.mark.parametrize("raw", ["", "call me", "12", "+0 000"])
def test_what_is_no_phone_number_gives_none(raw: str) -> None:
    assert to_e164(raw, "CN") is None


def test_an_unknown_phone_region_is_a_setting_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        load_settings(data_dir=tmp_path, phone_region="XX")
    assert load_settings(data_dir=tmp_path, phone_region="ru").phone_region == "RU"


async def test_the_local_and_the_international_number_are_one_customer(data_dir: Path) -> None:
    settings = load_settings(data_dir=data_dir, phone_region="RU")
    async with running_gateway(settings) as live:
        numbers = []
        for sender_id, phone in (("walk-in-1", "8 912 345-67-89"), ("call-7", "+7 912 345 67 89")):
            body = {
                "channel": "api",
                "external_id": sender_id,
                "sender": {"id": sender_id, "name": "Ivan", "phone": phone},
                "text": "The kettle broke after a week and the shop will not replace it",
            }
            # Staff-entered: the contact details were checked with the caller, so verified.
            async with live.http.post(
                f"{live.url}/api/v1/messages?wait=10", json=body, headers=live.auth("agent")
            ) as resp:
                assert resp.status == 200, await resp.text()
                numbers.append((await resp.json())["ticket"]["number"])
        tickets = [await live.ticket(number) for number in numbers]
        assert tickets[0]["customer"]["id"] == tickets[1]["customer"]["id"]

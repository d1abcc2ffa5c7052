"""The admin API for reply templates and the policy's defaults."""

from __future__ import annotations

from tests.admin.test_staff_api import DELIVERY_EN, call
from tests.handoff.conftest import Desk

ACK = "/api/v1/admin/templates/en/acknowledgement"


async def test_every_template_in_every_language_is_listed(sqlite_desk: Desk) -> None:
    status, body = await call(sqlite_desk, "GET", "/api/v1/admin/templates")
    assert status == 200
    listed = {(t["language"], t["name"]) for t in body["templates"]}
    for language in ("en", "ru", "zh-Hans", "zh-Hant"):
        assert (language, "acknowledgement") in listed
    assert {t["source"] for t in body["templates"]} == {"shipped"}


async def test_an_edited_acknowledgement_is_the_next_reply_and_reset_restores_it(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    text = "Got it: ticket {{ ticket_number }}, answer by {{ due }}."
    status, saved = await call(desk, "PUT", ACK, {"text": text})
    assert status == 200 and saved["source"] == "custom"
    reply = (await desk.complain(DELIVERY_EN))["reply"]["text"]
    assert reply.startswith("Got it: ticket ") and "answer by 2026-" in reply

    status, shipped = await call(desk, "DELETE", ACK)
    assert status == 200 and shipped["source"] == "shipped"
    assert (await desk.complain(DELIVERY_EN))["reply"]["text"].startswith("Thank you")


async def test_a_template_that_does_not_render_is_refused_and_the_old_one_stays(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    await call(desk, "PUT", ACK, {"text": "Ticket {{ ticket_number }}."})
    syntax = await call(desk, "PUT", ACK, {"text": "Ticket {{ ticket_number }"})
    assert syntax[0] == 422 and syntax[1]["error"]["code"] == "invalid_template"
    assert "syntax error on line 1" in syntax[1]["error"]["message"]
    unknown = await call(desk, "PUT", ACK, {"text": "{% if x %}{{ order_total }}{% endif %}"})
    assert unknown[0] == 422
    assert "unknown variable order_total, x" in unknown[1]["error"]["message"]
    # The sandbox refuses a reach into Python objects.
    escape = await call(desk, "PUT", ACK, {"text": "{{ ''.__class__.__mro__ }}"})
    assert escape[0] == 422

    assert (await desk.complain(DELIVERY_EN))["reply"]["text"].startswith("Ticket ")


async def test_preview_renders_a_sample_ticket_and_versions_allow_a_rollback(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    status, shown = await call(desk, "POST", ACK + "/preview", {"text": "Hi {{ customer_name }}"})
    assert status == 200 and shown["preview"] == "Hi Alex Chen"
    await call(desk, "PUT", ACK, {"text": "First {{ ticket_number }}"})
    await call(desk, "PUT", ACK, {"text": "Second {{ ticket_number }}"})
    status, history = await call(desk, "GET", ACK + "/versions")
    assert status == 200
    assert [v["text"] for v in history["versions"]] == [
        "Second {{ ticket_number }}",
        "First {{ ticket_number }}",
    ]
    await call(desk, "PUT", ACK, {"text": history["versions"][1]["text"]})
    assert (await desk.complain(DELIVERY_EN))["reply"]["text"].startswith("First ")
    missing = await call(desk, "PUT", "/api/v1/admin/templates/fr/acknowledgement", {"text": "x"})
    assert missing[0] == 404


async def test_a_fresh_install_shows_the_default_policy(sqlite_desk: Desk) -> None:
    status, body = await call(sqlite_desk, "GET", "/api/v1/admin/policy")
    assert status == 200 and body["version"] == 0
    policy = body["policy"]
    assert policy["departments"]["logistics"]["categories"] == ["delivery"]
    assert policy["sla"]["major"]["first_response_hours"] == 2
    assert policy["calendar"]["holidays"] == []
    assert policy["default_department"] == "customer_service"
    # The defaults as shown are a valid document: saving them back is accepted unchanged.
    saved = await call(sqlite_desk, "PUT", "/api/v1/admin/policy", policy)
    assert saved[0] == 200


async def test_the_policy_shows_the_holidays_librarys_days_for_its_country(
    sqlite_desk: Desk,
) -> None:
    fresh = (await call(sqlite_desk, "GET", "/api/v1/admin/policy"))[1]
    assert fresh["calendar_days"] == {"holidays": [], "extra_workdays": []}
    await sqlite_desk.put_policy(
        {"calendar": {"holiday_country": "CN", "extra_workdays": ["2026-10-02"]}}
    )
    status, body = await call(sqlite_desk, "GET", "/api/v1/admin/policy")
    assert status == 200 and body["policy"]["calendar"]["holiday_country"] == "CN"
    days = body["calendar_days"]
    # National Day from the library, less the day the policy works; its make-up Saturday.
    assert {"2026-10-01", "2026-10-03", "2027-01-01"} <= set(days["holidays"])
    assert "2026-10-02" not in days["holidays"]
    assert {"2026-10-02", "2026-10-10"} <= set(days["extra_workdays"])
    refused = await call(
        sqlite_desk, "PUT", "/api/v1/admin/policy", {"calendar": {"holiday_country": "XX"}}
    )
    assert refused[0] == 422 and "holiday_country" in refused[1]["error"]["message"]

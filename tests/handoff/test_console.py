"""The agent console in a real browser (Debian's headless Chromium through Playwright)
against a real gateway on loopback: sign-in, the queue, a ticket, a reply, pushes over the
staff websocket, the supervisor dashboard, and customer markup kept inert."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa

from gateway.db.schema import outbox
from gateway.store.sessions import MAX_FAILED_SIGN_INS, hash_password, set_password
from tests.conftest import require_service
from tests.handoff.conftest import Desk, logistics_policy

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # the skip below names the reason
    async_playwright = None  # type: ignore[assignment]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]
PASSWORD = "correct horse battery"

DELIVERY_EN = "My parcel never arrived, the courier says it was delivered. Order 20261103558712"
REPLY = "Sorry about that, Anna from logistics here: the courier is checking today."
HOSTILE = (
    'My parcel never arrived <img src=x onerror="window.__pwned=1"> and '
    "<script>window.__pwned=1</script> the courier says it was delivered. Order 20261103558712"
)
HOSTILE_NAME = '<img src=x onerror="window.__pwned=2">Mallory'


@pytest.fixture(scope="session")
def browser_installed() -> None:
    """Session-scoped so that pytest checks it before the session's model training."""
    require_service(
        async_playwright is not None, "playwright is not installed (pip install -e '.[test]')"
    )
    require_service(
        os.access(CHROMIUM, os.X_OK),
        f"Chromium is not at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)",
    )


@pytest.fixture(scope="module")
def chromium(browser_installed: None) -> Iterator[str]:
    """One Chromium for the whole module (starting one costs a second or more); each test
    connects to it over the DevTools protocol and gets its own fresh context."""
    # Chromium's helper processes (zygote, renderers, crash handler) may still write into
    # the profile after the browser process exits: they share its process group, which is
    # killed whole, and a straggler's late file never fails the teardown.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            assert process.stderr is not None
            for line in process.stderr:
                found = re.search(r"DevTools listening on (ws://\S+)", line)
                if found:
                    yield found.group(1)
                    break
            else:
                pytest.fail("Chromium exited without opening its DevTools port")
        finally:
            _stop_group(process)


def _stop_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest_asyncio.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        connected = await playwright.chromium.connect_over_cdp(chromium)
        try:
            yield connected
        finally:
            await connected.close()


@pytest_asyncio.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh tab; fails the test on an uncaught script error or a CSP violation."""
    context = await browser.new_context()
    tab = await context.new_page()
    tab.set_default_timeout(10_000)
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    tab.on("console", on_console)
    try:
        yield tab
        assert problems == []
    finally:
        await context.close()


async def with_password(desk: Desk, name: str) -> None:
    await desk.live.database.write(set_password, name, hash_password(PASSWORD))


async def sign_in(page: Page, url: str, name: str, password: str = PASSWORD) -> None:
    await page.goto(f"{url}/console")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")


async def sign_in_supervisor(page: Page, desk: Desk) -> None:
    await with_password(desk, "test-supervisor")
    await sign_in(page, desk.url, "test-supervisor")


async def staff_anna(desk: Desk, *, online: bool) -> str:
    await desk.add_agents("anna")
    await desk.put_policy(logistics_policy({"name": "anna", "languages": ["en"]}))
    await with_password(desk, "anna")
    if online:
        await desk.presence("anna", "online")
    return desk.agent_tokens["anna"]


async def test_an_agent_goes_online_opens_her_ticket_replies_and_moves_it_along(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    token = await staff_anna(desk, online=False)
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    assert (await desk.live.ticket(number))["assignee"] is None  # anna is offline: queued

    response = await page.goto(f"{desk.url}/console")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self' ws: wss:" in policy
    await sign_in(page, desk.url, "anna")
    await expect(page.locator("#who")).to_have_text("anna (agent)")
    await expect(page.locator("#tab-dashboard")).to_be_hidden()  # agents get no figures

    # Going online in the console hands her the queued ticket; "Mine" shows it.
    await page.get_by_label("Presence").select_option("online")
    item = page.locator(f'#ticket-list [data-number="{number}"]')
    await expect(item).to_be_visible()
    assert (await desk.live.ticket(number))["assignee"] == "anna"

    await item.click()
    await expect(page.locator("#ticket-number")).to_have_text(number)
    await expect(page.locator("#thread .message-in .message-text")).to_have_text(DELIVERY_EN)
    await expect(page.locator("#deadlines")).to_contain_text("First response due")

    await page.get_by_label("Reply to the customer").fill(REPLY)
    await page.get_by_role("button", name="Send reply").click()
    shown = page.locator('#thread [data-kind="agent_reply"] .message-text')
    await expect(shown).to_have_text(REPLY)
    ticket = await desk.live.ticket(number)
    replies = [m for m in ticket["messages"] if m.get("kind") == "agent_reply"]
    assert [(m["text"], m["author"]) for m in replies] == [(REPLY, "anna")]
    assert ticket["first_responded_at"] is not None

    # An api ticket with no callback URL: the reply is on the ticket, and nobody was told.
    delivery = page.locator('#thread [data-kind="agent_reply"] [data-delivery]')
    await expect(delivery).to_have_attribute("data-delivery", "on_ticket")

    await page.get_by_role("button", name="Wait for customer").click()
    await expect(page.locator("#ticket-badges")).to_contain_text("waiting customer")
    assert (await desk.live.ticket(number))["status"] == "waiting_customer"
    await expect(page.locator("#handler-button")).to_be_hidden()  # no live chat on the api

    # The session is an HttpOnly, SameSite=Strict cookie: no script and no other site has it.
    cookies = await page.context.cookies()
    assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
        ("cgw_session", True, "Strict")
    ]
    assert await page.evaluate("document.cookie") == ""
    assert token not in page.url


async def test_customer_markup_is_shown_as_text_and_never_runs(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    result = await desk.complain(HOSTILE, sender={"id": "mallory", "name": HOSTILE_NAME})
    number = result["ticket"]["number"]
    stored = (await desk.live.ticket(number))["messages"][0]["text"]
    assert "<script>" in stored and "onerror" in stored

    await sign_in_supervisor(page, desk)
    await page.get_by_role("button", name="All", exact=True).click()
    await page.locator(f'#ticket-list [data-number="{number}"]').click()
    await expect(page.locator("#thread .message-in .message-text")).to_have_text(stored)
    await expect(page.locator("#ticket-meta")).to_contain_text(HOSTILE_NAME)

    assert await page.locator("#main img, #main script").count() == 0
    await page.wait_for_timeout(300)  # time for a broken image's onerror, had one been made
    assert await page.evaluate("typeof window.__pwned") == "undefined"


async def test_a_supervisor_sees_the_complaint_in_the_dashboard_charts(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    result = await desk.complain(DELIVERY_EN)
    category = result["ticket"]["category"]
    desk.clock.advance(minutes=5)  # the default period ends at the gateway's "now"

    await sign_in_supervisor(page, desk)
    await page.get_by_role("button", name="Dashboard").click()
    bars = page.locator("#chart-day rect.bar")
    await expect(bars).to_have_count(1)
    assert await bars.get_attribute("data-day") == desk.clock().date().isoformat()
    assert await bars.get_attribute("data-count") == "1"
    assert float(await bars.get_attribute("height") or 0) > 0
    await expect(page.locator("#stat-total")).to_have_text("1")
    category_bar = page.locator(f'#chart-category rect.hbar[data-name="{category}"]')
    await expect(category_bar).to_have_attribute("data-count", "1")
    await expect(page.locator("#chart-day svg")).to_have_attribute(
        "aria-label",
        "Complaints per day from 2026-10-24 to 2026-11-23: 1 in all, at most 1 in a day",
    )
    await expect(page.locator("#spike-list")).to_have_text("No open spike warnings.")


async def test_a_new_assignment_arrives_over_the_websocket_without_a_reload(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    await staff_anna(desk, online=True)
    await sign_in(page, desk.url, "anna")
    await expect(page.locator("#queue-status")).to_have_text("No tickets here.")
    await page.evaluate("window.__sameDocument = true")

    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    pushed = page.locator('#feed-list [data-type="ticket_assigned"]')
    await expect(pushed).to_contain_text(number)
    await expect(page.locator(f'#ticket-list [data-number="{number}"]')).to_be_visible()
    assert await page.evaluate("window.__sameDocument") is True

    await pushed.get_by_role("button", name=number).click()  # the feed opens the ticket
    await expect(page.locator("#ticket-number")).to_have_text(number)


BILLING_RU = "Меня дважды списали деньги за заказ 20261103558799, верните, пожалуйста"
LATE_PARCEL = (
    "My parcel is lost: the tracking page has not changed since Friday and the courier "
    "never answers"
)


async def test_the_queue_puts_what_is_due_first_with_names_and_previews_and_searches(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    newer = await desk.complain(LATE_PARCEL, sender={"id": "c-1", "name": "Olga Petrova"})
    # Arrives later but was sent two hours earlier: its first response is due sooner.
    earlier_at = (desk.clock() - timedelta(hours=2)).isoformat()
    older = await desk.complain(
        BILLING_RU, sender={"id": "c-2", "name": "Иван Смирнов"}, received_at=earlier_at
    )
    numbers = [older["ticket"]["number"], newer["ticket"]["number"]]

    await sign_in_supervisor(page, desk)
    cards = page.locator("#ticket-list .ticket-item")
    await expect(cards).to_have_count(2)
    assert [await c.get_attribute("data-number") for c in await cards.all()] == numbers
    await expect(cards.nth(0).locator(".customer-name")).to_have_text("Иван Смирнов")
    await expect(cards.nth(0).locator(".preview")).to_have_text(BILLING_RU)
    await expect(cards.nth(1).locator(".customer-name")).to_have_text("Olga Petrova")
    await expect(cards.nth(0)).to_have_attribute("data-unread", "true")
    await expect(cards.nth(0).locator(".countdown")).to_contain_text(re.compile(r"left|overdue"))

    await page.get_by_label("Search tickets").fill("tracking page")
    await expect(cards).to_have_count(1)
    await expect(cards.nth(0)).to_have_attribute("data-number", numbers[1])
    await page.get_by_label("Search tickets").fill("Смирнов")
    await expect(cards.nth(0)).to_have_attribute("data-number", numbers[0])
    await expect(cards).to_have_count(1)

    await cards.nth(0).click()  # opening it marks it read
    await expect(cards.nth(0)).to_have_attribute("data-unread", "false")


async def test_only_the_lifecycle_s_next_statuses_can_be_clicked(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    assert (await desk.status(number, "resolved"))[0] == 200

    await sign_in_supervisor(page, desk)
    await page.locator(f'#ticket-list [data-number="{number}"]').click()
    await expect(page.locator("#ticket-number")).to_have_text(number)
    # resolved → closed or reopened only
    for label in ("In progress", "Wait for customer", "Resolve"):
        await expect(page.get_by_role("button", name=label, exact=True)).to_be_disabled()
    await expect(page.get_by_role("button", name="Close", exact=True)).to_be_enabled()
    await page.get_by_role("button", name="Reopen", exact=True).click()
    await expect(page.locator("#ticket-badges")).to_contain_text("reopened")
    await expect(page.get_by_role("button", name="Resolve", exact=True)).to_be_enabled()
    await expect(page.get_by_role("button", name="Reopen", exact=True)).to_be_disabled()
    ledger = page.locator('#ledger [data-type="status_changed"] .event-text')
    await expect(ledger.last).to_have_text("Status changed from resolved to reopened")


async def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    await with_password(desk, "test-agent")
    await page.goto(f"{desk.url}/console")
    await page.get_by_label("Name").fill("test-agent")
    for attempt in range(MAX_FAILED_SIGN_INS):
        await page.get_by_label("Password").fill(f"wrong password {attempt}")
        await page.get_by_role("button", name="Sign in").click()
        expected = "Wrong name or password." if attempt < MAX_FAILED_SIGN_INS - 1 else "locked"
        await expect(page.locator("#login-error")).to_contain_text(expected)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#login-error")).to_have_text(
        "Too many wrong passwords: this account is locked for 15 min."
    )
    assert await page.locator("#main").is_hidden()

    desk.clock.advance(minutes=16)  # the lockout ends by itself
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#who")).to_have_text("test-agent (agent)")


async def test_an_internal_note_is_shown_to_staff_and_never_queued_for_the_customer(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    note = "Courier hotline says the parcel is in the depot; do not promise a date yet."

    await sign_in_supervisor(page, desk)
    await page.locator(f'#ticket-list [data-number="{number}"]').click()
    await page.get_by_label("Internal note").fill(note)
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator('#thread [data-kind="internal_note"] .message-text')).to_have_text(
        note
    )
    queued = await desk.live.database.read(
        lambda conn: conn.execute(sa.select(outbox.c.text)).scalars().all()
    )
    assert queued and not any(note in text for text in queued)  # the acknowledgement only
    ticket = await desk.live.ticket(number)
    assert all(note not in m["text"] for m in ticket["messages"])
    assert [e["data"] for e in ticket["events"] if e["type"] == "internal_note"] == [{"text": note}]


async def test_a_canned_reply_in_russian_fills_the_customer_s_name(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    result = await desk.complain(BILLING_RU, sender={"id": "c-2", "name": "Иван Смирнов"})
    number = result["ticket"]["number"]
    assert (await desk.live.ticket(number))["language"] == "ru"

    await sign_in_supervisor(page, desk)
    await page.locator(f'#ticket-list [data-number="{number}"]').click()
    canned = page.get_by_label("Canned reply")
    await expect(canned.locator("option")).to_have_count(4)  # a prompt and three replies
    await canned.select_option("need_order_number")
    reply = page.get_by_label("Reply to the customer")
    await expect(reply).to_have_value(
        f"Уважаемый(ая) Иван Смирнов, чтобы разобраться по обращению {number}, нам нужен "
        "номер заказа. Пришлите его, пожалуйста. — test-supervisor"
    )

    # The console's own words follow the member's language, the customer's text does not.
    await page.get_by_label("Language").select_option("ru")
    await expect(page.locator("#reply-send")).to_have_text("Отправить ответ")
    await expect(page.locator("#status-buttons [data-status='resolved']")).to_have_text("Решено")
    await expect(page.locator("#thread .message-in .message-text")).to_have_text(BILLING_RU)


async def test_a_transfer_moves_the_ticket_to_another_agent_who_is_told_at_once(
    page: Page, browser: Browser, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    await desk.add_agents("anna", "boris")
    await desk.put_policy(
        logistics_policy(
            {"name": "anna", "languages": ["en"]}, {"name": "boris", "languages": ["en", "ru"]}
        )
    )
    await desk.presence("anna", "online")
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    assert (await desk.live.ticket(number))["assignee"] == "anna"
    await with_password(desk, "anna")
    await with_password(desk, "boris")

    boris_context = await browser.new_context()
    try:
        boris = await boris_context.new_page()
        await sign_in(boris, desk.url, "boris")
        await sign_in(page, desk.url, "anna")
        await page.locator(f'#ticket-list [data-number="{number}"]').click()
        await page.get_by_label("Transfer to").select_option("agent:boris")
        await page.get_by_role("button", name="Transfer", exact=True).click()
        await expect(page.locator("#notice")).to_contain_text(f"{number} transferred: boris")

        pushed = boris.locator('#feed-list [data-type="ticket_assigned"]')
        await expect(pushed).to_contain_text(number)
        await expect(boris.locator(f'#ticket-list [data-number="{number}"]')).to_be_visible()
        ticket = await desk.live.ticket(number)
        assert ticket["assignee"] == "boris"
        moves = [e for e in ticket["events"] if e["type"] == "assigned"]
        assert moves[-1]["actor"] == "anna" and moves[-1]["data"]["reason"] == "transfer"
    finally:
        await boris_context.close()


async def test_the_on_time_rate_counts_an_open_ticket_that_missed_its_first_response(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    ticket = await desk.live.ticket(number)
    first_due = datetime.fromisoformat(ticket["first_response_due"])
    assert datetime.fromisoformat(ticket["resolution_due"]) > first_due + timedelta(minutes=1)
    desk.clock.now = first_due + timedelta(minutes=1)  # unanswered, still open
    await desk.monitor()
    assert (await desk.live.ticket(number))["escalation"] == "breached"

    await sign_in_supervisor(page, desk)
    await page.get_by_role("button", name="Dashboard").click()
    await expect(page.locator("#stat-timely")).to_have_text("0%")
    await expect(page.locator("#stat-timely-detail")).to_have_text("0 of 1 decided")
    logistics = page.locator('#holders tr[data-kind="department"]')
    await expect(logistics).to_contain_text("0% (0 of 1)")
    await expect(page.locator('#chart-backlog rect[data-status="new"]')).to_have_attribute(
        "data-count", "1"
    )


async def test_the_ticket_export_downloads_the_period_s_tickets_as_csv(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    first = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    second = (await desk.complain(BILLING_RU, sender={"id": "c-2", "name": "=HYPERLINK(1)"}))[
        "ticket"
    ]["number"]
    assert (await desk.status(first, "resolved"))[0] == 200
    desk.clock.advance(minutes=5)

    await sign_in_supervisor(page, desk)
    await page.get_by_role("button", name="Dashboard").click()
    await expect(page.locator("#stat-total")).to_have_text("2")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Export tickets (CSV)").click()
    download = await waiting.value
    path = await download.path()
    text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["number"] for r in rows] == [first, second]
    assert rows[0]["status"] == "resolved" and rows[1]["status"] in ("new", "assigned")
    assert rows[1]["customer"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it
    assert rows[0]["created_at"].endswith("+08:00")  # business time, like the console
    assert download.suggested_filename.startswith("tickets-")


async def test_a_category_correction_is_recorded_and_queued_for_the_administrators(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    result = await desk.complain(DELIVERY_EN)
    number = result["ticket"]["number"]
    assert result["ticket"]["category"] != "billing"

    await sign_in_supervisor(page, desk)
    await page.locator(f'#ticket-list [data-number="{number}"]').click()
    await page.locator("#correct-category").select_option("billing")
    await page.get_by_role("button", name="Record correction").click()
    corrected = page.locator('#ledger [data-type="corrected"] .event-text')
    await expect(corrected).to_contain_text("Corrected the category from")
    assert (await desk.live.ticket(number))["category"] == "billing"
    async with desk.live.http.get(
        f"{desk.url}/api/v1/admin/nlu/corrections", headers=desk.live.auth("admin")
    ) as resp:
        queued = (await resp.json())["corrections"]
    assert [(c["to"], c["text"]) for c in queued] == [("billing", DELIVERY_EN)]

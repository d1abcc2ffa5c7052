"""The agent console in a real browser (Debian's headless Chromium through Playwright)
against a real gateway on loopback: sign-in, the queue, a ticket, a reply, pushes over the
staff websocket, the supervisor dashboard, and customer markup kept inert."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import require_service
from tests.handoff.conftest import Desk, logistics_policy

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # the skip below names the reason
    async_playwright = None  # type: ignore[assignment]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

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


@pytest_asyncio.fixture
async def browser(browser_installed: None) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


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


async def sign_in(page: Page, url: str, token: str) -> None:
    await page.goto(f"{url}/console")
    await page.get_by_label("Staff API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")


async def staff_anna(desk: Desk, *, online: bool) -> str:
    await desk.add_agents("anna")
    await desk.put_policy(logistics_policy({"name": "anna", "languages": ["en"]}))
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
    await sign_in(page, desk.url, token)
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

    await page.get_by_role("button", name="Wait for customer").click()
    await expect(page.locator("#ticket-badges")).to_contain_text("waiting customer")
    assert (await desk.live.ticket(number))["status"] == "waiting_customer"
    await page.get_by_role("button", name="Take over from bot").click()
    await expect(page.get_by_role("button", name="Hand back to bot")).to_be_visible()
    assert (await desk.live.ticket(number))["handled_by"] == "agent"

    # The token is in the tab's sessionStorage only: not in the address, not in a cookie.
    assert await page.evaluate("sessionStorage.getItem('complaint-desk.token')") == token
    assert token not in page.url
    assert await page.context.cookies() == []


async def test_customer_markup_is_shown_as_text_and_never_runs(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    result = await desk.complain(HOSTILE, sender={"id": "mallory", "name": HOSTILE_NAME})
    number = result["ticket"]["number"]
    stored = (await desk.live.ticket(number))["messages"][0]["text"]
    assert "<script>" in stored and "onerror" in stored

    await sign_in(page, desk.url, desk.live.tokens["supervisor"])
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

    await sign_in(page, desk.url, desk.live.tokens["supervisor"])
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
    token = await staff_anna(desk, online=True)
    await sign_in(page, desk.url, token)
    await expect(page.locator("#queue-status")).to_have_text("No tickets here.")
    await page.evaluate("window.__sameDocument = true")

    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    pushed = page.locator('#feed-list [data-type="ticket_assigned"]')
    await expect(pushed).to_contain_text(number)
    await expect(page.locator(f'#ticket-list [data-number="{number}"]')).to_be_visible()
    assert await page.evaluate("window.__sameDocument") is True

    await pushed.get_by_role("button", name=number).click()  # the feed opens the ticket
    await expect(page.locator("#ticket-number")).to_have_text(number)

"""Notifications since the last visit, on sign-in (Chromium through Playwright): what was
assigned to an agent while her console was closed is waiting for her, in business time."""

from __future__ import annotations

from tests.handoff.conftest import Desk
from tests.handoff.test_console import (
    DELIVERY_EN,
    browser,
    browser_installed,
    chromium,
    page,
    sign_in,
    staff_anna,
)

try:
    from playwright.async_api import Page, expect
except ImportError:  # the `browser` fixture skips and names the reason
    pass

__all__ = ["browser", "browser_installed", "chromium", "page"]


async def test_what_was_assigned_while_away_is_shown_on_the_next_sign_in(
    page: Page, sqlite_desk: Desk
) -> None:
    desk = sqlite_desk
    await staff_anna(desk, online=False)
    queued = (await desk.complain(DELIVERY_EN))["ticket"]["number"]  # nobody online yet
    await sign_in(page, desk.url, "anna")
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await expect(page.locator("#login")).to_be_visible()

    await desk.presence("anna", "online")  # her console is closed; work goes on
    number = (await desk.complain("The courier threw my parcel over the fence"))["ticket"]["number"]
    await sign_in(page, desk.url, "anna")
    marker = page.locator("#feed-list .feed-marker")
    assigned = page.locator('#feed-list [data-type="ticket_assigned"]')
    # Both reached her while away: the queued one when she came online, then the new one.
    for each in (queued, number):
        await expect(assigned.filter(has_text=each)).to_have_count(1)
    await expect(marker).to_have_attribute("data-count", "2")
    await expect(assigned.filter(has_text=number).locator("time")).to_contain_text("+08:00")

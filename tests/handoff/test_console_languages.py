"""The console in Russian and Chinese (Chromium through Playwright): after the member picks a
language, no English word is left in what the console itself says, on the desk or the
dashboard. Customer text and names are the customer's and are left out of the check."""

from __future__ import annotations

import re

import pytest

from tests.handoff.conftest import Desk
from tests.handoff.test_console import (
    browser,
    browser_installed,
    chromium,
    page,
    sign_in_supervisor,
)

try:
    from playwright.async_api import Page, expect
except ImportError:  # the `browser` fixture skips and names the reason
    pass

__all__ = ["browser", "browser_installed", "chromium", "page"]

COMPLAINT_RU = "Курьер нагрубил и бросил посылку у двери, коробка разбита. Заказ 20261103558712"
#: Words that are the same in every language: product names and abbreviations.
SAME_EVERYWHERE = {"API", "CSV", "SLA", "Telegram"}
#: What the customer or a member wrote, and names: not the console's own words.
NOT_OURS = "#thread .message-text, #ticket-meta dd, #who, .ticket-item, #earlier"

VISIBLE_TEXT = """(skip) => {
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip) || !parent.checkVisibility()) continue;
    if (parent.closest("select") && !parent.selected) continue;
    words.push(node.textContent);
  }
  for (const node of document.querySelectorAll("[aria-label], [placeholder], [title]")) {
    if (node.closest(skip) || !node.checkVisibility()) continue;
    words.push(node.getAttribute("aria-label") || "", node.getAttribute("title") || "");
  }
  return words.join(" \\n ");
}"""


async def _english_words(page: Page, ignore: set[str]) -> set[str]:
    text = await page.evaluate(VISIBLE_TEXT, NOT_OURS)
    return {w for w in re.findall(r"[A-Za-z]{3,}", text)} - SAME_EVERYWHERE - ignore


@pytest.mark.parametrize(
    ("language", "resolve"), [("ru", "Решено"), ("zh-Hans", "已解决"), ("zh-Hant", "已解決")]
)
async def test_no_english_is_left_once_a_member_picks_another_language(
    page: Page, sqlite_desk: Desk, language: str, resolve: str
) -> None:
    desk = sqlite_desk
    result = await desk.complain(COMPLAINT_RU, sender={"id": "c-9", "name": "Анна Петрова"})
    number = result["ticket"]["number"]
    desk.clock.advance(minutes=5)
    await sign_in_supervisor(page, desk)
    ours = {"test", "supervisor", "YYYYMM"}  # the member's own name; the number's pattern
    await page.get_by_label("Language").select_option(language)
    await page.locator(".filter[data-filter='all']").click()
    await page.locator(f'#ticket-list [data-number="{number}"]').click()
    await expect(page.locator("#status-buttons [data-status='resolved']")).to_have_text(resolve)
    await page.locator("#ledger").evaluate("l => l.closest('details').open = true")
    assert await _english_words(page, ours) == set()

    await page.locator("#tab-dashboard").click()
    await expect(page.locator("#stat-total")).to_have_text("1")
    await expect(page.locator("#chart-category svg")).to_be_visible()
    assert await _english_words(page, ours) == set()

"""The model versions page in Chromium: each version with its scores, and a sentence tried
on the model in use and a candidate side by side."""

from __future__ import annotations

import re

from tests.admin.test_admin_pages import desk, page
from tests.admin.test_model_versions_api import NEW_WORD, train_on_the_small_set
from tests.handoff.conftest import Desk
from tests.handoff.test_console import browser, browser_installed, chromium

try:
    from playwright.async_api import Page, expect
except ImportError:  # browser_installed skips (or fails in CI) with the reason
    pass

__all__ = ["browser", "browser_installed", "chromium", "desk", "page"]


def _percent(text: str) -> float:
    return float(text.rstrip("%"))


async def test_versions_show_their_scores_and_a_sentence_is_tried_on_two(
    page: Page, desk: Desk
) -> None:
    trained = await train_on_the_small_set(desk)
    await page.get_by_role("link", name="Models").click()
    rows = page.locator("#models tbody tr")
    await expect(rows).to_have_count(2)
    new, old = rows.nth(0), rows.nth(1)
    await expect(new).to_have_attribute("data-version", trained)
    await expect(new).to_contain_text("in use")
    # Scored one after the other as the page asks; the shipped nine intents beat three.
    for row in (new, old):
        await expect(row.locator('[data-score="macro_f1"]')).to_have_text(
            re.compile(r"\d+(\.\d)?%"), timeout=60_000
        )
        await expect(row.locator('[data-score="zh-Hant"]')).not_to_have_text("–")
    old_f1 = _percent(await old.locator('[data-score="macro_f1"]').inner_text())
    new_f1 = _percent(await new.locator('[data-score="macro_f1"]').inner_text())
    assert old_f1 > new_f1

    await page.get_by_label("Sentence to try").fill(NEW_WORD)
    old_version = await old.get_attribute("data-version")
    await expect(page.locator("#try-candidate")).to_have_value(old_version or "")
    await page.get_by_role("button", name="Try").click()
    current = page.locator('#try-result [data-side="current"]')
    candidate = page.locator('#try-result [data-side="candidate"]')
    await expect(current.locator("h4")).to_have_text(f"In use: {trained}")
    await expect(current.locator('[data-field="intent"]')).to_contain_text("billing")
    await expect(candidate.locator("h4")).to_have_text(f"Candidate: {old_version}")
    await expect(candidate.locator('[data-field="intent"]')).not_to_contain_text("billing")

"""The admin pages in a real browser (Debian's headless Chromium through Playwright) against
a real gateway on loopback: one Chromium for the module (the console tests' fixtures), a
fresh gateway and context per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from tests.admin.test_nlu_api import SMALL, put_yaml
from tests.admin.test_staff_api import DELIVERY_EN, call
from tests.handoff.conftest import Desk
from tests.handoff.test_console import browser, browser_installed, chromium

try:
    from playwright.async_api import Browser, Page, expect
except ImportError:  # browser_installed skips (or fails in CI) with the reason
    pass

__all__ = ["browser", "browser_installed", "chromium"]


@pytest_asyncio.fixture
async def desk(sqlite_desk: Desk) -> Desk:
    return sqlite_desk


@pytest_asyncio.fixture
async def page(browser: Browser, desk: Desk) -> AsyncIterator[Page]:
    """A tab signed in as the administrator; fails the test on a script error or CSP report."""
    context = await browser.new_context()
    tab = await context.new_page()
    tab.set_default_timeout(10_000)
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    tab.on("console", on_console)
    await tab.goto(f"{desk.url}/admin")
    await tab.get_by_label("Administrator API token").fill(desk.live.tokens["admin"])
    await tab.get_by_role("button", name="Sign in").click()
    await expect(tab.locator("#staff")).to_be_visible()
    try:
        yield tab
        assert problems == []
    finally:
        await context.close()


async def open_acknowledgement(page: Page) -> None:
    await page.get_by_role("link", name="Reply templates").click()
    await expect(page.locator("#template-preview")).to_contain_text("Alex Chen")
    await page.locator("#template-language").select_option("en")
    await page.locator("#template-name").select_option("acknowledgement")


async def test_an_edited_english_acknowledgement_is_the_next_complaints_reply(
    page: Page, desk: Desk
) -> None:
    await open_acknowledgement(page)
    await page.locator("#template-text").fill(
        "Hello {{ customer_name }}, ticket {{ ticket_number }}."
    )
    await expect(page.locator("#template-preview")).to_have_text(
        "Hello Alex Chen, ticket CMP-202612-000123."
    )
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#status")).to_contain_text("Saved en/acknowledgement")

    reply = (await desk.complain(DELIVERY_EN))["reply"]["text"]
    assert reply.startswith("Hello Test Customer, ticket ")


async def test_a_broken_template_is_refused_on_the_page(page: Page, desk: Desk) -> None:
    await open_acknowledgement(page)
    await page.locator("#template-text").fill("Ticket {{ ticket_number }")
    await expect(page.locator("#template-problem")).to_contain_text("syntax error on line 1")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#status")).to_contain_text("Not saved")

    _, listed = await call(desk, "GET", "/api/v1/admin/templates")
    english = next(
        t for t in listed["templates"] if (t["language"], t["name"]) == ("en", "acknowledgement")
    )
    assert english["source"] == "shipped"
    assert (await desk.complain(DELIVERY_EN))["reply"]["text"].startswith("Thank you")


async def test_a_new_agent_added_on_the_staff_page_receives_the_next_ticket(
    page: Page, desk: Desk
) -> None:
    form = page.locator("#add-staff")
    await form.get_by_label("Name").fill("nora")
    await form.get_by_label("Role").select_option("agent")
    await form.get_by_role("button", name="Add").click()
    token = await page.locator("#new-token code").text_content()
    assert token and token.startswith("cgw_")
    await expect(page.locator("#staff tr[data-name=nora]")).to_contain_text("active")

    desk.agent_tokens["nora"] = token
    await desk.presence("nora", "online")
    result = await desk.complain(DELIVERY_EN)
    assert (await desk.live.ticket(result["ticket"]["number"]))["assignee"] == "nora"


async def test_examples_for_a_new_word_trained_with_a_progress_bar_change_the_parse(
    page: Page, desk: Desk
) -> None:
    assert (await put_yaml(desk, SMALL))[0] == 200  # a small data set trains in seconds
    await page.get_by_role("link", name="Intents").click()
    form = page.locator("#add-example")
    for text in ("zorbulated my account", "they zorbulated the payment"):
        await form.get_by_label("Intent").fill("billing")
        await form.get_by_label("Example").fill(text)
        await form.get_by_role("button", name="Add example").click()
        await expect(page.locator("#examples")).to_contain_text(text)

    await page.get_by_role("button", name="Train a new model").click()
    await expect(page.locator("#training-progress")).to_be_visible()
    await expect(page.locator("#training-state")).to_contain_text("done", timeout=120_000)
    async with desk.live.http.post(
        f"{desk.url}/model/parse", json={"text": "you zorbulated me"}
    ) as resp:
        assert (await resp.json())["intent"]["name"] == "billing"


async def test_an_agents_category_correction_appears_in_the_review_queue(
    page: Page, desk: Desk
) -> None:
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    status, _ = await call(
        desk, "PATCH", f"/api/v1/tickets/{number}", {"category": "billing"}, role="agent"
    )
    assert status == 200
    await page.get_by_role("link", name="Intents").click()
    row = page.locator("#corrections tr", has_text=number)
    await expect(row).to_contain_text("category: delivery → billing")
    await expect(page.locator("#corrections-per-intent")).to_contain_text("delivery")
    await row.get_by_role("button", name="Accept").click()
    await expect(page.locator("#status")).to_contain_text("Accepted as a training example")
    await expect(page.locator("#corrections tr", has_text=number)).to_have_count(0)


async def test_the_evaluation_page_draws_the_confusions_as_a_heat_map(page: Page) -> None:
    await page.get_by_role("link", name="Evaluation").click()
    await expect(page.locator("#intent-f1")).to_contain_text("delivery", timeout=60_000)
    assert await page.locator("#confusion td.heat").count() >= 4

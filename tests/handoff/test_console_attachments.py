"""Files a customer attaches in the chat widget, as the agent sees them in the console
(Debian's Chromium through Playwright): the photo inline, the PDF as a download."""

from __future__ import annotations

try:
    from playwright.async_api import Browser, Page, expect
except ImportError:  # the `browser` fixture skips and names the reason
    pass

from tests.handoff.conftest import Desk
from tests.handoff.test_attachment_route import PDF, PNG
from tests.handoff.test_console import (  # noqa: F401 (fixtures)
    browser,
    browser_installed,
    chromium,
    page,
    sign_in_supervisor,
)

COMPLAINT = "The parcel arrived crushed, photos and the invoice attached. Order 20261103558712"


async def _customer_sends_files(chrome: Browser, url: str) -> str:
    """A customer on the full-page chat complains and attaches a photo and a PDF."""
    context = await chrome.new_context()
    chat = await context.new_page()
    chat.set_default_timeout(10_000)
    await chat.goto(f"{url}/chat")
    await chat.locator('[data-cgw="input"]').fill(COMPLAINT)
    await chat.locator('[data-cgw="send"]').click()
    customer = chat.locator('[data-cgw="message"][data-author="customer"]')
    await expect(chat.locator('[data-cgw="ticket"]')).not_to_be_empty()
    await chat.locator('[data-cgw="file"]').set_input_files(
        [
            {"name": "crushed box.png", "mimeType": "image/png", "buffer": PNG},
            {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ]
    )
    await expect(customer).to_have_count(3)
    for n in (1, 2):
        await expect(customer.nth(n)).to_have_attribute("data-state", "sent")
    number = (await chat.locator('[data-cgw="ticket"]').inner_text()).split()[-1]
    await context.close()
    return number


async def test_the_agent_sees_the_photo_inline_and_the_pdf_as_a_download(
    browser: Browser,  # noqa: F811
    page: Page,  # noqa: F811
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    number = await _customer_sends_files(browser, desk.url)

    await sign_in_supervisor(page, desk)
    await page.get_by_role("button", name="All", exact=True).click()
    await page.locator(f'#ticket-list [data-number="{number}"]').click()
    await expect(page.locator("#ticket-number")).to_have_text(number)

    image = page.locator('#thread img[data-attachment="image"]')
    await expect(image).to_have_attribute("alt", "crushed box.png")
    # Loaded through the staff route with the session cookie: a real 1×1 picture.
    assert await image.evaluate("i => i.decode().then(() => i.naturalWidth)") == 1
    link = page.locator('#thread a[data-attachment="file"]')
    await expect(link).to_have_text("invoice.pdf")
    await expect(link).to_have_attribute("download", "invoice.pdf")
    async with page.expect_download() as info:
        await link.click()
    download = await info.value
    assert download.suggested_filename == "invoice.pdf"
    assert open(await download.path(), "rb").read() == PDF  # noqa: ASYNC230 (a test's file)
    assert await page.locator("#thread embed, #thread iframe, #thread object").count() == 0

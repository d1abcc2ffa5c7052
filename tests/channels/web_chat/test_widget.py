"""The chat widget in a real browser (Debian's Chromium through Playwright), embedded in a
page of another origin (a second local server playing the company's site), against a real
gateway on loopback. One browser, one gateway and the sites are shared by the module; each
test has its own browser context, so its own storage and session."""

from __future__ import annotations

import gzip
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.settings import load_settings
from gateway.store.staff import add_staff
from handoff.keys import MONITOR
from tests.conftest import (
    LiveGateway,
    copy_models,
    eventually,
    require_service,
    running_gateway,
)
from tests.handoff.conftest import MovableClock

try:
    from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
except ImportError:  # the skip below names the reason
    async_playwright = None  # type: ignore[assignment]

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
COMPLAINT = "My parcel never arrived, the courier says it was delivered. Order 20261103558712"
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'

SITE_PAGE = """<!doctype html><meta charset="utf-8"><title>Shop</title>
<style>* {{ color: red !important; font-size: 40px !important }} div {{ display: none }}</style>
<h1>Company site</h1>
<script src="{gateway}/widget.js" async {attrs}></script>"""


@dataclass
class Stage:
    live: LiveGateway
    clock: MovableClock
    site: str  # allowed by GATEWAY_WEB_CHAT_ORIGINS
    stranger: str  # not allowed
    browser: Browser

    async def open_site(self, base: str | None = None, **context: Any) -> Page:
        ctx: BrowserContext = await self.browser.new_context(**context)
        page = await ctx.new_page()
        page.set_default_timeout(10_000)
        await page.goto(f"{base or self.site}/")
        return page


@pytest.fixture(scope="module")
def module_data(tmp_path_factory: pytest.TempPathFactory, trained_models: Path) -> Path:

    data = tmp_path_factory.mktemp("widget") / "data"
    copy_models(trained_models, data / "models")
    return data


async def _site() -> tuple[TestServer, dict[str, str]]:
    """The company's site: a page that embeds the widget from the gateway."""
    box: dict[str, str] = {}

    async def page(request: web.Request) -> web.Response:
        attrs = " ".join(f'data-{k}="{v}"' for k, v in request.query.items())
        text = SITE_PAGE.format(gateway=box["gateway"], attrs=attrs)
        return web.Response(text=text, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, box


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stage(module_data: Path) -> AsyncIterator[Stage]:
    require_service(async_playwright is not None, "playwright is not installed")
    require_service(os.access(CHROMIUM, os.X_OK), f"Chromium is not at {CHROMIUM}")
    site, site_box = await _site()
    stranger, stranger_box = await _site()
    site_url = str(site.make_url("")).rstrip("/")
    # The other site differs by host name only: localhost is a separate origin.
    stranger_url = str(stranger.make_url("")).rstrip("/").replace("127.0.0.1", "localhost")
    settings = load_settings(
        data_dir=module_data,
        web_chat_origins=[site_url],
        web_chat_attachment_max_bytes=64 * 1024,
        monitor_interval_seconds=3600,
    )
    clock = MovableClock(datetime.now(UTC))
    try:
        async with running_gateway(settings, clock) as live, async_playwright() as pw:
            site_box["gateway"] = stranger_box["gateway"] = live.url
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield Stage(live, clock, site_url, stranger_url, browser)
            finally:
                await browser.close()
    finally:
        await site.close()
        await stranger.close()


def messages(page: Page, author: str) -> Any:
    return page.locator(f'[data-cgw="message"][data-author="{author}"]')


async def send(page: Page, text: str) -> None:
    await page.locator('[data-cgw="input"]').fill(text)
    await page.locator('[data-cgw="send"]').click()


async def complain_in_widget(page: Page, text: str = COMPLAINT) -> str:
    """Opens the widget, sends a complaint, waits for the acknowledgement: its ticket."""
    await page.locator('[data-cgw="launcher"]').click()
    await send(page, text)
    await expect(messages(page, "bot")).to_have_count(1)
    return await page.locator('[data-cgw="ticket"]').inner_text()


async def agent_reply(stage: Stage, number: str, text: str, token: str | None = None) -> None:
    """An agent's reply on the ticket, through the API the console uses (the test agent's
    token unless another staff member's is given)."""
    headers = {"Authorization": f"Bearer {token}"} if token else stage.live.auth("agent")
    async with stage.live.http.post(
        f"{stage.live.url}/api/v1/tickets/{number}/replies", json={"text": text}, headers=headers
    ) as resp:
        assert resp.status == 201, await resp.text()


async def ticket_texts(live: LiveGateway, number: str) -> list[str]:
    return [m["text"] for m in (await live.ticket(number))["messages"] if m["direction"] == "in"]


async def test_the_script_is_small_compressed_and_the_launcher_shows_fast(stage: Stage) -> None:
    async with stage.live.http.get(
        f"{stage.live.url}/widget.js", headers={"Accept-Encoding": "gzip"}
    ) as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        body = await resp.read()  # aiohttp decodes it
    assert len(gzip.compress(body, 9)) <= 30 * 1024
    ctx = await stage.browser.new_context()
    # Timed in the page from its first script on: the first animation frame it shows on.
    await ctx.add_init_script(
        "(function look() { const b = document.querySelector('[data-cgw=root]')?.shadowRoot"
        "?.querySelector('[data-cgw=launcher]'); "
        "if (b && b.checkVisibility()) window.__shown = performance.now(); "
        "else requestAnimationFrame(look); })()"
    )
    page = await ctx.new_page()
    await page.goto(f"{stage.site}/")
    await expect(page.locator('[data-cgw="launcher"]')).to_be_visible()
    shown = await page.evaluate("window.__shown")
    assert shown is not None
    arrived = await page.evaluate(
        "performance.getEntriesByType('resource').find(e => e.name.endsWith('/widget.js'))"
        ".responseEnd"
    )
    print(f"launcher visible {shown:.0f} ms after navigation start (script in at {arrived:.0f})")
    # The host page's CSS (every div hidden, red 40px text) does not reach the widget.
    launcher = page.locator('[data-cgw="launcher"]')
    assert await launcher.evaluate("e => getComputedStyle(e).fontSize") == "15px"
    await page.context.close()


async def test_a_complaint_gets_the_acknowledgement_with_its_ticket_number(stage: Stage) -> None:
    page = await stage.open_site()
    badge = await complain_in_widget(page)
    number = badge.split()[-1]
    bot = messages(page, "bot").first
    await expect(bot).to_contain_text(number)
    await expect(messages(page, "customer").first).to_have_attribute("data-state", "sent")
    assert await ticket_texts(stage.live, number) == [COMPLAINT]
    await page.context.close()


async def test_a_message_sent_offline_is_delivered_once_when_back_online(stage: Stage) -> None:
    page = await stage.open_site()
    number = (await complain_in_widget(page)).split()[-1]
    await page.context.set_offline(True)
    await expect(page.locator('[data-cgw="status"]')).to_have_attribute("data-state", "offline")
    await send(page, "The box was also wet")
    follow_up = messages(page, "customer").nth(1)
    await expect(follow_up).to_have_attribute("data-state", "sending")
    await page.wait_for_timeout(300)  # an offline pause: nothing may leave
    assert await ticket_texts(stage.live, number) == [COMPLAINT]
    await page.context.set_offline(False)
    await expect(follow_up).to_have_attribute("data-state", "sent")
    await expect(messages(page, "bot")).to_have_count(2)
    assert await ticket_texts(stage.live, number) == [COMPLAINT, "The box was also wet"]
    await page.context.close()


async def test_a_reload_restores_the_chat_and_an_agent_reply_arrives_live_with_her_name(
    stage: Stage,
) -> None:
    page = await stage.open_site()
    number = (await complain_in_widget(page)).split()[-1]
    await page.reload()
    await expect(messages(page, "customer")).to_contain_text([COMPLAINT])
    await expect(messages(page, "bot")).to_have_count(1)
    await expect(page.locator('[data-cgw="status"]')).to_have_attribute("data-state", "online")
    token = await stage.live.database.write(add_staff, "Anna", "agent", stage.clock())
    await agent_reply(stage, number, "Anna here: the courier is checking today.", token)
    agent = messages(page, "agent")
    await expect(agent).to_have_count(1)
    await expect(agent.locator('[data-cgw="agent-name"]')).to_have_text("Anna")
    await expect(agent).to_contain_text("the courier is checking today")
    await expect(page.locator('[data-cgw="event"]')).to_contain_text("Anna")
    # Once: a second reload shows it again from storage, not twice.
    await page.reload()
    await expect(messages(page, "agent")).to_have_count(1)
    await page.context.close()


async def test_replies_written_while_the_page_was_closed_arrive_once_in_order(
    stage: Stage,
) -> None:
    """Whether the gateway has seen the socket close when the replies go out decides if
    they are kept for later or written to the dying socket; either way they arrive."""
    page = await stage.open_site()
    context = page.context
    number = (await complain_in_widget(page)).split()[-1]
    await page.close()  # the customer leaves; the browser keeps the session
    for text in ("First: we have called the courier.", "Second: a new parcel leaves today."):
        await agent_reply(stage, number, text)
    page = await context.new_page()
    await page.goto(f"{stage.site}/")
    agent = messages(page, "agent")
    await expect(agent).to_have_count(2)
    await expect(agent.nth(0)).to_contain_text("First")
    await expect(agent.nth(1)).to_contain_text("Second")
    await page.reload()
    await expect(page.locator('[data-cgw="status"]')).to_have_attribute("data-state", "online")
    await expect(messages(page, "agent")).to_have_count(2)
    await context.close()


async def test_replies_swallowed_by_a_dying_socket_come_back_after_a_reload(
    stage: Stage,
) -> None:
    """The socket looks open to the gateway, so the replies count as sent, but the page
    never gets them (a tab put to sleep, a network that drops silently). The browser
    resumes by its cookie; the widget names its last reply and the rest comes back."""
    page = await stage.open_site()
    dying: list[bool] = []

    async def route(ws: Any) -> None:
        server = ws.connect_to_server()
        ws.on_message(server.send)
        server.on_message(lambda frame: None if dying else ws.send(frame))

    await page.route_web_socket(re.compile(r".*/ws/chat.*"), route)
    number = (await complain_in_widget(page)).split()[-1]
    dying.append(True)
    for text in ("First: we have called the courier.", "Second: a new parcel leaves today."):
        await agent_reply(stage, number, text)

    async def written() -> bool:
        out = [m for m in (await stage.live.ticket(number))["messages"] if m["direction"] == "out"]
        # The acknowledgement was shown (the widget's receipt); the replies only sent.
        return [m["delivery"] for m in out] == ["delivered", "sent", "sent"]

    await eventually(written)
    assert await messages(page, "agent").count() == 0
    dying.clear()  # the reloaded page's socket is a healthy one
    await page.reload()
    agent = messages(page, "agent")
    await expect(agent).to_have_count(2)
    await expect(agent.nth(0)).to_contain_text("First")
    await expect(agent.nth(1)).to_contain_text("Second")
    await page.reload()
    await expect(page.locator('[data-cgw="status"]')).to_have_attribute("data-state", "online")
    await expect(messages(page, "agent")).to_have_count(2)
    await page.context.close()


async def test_the_survey_is_answered_by_a_tap(stage: Stage) -> None:
    page = await stage.open_site()
    number = (await complain_in_widget(page)).split()[-1]
    async with stage.live.http.post(
        f"{stage.live.url}/api/v1/tickets/{number}/status",
        json={"status": "resolved"},
        headers=stage.live.auth("supervisor"),
    ) as resp:
        assert resp.status == 200, await resp.text()
    stage.clock.advance(hours=25)
    await stage.live.app[MONITOR].run_once()
    five = page.locator('[data-cgw="choice"][data-value="5"]')
    await five.click()
    await expect(five).to_have_attribute("aria-pressed", "true")
    await expect(five).to_be_disabled()

    async def answered() -> Any:
        events = (await stage.live.ticket(number))["events"]
        return next((e for e in events if e["type"] == "survey_answered"), None)

    assert (await eventually(answered))["data"]["score"] == 5
    await page.context.close()


async def test_markup_from_a_customer_or_an_agent_stays_text(stage: Stage) -> None:
    page = await stage.open_site()
    number = (await complain_in_widget(page, f"{COMPLAINT} {HOSTILE}")).split()[-1]
    await agent_reply(stage, number, HOSTILE)
    await expect(messages(page, "agent")).to_have_count(1)
    await expect(messages(page, "agent")).to_contain_text(HOSTILE)
    await expect(messages(page, "customer")).to_contain_text(HOSTILE)
    root = page.locator('[data-cgw="root"]')
    assert await root.evaluate("h => h.shadowRoot.querySelectorAll('img, script').length") == 0
    assert await page.evaluate("window.__pwned") is None
    await page.context.close()


async def test_a_site_not_in_the_allowed_origins_is_refused(stage: Stage) -> None:
    for origin, status in ((stage.stranger, 403), (stage.site, 101)):
        try:
            async with stage.live.http.ws_connect(
                f"{stage.live.url}/ws/chat", headers={"Origin": origin}
            ):
                got = 101
        except aiohttp.WSServerHandshakeError as refused:
            got = refused.status
        assert got == status, origin
    page = await stage.open_site(stage.stranger)
    await page.locator('[data-cgw="launcher"]').click()
    await send(page, "Anyone there?")
    await expect(page.locator('[data-cgw="status"]')).to_have_attribute("data-state", "refused")
    await expect(messages(page, "customer")).to_have_attribute("data-state", "sending")
    await page.context.close()


async def test_a_rate_limit_frame_is_shown_and_the_message_is_sent_after_the_wait(
    stage: Stage,
) -> None:
    """The limiter itself is another module's; here the gateway's first answer to the
    message is replaced by its frame, as the limiter sends it."""
    ctx = await stage.browser.new_context()
    page = await ctx.new_page()
    limited: list[str] = []

    async def route(ws: Any) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if '"type": "message"' in str(message).replace('":"', '": "') and not limited:
                limited.append(str(message))
                ws.send(
                    '{"type":"error","error":{"code":"rate_limited",'
                    '"message":"slow down","retry_after":1}}'
                )
                return
            server.send(message)

        ws.on_message(from_page)

    await page.route_web_socket(f"{stage.live.url.replace('http', 'ws')}/ws/chat", route)
    await page.goto(f"{stage.site}/")
    await page.locator('[data-cgw="launcher"]').click()
    started = time.monotonic()
    await send(page, COMPLAINT)
    await expect(page.locator('[data-cgw="notice"]')).to_contain_text("1 s")
    await expect(messages(page, "customer")).to_have_attribute("data-state", "sent")
    assert time.monotonic() - started >= 0.9 and len(limited) == 1
    await expect(messages(page, "bot")).to_have_count(1)
    await ctx.close()


async def test_the_full_page_chat_on_a_phone(stage: Stage) -> None:
    ctx = await stage.browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ru-RU"
    )
    page = await ctx.new_page()
    response = await page.goto(f"{stage.live.url}/chat")
    assert (
        response is not None and "default-src 'self'" in response.headers["content-security-policy"]
    )
    panel = page.locator('[data-cgw="panel"]')
    await expect(panel).to_be_visible()
    box = await panel.bounding_box()
    assert box is not None and box["width"] == 390 and box["height"] == 844
    await expect(page.locator('[data-cgw="input"]')).to_have_attribute(
        "placeholder", "Опишите проблему…"
    )
    await page.locator('[data-cgw="input"]').fill("Мой заказ не доставили уже две недели")
    await page.locator('[data-cgw="send"]').tap()
    await expect(messages(page, "bot")).to_contain_text("Мы получили")
    await ctx.close()


async def test_with_nobody_online_it_asks_for_an_email_and_shows_an_agent_typing(
    stage: Stage,
) -> None:
    ctx = await stage.browser.new_context()
    page = await ctx.new_page()
    await page.goto(f"{stage.site}/?name=Li+Wei&order=20261103558712")  # pre-chat fields
    number = (await complain_in_widget(page)).split()[-1]
    await expect(page.locator('[data-cgw="notice"]')).to_contain_text("No agent is online")
    await page.locator('[data-cgw="email"]').fill("li.wei@example.test")
    await page.locator('[data-cgw="email"]').press("Enter")
    await expect(page.locator('[data-cgw="email-form"]')).to_be_hidden()
    await expect(messages(page, "customer").nth(1)).to_have_attribute("data-state", "sent")
    ticket = await stage.live.ticket(number)
    assert ticket["customer"]["name"] == "Li Wei"

    async def address_joined() -> bool:  # "sent" means stored; the pipeline joins it next
        return any("li.wei@example.test" in t for t in await ticket_texts(stage.live, number))

    await eventually(address_joined)

    async with stage.live.http.post(
        f"{stage.live.url}/api/v1/tickets/{number}/typing", headers=stage.live.auth("agent")
    ) as resp:
        assert resp.status == 202 and (await resp.json())["shown"] == 1
    await expect(page.locator('[data-cgw="typing"]')).to_have_text("test-agent is typing…")
    async with stage.live.http.post(
        f"{stage.live.url}/api/v1/tickets/NOPE-1/typing", headers=stage.live.auth("agent")
    ) as resp:
        assert resp.status == 404
    await ctx.close()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


async def test_a_photo_is_attached_stored_once_and_listed_on_the_ticket(stage: Stage) -> None:
    page = await stage.open_site()
    number = (await complain_in_widget(page)).split()[-1]
    files = page.locator('[data-cgw="file"]')
    photo_file = {"name": "broken box.png", "mimeType": "image/png", "buffer": PNG}
    await files.set_input_files([photo_file])
    photo = messages(page, "customer").nth(1)
    await expect(photo.locator('[data-cgw="file-name"]')).to_have_text("📎 broken box.png")
    await expect(photo).to_have_attribute("data-state", "sent")
    # A page that calls itself a PNG is refused: the type comes from the bytes.
    fake = b"<html><script>alert(1)</script></html>"
    await files.set_input_files([{"name": "fake.png", "mimeType": "image/png", "buffer": fake}])
    await expect(messages(page, "customer").nth(2)).to_have_attribute("data-state", "failed")
    await expect(page.locator('[data-cgw="notice"]')).to_contain_text("fake.png")

    attached = [m for m in (await stage.live.ticket(number))["messages"] if m.get("attachments")]
    assert len(attached) == 1
    [meta] = attached[0]["attachments"]
    assert meta["content_type"] == "image/png" and meta["filename"] == "broken box.png"
    assert meta["size"] == len(PNG) and len(meta["sha256"]) == 64
    await page.context.close()


async def test_an_upload_over_the_limit_or_without_a_session_is_refused(stage: Stage) -> None:
    url = f"{stage.live.url}/chat/attachments"
    session = {"X-Chat-Session": "s" * 43, "Origin": stage.site}
    too_big = PNG + b"\x00" * stage.live.settings.web_chat_attachment_max_bytes
    for headers, body, status in (
        (session, too_big, 413),
        ({"Origin": stage.site}, PNG, 401),
        ({**session, "Origin": stage.stranger}, PNG, 403),
        (session, PNG, 201),
    ):
        async with stage.live.http.post(url, data=body, headers=headers) as resp:
            assert resp.status == status, await resp.text()
    async with stage.live.http.ws_connect(f"{stage.live.url}/ws/chat") as ws:
        await ws.send_json({"type": "message", "text": "", "attachments": [{"sha256": "0" * 64}]})
        assert (await _frame(ws, "error"))["error"]["code"] == "invalid_attachment"


async def _frame(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        frame = await ws.receive_json(timeout=10)
        if frame["type"] == kind:
            return dict(frame)


async def test_the_chat_works_by_keyboard_and_announces_new_messages(stage: Stage) -> None:
    page = await stage.open_site()
    launcher = page.locator('[data-cgw="launcher"]')
    await launcher.focus()
    await page.keyboard.press("Enter")
    box = page.locator('[data-cgw="input"]')
    await expect(box).to_be_focused()
    await page.keyboard.type(COMPLAINT)
    await page.keyboard.press("Enter")
    await expect(messages(page, "bot")).to_have_count(1)
    log = page.locator('[data-cgw="log"]')
    await expect(log).to_have_attribute("aria-live", "polite")
    await expect(log).to_have_attribute("role", "log")
    await expect(box).to_have_attribute("aria-label", "Describe your problem…")
    await page.keyboard.press("Escape")
    await expect(page.locator('[data-cgw="panel"]')).to_be_hidden()
    await expect(launcher).to_be_focused()
    await page.context.close()


@pytest.mark.parametrize(
    ("locale", "launcher_text"),
    [
        ("zh-CN", "联系我们"),
        ("zh-TW", "聯絡我們"),
        ("ru-RU", "Написать нам"),
        ("de-DE", "Chat with us"),
    ],
)
async def test_the_widget_speaks_the_browser_language(
    stage: Stage, locale: str, launcher_text: str
) -> None:
    page = await stage.open_site(locale=locale)
    await expect(page.locator('[data-cgw="launcher"]')).to_have_text(launcher_text)
    await page.context.close()

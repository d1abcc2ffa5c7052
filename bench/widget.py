"""The chat widget's weight and how soon its launcher shows, in Debian's Chromium.

Prints the script's size (raw, gzip -9, and as the gateway sends it) and the median, min
and max time from navigation start to the first animation frame with the launcher visible,
over RUNS page loads, each in a fresh browser context (nothing cached), on a page of another
origin that embeds the widget with one tag. The gateway's widget routes are served alone
(a visitor who has not opened the chat opens no socket).

    nice -n 5 .venv/bin/python -m bench.widget [RUNS]
"""

from __future__ import annotations

import asyncio
import gzip
import statistics
import sys

import aiohttp
from aiohttp import web
from playwright.async_api import async_playwright

from channels.web_chat.pages import ChatPages

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
SITE = (
    '<!doctype html><meta charset="utf-8"><h1>Shop</h1><script src="{}/widget.js" async></script>'
)
LOOK = (
    "(function look() { const b = document.querySelector('[data-cgw=root]')?.shadowRoot"
    "?.querySelector('[data-cgw=launcher]'); "
    "if (b && b.checkVisibility()) window.__shown = performance.now(); "
    "else requestAnimationFrame(look); })()"
)


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def main(runs: int) -> None:
    gateway = web.Application()
    gateway.add_routes(ChatPages().routes())
    gateway_runner, gateway_url = await _serve(gateway)
    shop = web.Application()

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=SITE.format(gateway_url), content_type="text/html")

    shop.router.add_get("/", page)
    shop_runner, shop_url = await _serve(shop)
    try:
        async with aiohttp.ClientSession(auto_decompress=False) as http:
            async with http.get(
                f"{gateway_url}/widget.js", headers={"Accept-Encoding": "gzip"}
            ) as r:
                sent = len(await r.read())
                encoding = r.headers.get("Content-Encoding", "identity")
        async with aiohttp.ClientSession() as http, http.get(f"{gateway_url}/widget.js") as r:
            body = await r.read()
        print(
            f"widget.js raw {len(body)} B, gzip -9 {len(gzip.compress(body, 9))} B, "
            f"sent {sent} B ({encoding})"
        )
        shown: list[float] = []
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for _ in range(runs):
                context = await browser.new_context()
                await context.add_init_script(LOOK)
                tab = await context.new_page()
                await tab.goto(f"{shop_url}/")
                await tab.wait_for_function("window.__shown !== undefined")
                shown.append(float(await tab.evaluate("window.__shown")))
                await context.close()
            await browser.close()
        print(
            f"launcher visible after navigation start: median {statistics.median(shown):.0f} ms, "
            f"min {min(shown):.0f} ms, max {max(shown):.0f} ms over {runs} loads"
        )
    finally:
        await shop_runner.cleanup()
        await gateway_runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))

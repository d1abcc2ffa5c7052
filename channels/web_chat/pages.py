"""The customer-facing pages: `/widget.js` for any website, `/chat` as a full page, and a
demo page (`/demo`, also `/`) that embeds the widget as a company's site would.

The script is read once at start-up and served compressed; it is small on purpose (no
framework, no build step), so a site pays little for embedding it.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).parent / "static"

#: The pages run only the gateway's own script; the widget styles itself through a
#: constructed style sheet, so no inline style or script is ever allowed.
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)
_PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ChatPages:
    def __init__(self) -> None:
        self._script = (STATIC_DIR / "widget.js").read_bytes()
        self._pages = {
            name: (STATIC_DIR / f"{name}.html").read_bytes() for name in ("chat", "demo")
        }

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()
        routes.get("/widget.js")(self.widget)
        routes.get("/chat")(self.chat)
        routes.get("/demo")(self.demo)
        routes.get("/")(self.home)
        return routes

    async def widget(self, request: web.Request) -> web.Response:
        response = web.Response(
            body=self._script,
            content_type="text/javascript",
            charset="utf-8",
            headers={
                "X-Content-Type-Options": "nosniff",
                # Any site may load it; a short cache lets a deploy reach visitors soon.
                "Cache-Control": "public, max-age=300",
                "Access-Control-Allow-Origin": "*",
            },
        )
        response.enable_compression()
        return response

    async def chat(self, request: web.Request) -> web.Response:
        return self._page("chat")

    async def demo(self, request: web.Request) -> web.Response:
        return self._page("demo")

    async def home(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/demo")

    def _page(self, name: str) -> web.Response:
        response = web.Response(
            body=self._pages[name], content_type="text/html", charset="utf-8", headers=_PAGE_HEADERS
        )
        response.enable_compression()
        return response

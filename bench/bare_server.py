"""The baseline: a bare aiohttp handler that reads the same JSON body and answers it."""

from __future__ import annotations

import sys

from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    body = await request.json()
    return web.json_response({"id": 1, "ticket": None, "reply": {"text": body["text"]}})  # noqa: TID251 (bare baseline)


if __name__ == "__main__":
    app = web.Application()
    app.router.add_post("/api/v1/messages", handle)
    for probe in ("/healthz", "/readyz"):  # the harness waits on /readyz
        app.router.add_get(probe, lambda _r: web.json_response({"status": "ok"}))  # noqa: TID251 (bare baseline)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)

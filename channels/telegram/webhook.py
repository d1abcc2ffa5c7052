"""`POST /telegram/webhook`: Telegram's webhook, answered 200 only once the update is stored.

The answer's body is always empty: Telegram would run a Bot API method found there, and
replies go through the outbox instead. A failure to store answers 5xx (through the error
middleware), so Telegram delivers the update again.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from pydantic import ValidationError

from gateway.web.errors import ApiError

from .inbound import TelegramInbound

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhook:
    def __init__(self, inbound: TelegramInbound, secret: str) -> None:
        self._inbound = inbound
        self._secret = secret.encode()

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()
        routes.post(PATH)(self.receive)
        return routes

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            raise ApiError(401, "unauthorized", f"send the {SECRET_HEADER} header")
        # Constant time, so the secret cannot be guessed a byte at a time from timings.
        if not hmac.compare_digest(given.encode(), self._secret):
            log.warning("telegram webhook refused: wrong secret from %s", request.remote)
            raise ApiError(403, "forbidden", "wrong webhook secret")
        raw = await request.read()
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(400, "invalid_json", f"body is not JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ApiError(400, "invalid_update", "body is not a Telegram update (no update_id)")
        try:
            update = self._inbound.parse(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise ApiError(
                400, "invalid_update", f"not a Telegram update: {where}: {first['msg']}"
            ) from None
        await self._inbound.process(update)
        return web.Response(status=200)

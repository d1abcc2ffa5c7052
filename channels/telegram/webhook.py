"""`POST /telegram/webhook`: Telegram's webhook, answered 200 only once the update is stored.

The answer's body is always empty: Telegram would run a Bot API method found there, and
replies go through the outbox instead. A transient failure to store (the database away)
answers 503, so Telegram delivers the update again; an update that will never parse or store
is kept as an unreadable message with a note and answered 200, so Telegram stops.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError

from gateway import bounds
from gateway.problems import first_problem
from gateway.web.body import read_bytes
from gateway.web.errors import ApiError

from .inbound import TelegramInbound

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
#: Failures of the update itself (its data), which a redelivery would only repeat; any
#: other failure (the database away, a bug being fixed) answers 5xx and Telegram retries.
_WILL_NOT_CHANGE = (ValueError, TypeError, OverflowError, KeyError, DataError, IntegrityError)
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
        try:
            data = bounds.loads(await read_bytes(request))
        except bounds.Refusal as exc:
            raise ApiError(400, exc.code, f"body: {exc.message}") from None
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or not 0 <= update_id < 2**63:
            raise ApiError(400, "invalid_update", "body is not a Telegram update (no update_id)")
        try:
            update = self._inbound.parse(bounds.clean_value(data)[0])
        except ValidationError as exc:
            # Telegram would send it again all day: keep it as unreadable and say 200.
            await self._inbound.store_unreadable(update_id, first_problem(exc))
            return web.Response(status=200)
        try:
            await self._inbound.process(update)
        except _WILL_NOT_CHANGE as exc:
            log.exception("telegram update %s cannot be stored", update_id)
            await self._inbound.store_unreadable(update_id, f"{type(exc).__name__}: {exc}")
        return web.Response(status=200)

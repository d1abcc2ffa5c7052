"""Outbound side of the `api` channel.

An `api` reply is delivered by being on the ticket (integrations read it there). When a
callback URL is configured it is also POSTed there, with the outbox id as the
`Idempotency-Key` so the receiver can drop a retry it already has.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from gateway.messages import Delivery, OutboundMessage

CALLBACK_TIMEOUT = aiohttp.ClientTimeout(total=10)


class ApiOutput:
    def __init__(self, callback_url: str | None) -> None:
        self._callback_url = callback_url
        self._session: aiohttp.ClientSession | None = None

    async def session_ctx(self, _app: web.Application) -> AsyncIterator[None]:
        if self._callback_url:
            self._session = aiohttp.ClientSession(timeout=CALLBACK_TIMEOUT)
        yield
        if self._session is not None:
            await self._session.close()

    async def send(self, message: OutboundMessage) -> Delivery:
        if self._callback_url is None or self._session is None:
            return Delivery.ok()
        payload = {
            "id": message.id,
            "conversation_id": message.conversation_key,
            "recipient": message.recipient,
            "kind": message.kind,
            "ticket": {"number": message.ticket_number} if message.ticket_number else None,
            "text": message.text,
        }
        headers = {"Idempotency-Key": f"outbox-{message.id}"}
        try:
            async with self._session.post(
                self._callback_url, json=payload, headers=headers
            ) as resp:
                if resp.status < 300:
                    return Delivery.ok()
                if resp.status == 429 or resp.status >= 500:
                    retry_after = resp.headers.get("Retry-After", "")
                    return Delivery.later(
                        f"callback answered {resp.status}",
                        float(retry_after) if retry_after.isdigit() else None,
                    )
                return Delivery.failed(f"callback refused with {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Delivery.later(f"callback unreachable: {type(exc).__name__}")

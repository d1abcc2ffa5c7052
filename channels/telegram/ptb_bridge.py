"""For companies whose bot already runs on python-telegram-bot (the `ptb` extra): one bot
serves both their own handlers and the complaint gateway.

    from channels.telegram.ptb_bridge import gateway_forwarding_handler
    application.add_handler(
        gateway_forwarding_handler("https://gateway.example/telegram/webhook", SECRET), group=-1
    )

Every update the `Application` receives is POSTed, as Telegram's JSON, to the gateway's
webhook with the webhook secret; group -1 runs it before (and beside) the company's own
handlers. The gateway then replies through the Bot API itself, so it needs the same bot
token, and its `telegram_webhook_url` must stay unset (PTB holds the updates). PTB confirms
an update as soon as it fetched it, so a gateway that stays unreachable through every
attempt loses that update for the gateway: the failure is raised for PTB's error handlers.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from .webhook import SECRET_HEADER

TIMEOUT = aiohttp.ClientTimeout(total=30)


class GatewayUnavailable(Exception):
    """The gateway did not store the update after every attempt."""


def gateway_forwarding_handler(
    webhook_url: str, secret: str, *, attempts: int = 3, retry_delay: float = 1.0
) -> TypeHandler[Update, ContextTypes.DEFAULT_TYPE, None]:
    """A handler POSTing each update to the gateway's `/telegram/webhook`, retried with a
    doubling delay while the gateway answers 5xx or cannot be reached."""

    async def forward(update: Update, _context: Any) -> None:
        delay = retry_delay
        problem = ""
        # A session per update: a bot's update rate is low, and nothing is left to close.
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            for attempt in range(attempts):
                if attempt:
                    await asyncio.sleep(delay)
                    delay *= 2
                try:
                    async with http.post(
                        webhook_url, json=update.to_dict(), headers={SECRET_HEADER: secret}
                    ) as resp:
                        if resp.status < 300:
                            return
                        problem = f"gateway answered {resp.status}: {await resp.text()}"
                        if resp.status < 500:
                            break  # a refused secret or body: trying again changes nothing
                except (aiohttp.ClientError, TimeoutError) as exc:
                    problem = f"gateway unreachable: {type(exc).__name__}"
        raise GatewayUnavailable(f"update {update.update_id} not forwarded: {problem}")

    return TypeHandler(Update, forward)

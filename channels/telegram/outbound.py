"""Replies to Telegram customers through the Bot API's sendMessage.

Telegram's answers map onto the outbox's: 429 waits as long as Telegram says, a 5xx or a
network error retries later, 403 (the customer blocked the bot) and 400 fail for good.

A text over Telegram's 4096-character limit goes as several messages, in order. The parts
already sent are remembered in memory by outbox id, so a retry resumes where the failure
was instead of sending the customer the first parts twice. The tradeoff: after a crash in
the middle of a long reply the retry starts again from its first part.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from gateway.messages import Delivery, OutboundMessage

from .bot import redact
from .keys import chat_id_of

log = logging.getLogger(__name__)

#: sendMessage's limit, counted (as Telegram counts) in UTF-16 code units.
MAX_TEXT = 4096
#: callback_data's limit, in bytes.
MAX_CALLBACK_DATA = 64
#: Partly sent replies remembered at most; a reply the outbox gave up on is forgotten first.
MAX_REMEMBERED = 10_000


class TelegramOutput:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._parts_sent: dict[int, int] = {}

    async def send(self, message: OutboundMessage) -> Delivery:
        chat_id = chat_id_of(message.conversation_key)
        parts = split_text(message.text)
        keyboard = choices_keyboard(message)
        first = self._parts_sent.get(message.id, 0)
        sent_id: int | None = None
        for index in range(first, len(parts)):
            last = index == len(parts) - 1
            try:
                sent = await self._bot.send_message(
                    chat_id, parts[index], reply_markup=keyboard if last else None
                )
            except TelegramAPIError as exc:
                delivery = self._refused(exc)
                if not delivery.retry:
                    self._parts_sent.pop(message.id, None)
                return delivery
            except ClientDecodeError:  # not Telegram's JSON: a proxy's error page
                return Delivery.later("Bot API answered something that is not JSON")
            sent_id = sent.message_id
            self._remember(message.id, index + 1)
        self._parts_sent.pop(message.id, None)
        return Delivery.ok(str(sent_id) if sent_id is not None else None)

    def _refused(self, exc: TelegramAPIError) -> Delivery:
        reason = redact(f"{type(exc).__name__}: {exc.message}", self._bot)
        if isinstance(exc, TelegramRetryAfter):
            return Delivery.later("rate limited by Telegram", retry_after=exc.retry_after)
        if isinstance(exc, TelegramForbiddenError):
            return Delivery.failed("blocked by user")
        if isinstance(exc, TelegramBadRequest):
            return Delivery.failed(f"rejected by Telegram: {reason}")
        if isinstance(exc, TelegramServerError | TelegramNetworkError):
            return Delivery.later(reason)
        # 401 (a revoked token), 404, 409: the operator must act; keep the reply until then.
        log.warning("sendMessage refused: %s", reason)
        return Delivery.later(reason)

    def _remember(self, outbox_id: int, parts: int) -> None:
        if outbox_id not in self._parts_sent and len(self._parts_sent) >= MAX_REMEMBERED:
            self._parts_sent.pop(next(iter(self._parts_sent)))
        self._parts_sent[outbox_id] = parts


def choices_keyboard(message: OutboundMessage) -> InlineKeyboardMarkup | None:
    """One button per choice, each carrying "<kind>:<value>" (e.g. "survey:5").

    Without the keyboard the text still names the choices, so a choice too long for
    callback_data drops the keyboard rather than the message.
    """
    if not message.choices:
        return None
    buttons = []
    for choice in message.choices:
        data = f"{message.kind}:{choice.value}"
        if len(data.encode()) > MAX_CALLBACK_DATA:
            log.warning("choice %r too long for a button; sending the text alone", choice.value)
            return None
        buttons.append(InlineKeyboardButton(text=choice.label, callback_data=data))
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at a blank line, else a line end, else a
    space, else anywhere (a single line with no space in it)."""
    parts = []
    rest = text
    while _units(rest) > limit:
        head = rest[: _fitting(rest, limit)]
        cut = next(
            (i for sep in ("\n\n", "\n", " ") if (i := head.rfind(sep)) > 0),
            len(head),
        )
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part] or [text]


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)

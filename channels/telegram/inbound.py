"""Telegram updates into stored `InboundMessage`s: the one path webhook and polling share.

`TelegramInbound.process` returns only once the update is durable (or known to need
nothing), so its caller may then acknowledge: answer the webhook 200, or advance the
getUpdates offset. If storing fails it raises, and Telegram delivers the update again; the
update id is the idempotency key, so a redelivery never opens a second ticket.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from gateway.channels import Intake
from gateway.clock import Clock
from gateway.messages import Attachment, InboundMessage, Sender

from . import CHANNEL
from .bot import redact
from .files import AttachmentFetcher, FileRef
from .keys import conversation_key

log = logging.getLogger(__name__)

#: The update types this channel reads (what setWebhook and getUpdates ask for).
UPDATE_TYPES = ["message", "edited_message", "callback_query"]
#: Media with a file_id, and the type to record when Telegram gives no MIME type.
MEDIA_TYPES = {
    "document": "application/octet-stream",
    "video": "video/mp4",
    "audio": "audio/mpeg",
    "voice": "audio/ogg",
}


def language_tag(code: str | None) -> str | None:
    """Telegram's IETF `language_code` ("zh-hans", "ru", "en-US") in the casing BCP 47 uses."""
    if not code:
        return None
    primary, _, rest = code.replace("_", "-").partition("-")
    if not rest:
        return primary.lower()
    return f"{primary.lower()}-{rest.title() if len(rest) == 4 else rest.upper()}"


class TelegramInbound:
    def __init__(self, bot: Bot, intake: Intake, fetcher: AttachmentFetcher, clock: Clock) -> None:
        self._bot = bot
        self._intake = intake
        self._fetcher = fetcher
        self._clock = clock
        router = Router(name="telegram-intake")
        router.message.register(self._on_message)
        router.edited_message.register(self._on_edited_message)
        router.callback_query.register(self._on_callback_query)
        # The dispatcher runs the handler inside `feed_update`, so its return means stored.
        self._dispatcher = Dispatcher()
        self._dispatcher.include_router(router)

    def parse(self, data: Any) -> Update:
        """The update, bound to our bot; raises pydantic's `ValidationError` for a non-update."""
        return Update.model_validate(data, context={"bot": self._bot})

    async def process(self, update: Update) -> None:
        """Stores what the update carries; raises if it could not be stored."""
        result = await self._dispatcher.feed_update(self._bot, update)
        if result is UNHANDLED:
            kinds = sorted(update.model_fields_set - {"update_id"}) or ["unknown"]
            log.info("telegram update %s (%s) acknowledged unread", update.update_id, kinds[0])

    async def store_unreadable(self, update_id: int, reason: str) -> None:
        """Keeps an update that will never parse or store (so Telegram may stop sending it)
        as an empty, unanswered message whose note says why; staff see it in the audit."""
        await self._intake.accept(
            InboundMessage(
                channel=CHANNEL.name,
                external_id=str(update_id),
                conversation_key="tg:unreadable",
                sender=Sender(id="unknown"),
                text="",
                notes=(f"unreadable telegram update: {reason}"[:500],),
                reply_suppressed=True,
            )
        )

    async def _on_message(self, message: Message, event_update: Update) -> None:
        await self._store_message(event_update.update_id, message, edited=False)

    async def _on_edited_message(self, message: Message, event_update: Update) -> None:
        await self._store_message(event_update.update_id, message, edited=True)

    async def _store_message(self, update_id: int, message: Message, *, edited: bool) -> None:
        refs = file_refs(message)
        attachments = tuple([await self._fetcher.fetch(ref) for ref in refs])
        await self._intake.accept(to_inbound(update_id, message, attachments, edited=edited))

    async def _on_callback_query(self, query: CallbackQuery, event_update: Update) -> None:
        await self._intake.accept(callback_to_inbound(event_update.update_id, query, self._clock()))
        try:
            # Stops the button's spinner; cosmetic, so a failure is only logged.
            await query.answer()
        except (TelegramAPIError, ClientDecodeError) as exc:
            log.warning("answerCallbackQuery failed: %s", redact(exc, self._bot))


def file_refs(message: Message) -> list[FileRef]:
    """The files a message carries: the largest size of a photo, and any other media."""
    refs = []
    if message.photo:
        photo = message.photo[-1]  # Telegram lists the sizes smallest first
        filename = f"photo-{photo.file_unique_id}.jpg"
        refs.append(FileRef(photo.file_id, filename, "image/jpeg", photo.file_size))
    for kind, default_type in MEDIA_TYPES.items():
        media = getattr(message, kind)
        if media is not None:
            content_type = getattr(media, "mime_type", None) or default_type
            media_name = getattr(media, "file_name", None)
            refs.append(FileRef(media.file_id, media_name, content_type, media.file_size))
    return refs


def to_inbound(
    update_id: int, message: Message, attachments: tuple[Attachment, ...], *, edited: bool
) -> InboundMessage:
    text = message.text or message.caption or ""
    metadata: dict[str, Any] = {"chat_id": message.chat.id, "message_id": message.message_id}
    notes: list[str] = []
    command, _, payload = text.partition(" ")
    if command.split("@")[0] == "/start":
        # A deep link's payload is a token for us (a campaign, an order), not the customer's
        # words: keep it aside so the language and intent are read from "/start" alone.
        text = "/start"
        if payload.strip():
            metadata["start_payload"] = payload.strip()
    if attachments:
        metadata["file_ids"] = [ref.file_id for ref in file_refs(message)]
    elif not text:
        # content_type is a (str, Enum): str.__str__ gives "sticker", not "ContentType.STICKER".
        kind = str.__str__(message.content_type)
        notes.append(f"telegram {kind} message: no text or file to read")
    received_at: datetime = message.date
    if edited:
        notes.append(f"edited message {message.message_id}")
        if message.edit_date:
            try:
                received_at = datetime.fromtimestamp(message.edit_date, received_at.tzinfo)
            except (OverflowError, OSError, ValueError):
                notes.append(f"edit date {message.edit_date!r} is out of range")
    notes.extend(a.note for a in attachments if a.note)
    return InboundMessage(
        channel=CHANNEL.name,
        external_id=str(update_id),
        conversation_key=conversation_key(message.chat.id),
        sender=_sender(message.from_user, message.sender_chat or message.chat),
        text=text,
        received_at=received_at,
        attachments=attachments,
        raw_ref=f"telegram:{message.chat.id}/{message.message_id}",
        language_hint=language_tag(message.from_user.language_code if message.from_user else None),
        notes=tuple(notes),
        metadata=metadata,
    )


def callback_to_inbound(update_id: int, query: CallbackQuery, now: datetime) -> InboundMessage:
    """A pressed inline button: the customer's answer is the choice value it carries."""
    data = query.data or ""
    # Buttons carry "<kind>:<value>" (see outbound); the value is what the customer chose.
    _kind, colon, value = data.partition(":")
    if not colon:
        value = data
    chat_id = query.message.chat.id if query.message else query.from_user.id
    metadata: dict[str, Any] = {"callback_data": data, "chat_id": chat_id}
    if query.message:
        metadata["message_id"] = query.message.message_id
    return InboundMessage(
        channel=CHANNEL.name,
        external_id=str(update_id),
        conversation_key=conversation_key(chat_id),
        sender=_sender(query.from_user, None),
        text=value,
        received_at=now,
        raw_ref=f"telegram:callback/{query.id}",
        language_hint=language_tag(query.from_user.language_code),
        metadata=metadata,
    )


def _sender(user: User | None, chat: Chat | None) -> Sender:
    if user is not None:
        return Sender(id=str(user.id), name=user.full_name)
    assert chat is not None  # Telegram names a sender chat whenever there is no user
    return Sender(id=str(chat.id), name=chat.title or chat.full_name)

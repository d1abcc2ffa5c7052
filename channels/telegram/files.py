"""Fetching a customer's photo or document into the attachment store.

The store is content-addressed: `<data_dir>/attachments/<sha256>`, so the same file sent
twice (or an update redelivered) is kept once. A file that cannot be fetched becomes a note
on the attachment, never a reason to lose the message it came with.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramAPIError

from gateway.blobs import store_attachment
from gateway.messages import Attachment

from .bot import redact

log = logging.getLogger(__name__)

#: The Bot API serves files up to this size through getFile; larger ones cannot be fetched.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
#: The download runs before Telegram gets its answer, so it must end well within its timeout.
DOWNLOAD_TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file as an update names it, before it is fetched."""

    file_id: str
    filename: str | None
    content_type: str
    size: int | None


class AttachmentFetcher:
    def __init__(self, bot: Bot, data_dir: Path) -> None:
        self._bot = bot
        self._data_dir = data_dir

    async def fetch(self, ref: FileRef) -> Attachment:
        """The attachment with its hash and size, or with a note saying why it has none."""
        if ref.size is not None and ref.size > MAX_DOWNLOAD_BYTES:
            return self._unfetched(ref, f"{ref.size} bytes is over the Bot API's download limit")
        try:
            file = await self._bot.get_file(ref.file_id)
            if not file.file_path:
                return self._unfetched(ref, "getFile gave no file path")
            buffer = io.BytesIO()  # at most MAX_DOWNLOAD_BYTES
            await self._bot.download_file(
                file.file_path, destination=buffer, timeout=DOWNLOAD_TIMEOUT_SECONDS
            )
            data = buffer.getvalue()
            digest = await asyncio.to_thread(store_attachment, self._data_dir, data)
        except (
            TelegramAPIError,
            ClientDecodeError,
            aiohttp.ClientError,
            TimeoutError,
            OSError,
        ) as exc:
            reason = redact(f"{type(exc).__name__}: {exc}", self._bot)
            log.warning("telegram file %s not fetched: %s", ref.file_id, reason)
            return self._unfetched(ref, reason)
        return Attachment(ref.filename, ref.content_type, len(data), digest)

    @staticmethod
    def _unfetched(ref: FileRef, reason: str) -> Attachment:
        note = f"telegram file {ref.file_id} not fetched: {reason}"
        return Attachment(ref.filename, ref.content_type, ref.size or 0, None, note)

"""A Telegram chat's conversation key, and back: light enough to load without aiogram."""

from __future__ import annotations


def conversation_key(chat_id: int) -> str:
    return f"tg:{chat_id}"


def chat_id_of(key: str) -> int:
    """The chat a conversation key names (the inverse of `conversation_key`)."""
    prefix, _, chat_id = key.partition(":")
    if prefix != "tg":
        raise ValueError(f"not a Telegram conversation key: {key!r}")
    return int(chat_id)

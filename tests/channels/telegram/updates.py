"""Telegram update payloads as the Bot API sends them (private chats)."""

from __future__ import annotations

import itertools
import time
from typing import Any

_message_ids = itertools.count(100)
#: A minute ago: ticket numbers and message order follow the dates Telegram gives.
DATE = int(time.time()) - 60

#: Customers: a Chinese speaker (Simplified) and a Russian speaker.
LI: dict[str, Any] = {
    "id": 5117493201,
    "first_name": "小明",
    "last_name": "李",
    "username": "xiaoming_li",
    "language_code": "zh-hans",
}
OLGA: dict[str, Any] = {
    "id": 6203311877,
    "first_name": "Ольга",
    "last_name": "Смирнова",
    "language_code": "ru",
}


def user(customer: dict[str, Any], chat_id: int | None = None) -> dict[str, Any]:
    """A customer with their own id (a chat id, when tests need many distinct chats)."""
    return {**customer, "id": chat_id or customer["id"]}


def _chat(person: dict[str, Any]) -> dict[str, Any]:
    chat = {"id": person["id"], "type": "private", "first_name": person["first_name"]}
    if "last_name" in person:
        chat["last_name"] = person["last_name"]
    return chat


def _from(person: dict[str, Any]) -> dict[str, Any]:
    return {"is_bot": False, **person}


def message(update_id: int, person: dict[str, Any], text: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": _from(person),
        "chat": _chat(person),
        "date": DATE,
        "text": text,
        **fields,
    }
    if text.startswith("/"):
        command = text.split(" ")[0]
        body["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return {"update_id": update_id, "message": body}


def photo(update_id: int, person: dict[str, Any], file_id: str, caption: str) -> dict[str, Any]:
    sizes = [
        {"file_id": f"{file_id}-s", "file_unique_id": "AQADs", "file_size": 1322,
         "width": 90, "height": 67},
        {"file_id": file_id, "file_unique_id": "AQADm", "file_size": 59331,
         "width": 1280, "height": 960},
    ]  # fmt: skip
    body = {
        "message_id": next(_message_ids),
        "from": _from(person),
        "chat": _chat(person),
        "date": DATE,
        "photo": sizes,
        "caption": caption,
    }
    return {"update_id": update_id, "message": body}


def document(
    update_id: int, person: dict[str, Any], file_id: str, name: str, size: int
) -> dict[str, Any]:
    body = {
        "message_id": next(_message_ids),
        "from": _from(person),
        "chat": _chat(person),
        "date": DATE,
        "document": {"file_name": name, "mime_type": "application/pdf", "file_id": file_id,
                     "file_unique_id": "AgADdoc", "file_size": size},
    }  # fmt: skip
    return {"update_id": update_id, "message": body}


def edited(update_id: int, original: dict[str, Any], text: str) -> dict[str, Any]:
    body = {**original["message"], "text": text, "edit_date": DATE + 30}
    return {"update_id": update_id, "edited_message": body}


def callback(update_id: int, person: dict[str, Any], data: str) -> dict[str, Any]:
    bot_message = {
        "message_id": next(_message_ids),
        "from": {"id": 424242, "is_bot": True, "first_name": "ComplaintDesk",
                 "username": "desk_bot"},
        "chat": _chat(person),
        "date": DATE,
        "text": "How satisfied are you?",
        "reply_markup": {"inline_keyboard": [[{"text": "5", "callback_data": data}]]},
    }  # fmt: skip
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"43{update_id}817205",
            "from": _from(person),
            "message": bot_message,
            "chat_instance": "-5423983911847207433",
            "data": data,
        },
    }

"""A Telegram Bot API stand-in on loopback: Telegram's JSON for the methods the channel uses,
real getUpdates offset semantics, file downloads, scriptable failures, and a record of every
call. aiogram and python-telegram-bot both talk to it as to api.telegram.org."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

from gateway.web.responses import json_response

BOT = {"id": 424242, "is_bot": True, "first_name": "ComplaintDesk", "username": "desk_bot"}
TOKEN = "424242:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


class BotApiStandIn:
    def __init__(self) -> None:
        #: Every Bot API call, in order: (method, params).
        self.calls: list[tuple[str, dict[str, Any]]] = []
        #: When each call came (time.monotonic), parallel to `calls`.
        self.call_times: list[float] = []
        #: How to answer the next calls of a method: a failure (status, parameters), or
        #: None to answer normally.
        self.script: dict[str, list[tuple[int, dict[str, Any] | None] | None]] = defaultdict(list)
        #: Chats whose customer blocked the bot: sendMessage there answers 403.
        self.blocked: set[int] = set()
        self.files: dict[str, bytes] = {}
        #: Files getFile knows but whose download answers 404 (expired on Telegram's side).
        self.expired: set[str] = set()
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._message_ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._method)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._download)

    # -- what tests use ----------------------------------------------------------------

    def queue_update(self, update: dict[str, Any]) -> None:
        """Holds an update for getUpdates until a later offset confirms it."""
        self._updates.append(update)
        self._new_update.set()

    def fail_next(self, method: str, status: int, parameters: dict[str, Any] | None = None) -> None:
        self.script[method].append((status, parameters))

    def pass_next(self, method: str) -> None:
        self.script[method].append(None)

    def add_file(self, file_id: str, content: bytes) -> None:
        self.files[file_id] = content

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """sendMessage calls that succeeded (to `chat_id` if given), oldest first."""
        return [
            params
            for method, params in self.calls
            if method == "sendMessage"
            and params.get("_ok")
            and (chat_id is None or int(params["chat_id"]) == chat_id)
        ]

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    # -- the Bot API ---------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = dict(await request.json())
        else:  # aiogram and PTB post forms; non-scalar fields arrive as JSON strings
            params = {**request.query, **(await request.post())}
        params = {k: v for k, v in params.items() if isinstance(v, str | int | float | bool)}
        self.calls.append((method, params))
        self.call_times.append(time.monotonic())
        scripted = self.script[method].pop(0) if self.script[method] else None
        if scripted is not None:
            status, parameters = scripted
            return _error(status, f"scripted failure {status}", parameters)
        handler = getattr(self, "_" + method.lower(), None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        params["_ok"] = True
        return json_response({"ok": True, "result": result})

    async def _getme(self, _params: dict[str, Any]) -> Any:
        return BOT

    async def _setwebhook(self, _params: dict[str, Any]) -> Any:
        return True

    async def _deletewebhook(self, _params: dict[str, Any]) -> Any:
        return True

    async def _answercallbackquery(self, _params: dict[str, Any]) -> Any:
        return True

    async def _sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if not params.get("text") or len(params["text"].encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message text is empty or too long")
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "from": BOT,
            "chat": {"id": chat_id, "type": "private"},
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = json.loads(params["reply_markup"])
        return message

    async def _getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        # An offset confirms every update before it: Telegram forgets them.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            wait = min(float(params.get("timeout") or 0), 1.0)
            try:
                await asyncio.wait_for(self._new_update.wait(), wait or 0.01)
            except TimeoutError:
                return []
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    async def _getfile(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{abs(hash(file_id))}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}.bin",
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        path = request.match_info["path"]
        self.calls.append(("download", {"path": path}))
        self.call_times.append(time.monotonic())
        file_id = path.removeprefix("documents/").removesuffix(".bin")
        if file_id not in self.files or file_id in self.expired:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return json_response(body, status=status)

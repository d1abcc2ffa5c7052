"""Attachments from chat customers: images and PDFs, into the data dir's blob store.

`POST /chat/attachments` takes the file's bytes as the body, the chat session's token in
`X-Chat-Session` and the file name (URL-encoded) in `X-Filename`; it answers 201 with the
file's `sha256`, which the widget then names in a `message` frame. The type is read from the
file's first bytes, never from what the browser claims, so nothing else (HTML, scripts) can
be stored as a chat file; the size limit is checked while reading, before anything is kept.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from gateway.blobs import ATTACHMENTS, store_attachment
from gateway.messages import Attachment
from gateway.settings import Settings
from gateway.web.errors import ApiError
from gateway.web.responses import json_response

from .guard import origin_allowed
from .sessions import is_session_token

MAX_PER_MESSAGE = 5
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HEADERS = "Content-Type, X-Chat-Session, X-Filename"


def sniff(head: bytes) -> str | None:
    """The content type of an allowed file from its first bytes, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


class ChatUploads:
    def __init__(self, settings: Settings) -> None:
        self._data_dir = settings.data_dir
        self._origins = settings.web_chat_origins
        self.max_bytes = settings.web_chat_attachment_max_bytes

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()
        routes.post("/chat/attachments")(self.upload)
        routes.route("OPTIONS", "/chat/attachments")(self.preflight)
        return routes

    def _cors(self, request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if origin is None or not origin_allowed(request, self._origins):
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": _HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }

    async def preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers=self._cors(request))

    async def upload(self, request: web.Request) -> web.Response:
        if not origin_allowed(request, self._origins):
            raise ApiError(403, "origin_refused", "this site may not embed the chat")
        if not is_session_token(request.headers.get("X-Chat-Session")):
            raise ApiError(401, "session_required", "send the chat session in X-Chat-Session")
        if (request.content_length or 0) > self.max_bytes:
            raise ApiError(413, "payload_too_large", f"a file may have {self.max_bytes} bytes")
        data = await self._read(request)
        content_type = sniff(data[:16])
        if content_type is None:
            raise ApiError(415, "unsupported_media_type", "send an image or a PDF")
        digest = await asyncio.get_running_loop().run_in_executor(
            None, store_attachment, self._data_dir, data
        )
        name = Path(unquote(request.headers.get("X-Filename", ""))).name[:200] or None
        body = {"sha256": digest, "filename": name, "content_type": content_type, "size": len(data)}
        return json_response(body, status=201, headers=self._cors(request))

    async def _read(self, request: web.Request) -> bytes:
        chunks, size = [], 0
        async for chunk in request.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise ApiError(413, "payload_too_large", f"a file may have {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def attachments(self, listed: Any) -> tuple[Attachment, ...] | None:
        """The stored files a `message` frame names, or None when one is not an upload."""
        if listed is None:
            return ()
        if not isinstance(listed, list) or len(listed) > MAX_PER_MESSAGE:
            return None
        found = []
        for item in listed:
            digest = item.get("sha256") if isinstance(item, dict) else None
            if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
                return None
            path = self._data_dir / ATTACHMENTS / digest
            try:
                with path.open("rb") as stored:
                    content_type = sniff(stored.read(16))
                size = path.stat().st_size
            except OSError:
                return None
            if content_type is None:
                return None  # another channel's file (mail keeps any type): not the chat's
            name = item.get("filename")
            filename = Path(name).name[:200] if isinstance(name, str) and name else None
            found.append(Attachment(filename, content_type, size, digest))
        return tuple(found)

"""`GET /api/v1/tickets/{number}/attachments/{sha256}`: a customer's file, for staff.

Whatever channel stored it (the widget's upload, a mail part, a Telegram file), a file is
served only when one of the ticket's messages lists it, and never as something a browser
would run: raster images whose bytes say so are shown inline, everything else is a
download (`Content-Disposition: attachment`) with a type from a short list of harmless ones,
or `application/octet-stream`. `nosniff` and a sandboxing CSP without scripts hold even if
a browser is talked into rendering it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import Connection

from gateway.blobs import ATTACHMENTS
from gateway.db.schema import messages
from gateway.web.errors import ApiError
from gateway.web.keys import DATABASE, SETTINGS
from gateway.web.middlewares import requires_role
from handoff.schema import tickets

routes = web.RouteTableDef()

_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Raster images only, recognised by their first bytes: an SVG is a document that can
#: carry script, so it is a download like any other file.
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)
#: Types a download keeps as the sender named them; anything else (HTML, SVG, scripts,
#: unknown) goes out as bytes.
_DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "audio/ogg",
        "audio/mpeg",
        "video/mp4",
    }
)
_SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # No script, no plugin, no form, even if the file is opened as a page.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
    # Content-addressed, so it never changes; private: it is a customer's file.
    "Cache-Control": "private, max-age=86400",
}


def image_type(head: bytes) -> str | None:
    """The type of a raster image from its first bytes, or None for anything else."""
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _IMAGE_MAGIC if head.startswith(magic)), None)


def listed_attachment(conn: Connection, number: str, sha256: str) -> dict[str, Any] | None:
    """The metadata of the file as one of the ticket's messages lists it, or None."""
    rows = conn.execute(
        sa.select(messages.c.attachments)
        .select_from(messages.join(tickets, messages.c.ticket_id == tickets.c.id))
        .where(tickets.c.number == number)
    )
    for (attachments,) in rows:
        for item in attachments or ():
            if isinstance(item, dict) and item.get("sha256") == sha256:
                return item
    return None


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name for old clients and the UTF-8 name beside it."""
    fallback = re.sub(r'[^\x20-\x7e]|["\\%;]', "_", filename) or "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@routes.get("/api/v1/tickets/{number}/attachments/{sha256}")
@requires_role("agent", "supervisor")
async def attachment(request: web.Request) -> web.Response:
    number, sha256 = request.match_info["number"], request.match_info["sha256"]
    if not _SHA256.fullmatch(sha256):
        raise ApiError(404, "attachment_not_found", "no such attachment")
    meta = await request.app[DATABASE].read(listed_attachment, number, sha256)
    if meta is None:
        raise ApiError(404, "attachment_not_found", f"ticket {number} has no such attachment")
    path = request.app[SETTINGS].data_dir / ATTACHMENTS / sha256
    data = await asyncio.get_running_loop().run_in_executor(None, _read, path)
    if data is None:  # listed, but never fetched (a Telegram file too large to download)
        raise ApiError(404, "attachment_not_stored", "the file was not stored")
    filename = str(meta.get("filename") or f"attachment-{sha256[:12]}")
    shown = image_type(data[:16])
    declared = str(meta.get("content_type") or "").split(";")[0].strip().lower()
    if shown is not None:
        content_type, disposition = shown, "inline"
    else:
        content_type = declared if declared in _DOWNLOAD_TYPES else "application/octet-stream"
        disposition = "attachment"
    headers = {
        **_SAFE_HEADERS,
        "Content-Disposition": content_disposition(disposition, filename),
    }
    return web.Response(body=data, content_type=content_type, headers=headers)

"""A mail's attachments and its raw original, in the data dir's content-addressed store."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gateway.blobs import store_attachment, store_blob
from gateway.messages import Attachment

from .mime import RawAttachment


def store_raw(data_dir: Path, raw: bytes) -> str:
    """Keeps the original mail; returns its `raw_ref`, relative to the data dir."""
    name = hashlib.sha256(raw).hexdigest() + ".eml"
    store_blob(data_dir / "raw" / "email", name, raw)
    return f"raw/email/{name}"


def store_attachments(
    data_dir: Path, parts: list[RawAttachment], max_bytes: int
) -> tuple[list[Attachment], list[str]]:
    """Stores each part under its hash; one over `max_bytes` keeps its metadata and hash
    only, noted (never dropped silently). Returns the attachments and the notes."""
    stored, notes = [], []
    for part in parts:
        note = None
        if len(part.data) > max_bytes:
            digest = hashlib.sha256(part.data).hexdigest()
            note = f"over the {max_bytes}-byte attachment limit: not stored"
            notes.append(f"attachment {part.filename or part.content_type}: {note}")
        else:
            digest = store_attachment(data_dir, part.data)
        stored.append(
            Attachment(
                part.filename,
                part.content_type,
                len(part.data),
                digest,
                note,
                content_id=part.content_id,
                inline=part.inline,
            )
        )
    return stored, notes

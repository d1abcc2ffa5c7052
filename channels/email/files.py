"""The data dir's content-addressed stores: attachments by SHA-256, raw mails for audit.

Files are named by their hash and written through a temporary name, so a re-read after a
crash or a second mail with the same attachment writes nothing new and no reader ever sees
half a file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gateway.messages import Attachment

from .mime import RawAttachment


def store_blob(directory: Path, name: str, data: bytes) -> None:
    target = directory / name
    if target.exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{name}.{os.getpid()}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, target)


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
        digest = hashlib.sha256(part.data).hexdigest()
        note = None
        if len(part.data) > max_bytes:
            note = f"over the {max_bytes}-byte attachment limit: not stored"
            notes.append(f"attachment {part.filename or part.content_type}: {note}")
        else:
            store_blob(data_dir / "attachments", digest, part.data)
        stored.append(Attachment(part.filename, part.content_type, len(part.data), digest, note))
    return stored, notes

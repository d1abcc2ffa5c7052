"""The data dir's content-addressed file store: attachments and raw originals by SHA-256.

A file is named by its hash and written through a temporary name, so storing the same
bytes twice (a re-read after a crash, the same photo sent again) writes nothing new, and
no reader ever sees half a file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ATTACHMENTS = "attachments"


def store_blob(directory: Path, name: str, data: bytes) -> None:
    target = directory / name
    if target.exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_attachment(data_dir: Path, data: bytes) -> str:
    """Keeps an attachment at `<data_dir>/attachments/<sha256>`; returns the hash."""
    digest = hashlib.sha256(data).hexdigest()
    store_blob(data_dir / ATTACHMENTS, digest, data)
    return digest


#: An inline image larger than this stays a link-less attachment: the ticket JSON carries
#: the images it shows, so it must stay small.
INLINE_IMAGE_MAX_BYTES = 512 * 1024
_CID_SRC = re.compile(r"""(src\s*=\s*)(["'])cid:([^"']+)\2""", re.IGNORECASE)
#: Raster images only: an SVG is a document that can carry script.
_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})


def relink_inline_images(
    html: str, attachments: Iterable[Mapping[str, Any]], data_dir: Path
) -> str:
    """Sanitised HTML with each `cid:` image link replaced by the stored image as a data URL,
    so an agent sees the mail as it was written; links to anything else are dropped."""
    by_cid = {a.get("content_id"): a for a in attachments if a.get("content_id")}

    def image(match: re.Match[str]) -> str:
        found = by_cid.get(match.group(3))
        kind = str(found.get("content_type", "")).lower() if found else ""
        path = data_dir / ATTACHMENTS / str(found.get("sha256")) if found else None
        if path is None or kind not in _INLINE_TYPES or not path.is_file():
            return f"{match.group(1)}{match.group(2)}{match.group(2)}"
        if path.stat().st_size > INLINE_IMAGE_MAX_BYTES:
            return f"{match.group(1)}{match.group(2)}{match.group(2)}"
        data = base64.b64encode(path.read_bytes()).decode()
        return f"{match.group(1)}{match.group(2)}data:{kind};base64,{data}{match.group(2)}"

    return _CID_SRC.sub(image, html)

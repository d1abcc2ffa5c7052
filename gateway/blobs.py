"""The data dir's content-addressed file store: attachments and raw originals by SHA-256.

A file is named by its hash and written through a temporary name, so storing the same
bytes twice (a re-read after a crash, the same photo sent again) writes nothing new, and
no reader ever sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

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

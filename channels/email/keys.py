"""A mail thread's conversation key: one per thread root and customer address."""

from __future__ import annotations

import hashlib


def conversation_key(root: str, address: str) -> str:
    digest = hashlib.sha256(f"{root}\n{address.lower()}".encode()).hexdigest()
    return f"email:{digest[:40]}"

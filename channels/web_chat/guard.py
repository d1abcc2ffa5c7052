"""Who may chat: the embedding site's origin at the handshake, and a verified identity.

A company's site that knows its logged-in customer signs the customer's id with the shared
secret `GATEWAY_WEB_CHAT_IDENTITY_SECRET` and an expiry:
`signature = hex(HMAC-SHA256(secret, f"{customer_id}:{expires}"))`, `expires` in Unix
seconds. The expiry is signed too, so a captured signature is worthless once it passes, and
it may lie at most `MAX_IDENTITY_LIFETIME` ahead, so a site cannot mint one that never ends.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from aiohttp import web

MAX_IDENTITY_LIFETIME = 24 * 3600
MAX_CUSTOMER_ID = 200


def origin_allowed(request: web.Request, allowed: list[str]) -> bool:
    """An empty list allows every origin; the gateway's own pages (`/chat`) always pass.

    The check keeps other websites' pages out: browsers always send `Origin` and a page
    cannot change it. A client without one (a mobile app, a server) is no web page, and
    could send any value anyway, so it is not refused."""
    if not allowed:
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if origin in allowed:
        return True
    return origin.split("://", 1)[-1] == request.host


def sign_identity(secret: str, customer_id: str, expires: int) -> str:
    """The signature a site puts in `data-customer-signature` (the recipe above)."""
    payload = f"{customer_id}:{expires}".encode()
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def verified_customer(secret: str | None, identity: Any, now: float | None = None) -> str | None:
    """The customer id the site vouched for, or None when the signature, its shape or its
    expiry does not hold."""
    if secret is None or not isinstance(identity, dict):
        return None
    customer_id, expires, signature = (
        identity.get("id"),
        identity.get("expires"),
        identity.get("signature"),
    )
    if not isinstance(customer_id, str) or not 0 < len(customer_id) <= MAX_CUSTOMER_ID:
        return None
    if isinstance(expires, str) and expires.isdigit():
        expires = int(expires)
    if not isinstance(expires, int) or not isinstance(signature, str):
        return None
    now = time.time() if now is None else now
    if not now < expires <= now + MAX_IDENTITY_LIFETIME:
        return None
    expected = sign_identity(secret, customer_id, expires)
    return customer_id if hmac.compare_digest(expected, signature.lower()) else None

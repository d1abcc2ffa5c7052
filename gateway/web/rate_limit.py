"""Rate limits: a fixed window per (limit, key), in memory or shared through Redis.

Each limit names what it counts (intake per client address, chat messages per session, new
chat sessions per address, sign-in attempts per address). `check` counts one hit and says how
long to wait when the window's allowance is spent. With `GATEWAY_REDIS_URL` every process
counts in the same Redis keys (INCR, then EXPIRE on the first hit of a window), so N
processes together allow N× nothing more. A fixed window may let 2× through across one
window edge; for flood protection that is fine, and it is one round trip.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Protocol

from aiohttp import web

from gateway.settings import Settings
from gateway.web.errors import ApiError

#: Client addresses whose exemption is remembered.
EXEMPT_CACHE = 4096

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    count: int  # hits allowed per window; 0 turns the limit off
    window: float  # seconds


class Counter(Protocol):
    async def hit(self, key: str, window: float) -> tuple[int, float]:
        """Counts one hit on `key`; returns the hits in the window and seconds left in it."""
        ...

    async def close(self) -> None: ...


class MemoryCounter:
    """One process's counts, for at most `max_keys` keys: windows that ended are dropped as
    new ones start, and a flood from more clients than that forgets its oldest ones (they
    start a fresh count: the bound errs on the lenient side, never on memory)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._max_keys = max_keys
        self._counts: dict[str, int] = {}
        self._window_of: dict[str, int] = {}  # in insertion order: oldest first

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        now = time.time()
        index = int(now // window)
        if self._window_of.get(key) != index:
            self._window_of.pop(key, None)  # inserted again, at the young end
            self._window_of[key] = index
            self._counts[key] = 0
            if len(self._window_of) > self._max_keys:
                self._forget(index)
        self._counts[key] += 1
        return self._counts[key], (index + 1) * window - now

    def __len__(self) -> int:
        return len(self._window_of)

    def _forget(self, index: int) -> None:
        for key in [k for k, i in self._window_of.items() if i < index]:
            del self._window_of[key], self._counts[key]
        # Down to three quarters, so a flood that keeps it full trims now and then, not on
        # every hit.
        for key in list(self._window_of)[: max(0, len(self._window_of) - self._max_keys * 3 // 4)]:
            del self._window_of[key], self._counts[key]

    async def close(self) -> None:
        return None


class RedisCounter:
    """Counts shared by every process using the same Redis."""

    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis

        self._redis = aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        now = time.time()
        index = int(now // window)
        redis_key = f"cgw:rate:{key}:{index}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, math.ceil(window) + 1, nx=True)
            count, _ = await pipe.execute()
        return int(count), (index + 1) * window - now

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        window = settings.rate_limit_window_seconds
        self.intake = Limit("intake", settings.rate_limit_intake, window)
        self.chat_messages = Limit("chat_message", settings.rate_limit_chat_messages, window)
        self.chat_sessions = Limit("chat_session", settings.rate_limit_chat_sessions, window)
        self.sign_in = Limit("sign_in", settings.rate_limit_sign_in, window)
        networks = tuple(ip_network(n, strict=False) for n in settings.rate_limit_exempt)
        # Parsing the address costs more than the rest of the check: each client's is
        # parsed once (a flood comes from few addresses; the bound keeps many in check).
        self._exempt = lru_cache(maxsize=EXEMPT_CACHE)(partial(_is_exempt, networks))
        self._counter: Counter = (
            RedisCounter(settings.redis_url.get_secret_value())
            if settings.redis_url
            else MemoryCounter()
        )
        self._unchecked = 0  # hits let through since the counter last answered

    async def check(self, limit: Limit, key: str) -> int | None:
        """Counts one hit; None when allowed, else the seconds to wait (at least 1).

        If Redis is away the hit is allowed: a limit must not take intake down with it.
        """
        if limit.count <= 0:
            return None
        try:
            count, left = await self._counter.hit(f"{limit.name}:{key}", limit.window)
        except Exception as exc:  # redis.ConnectionError, TimeoutError
            if not self._unchecked:  # once per outage, not once per request
                log.warning("rate limits not checked until Redis answers again: %s", exc)
            self._unchecked += 1
            return None
        if self._unchecked:
            log.warning("rate limits checked again; %d hits were let through", self._unchecked)
            self._unchecked = 0
        return None if count <= limit.count else max(1, math.ceil(left))

    async def enforce(self, limit: Limit, request: web.Request, key: str | None = None) -> None:
        """Raises the contract's 429 (with Retry-After) when `request`'s client (or `key`)
        has spent `limit`."""
        address = request.remote or "unknown"
        if key is None and self.exempt(address):
            return
        retry_after = await self.check(limit, key or address)
        if retry_after is not None:
            raise RateLimited(limit, retry_after)

    def exempt(self, address: str) -> bool:
        return self._exempt(address)

    async def close(self) -> None:
        await self._counter.close()


def _is_exempt(networks: tuple[IPv4Network | IPv6Network, ...], address: str) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


class RateLimited(ApiError):
    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(
            429,
            "rate_limited",
            f"too many requests ({limit.name}: {limit.count} per {limit.window:g}s); "
            f"retry after {retry_after}s",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after

    def frame(self) -> dict[str, object]:
        """The chat frame of the contract for the same refusal."""
        return {
            "type": "error",
            "error": {"code": self.code, "message": self.message, "retry_after": self.retry_after},
        }

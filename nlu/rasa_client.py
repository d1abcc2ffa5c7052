"""Delegating parsing to a running Rasa server (``POST {rasa_url}/model/parse``).

Rasa answers intent, ranking and entities; it knows nothing of language or urgency, which the
caller fills in from the built-in model. Any failure (refused connection, timeout, 5xx, a body
that is not Rasa's JSON) raises :class:`RasaUnavailable` so the caller can fall back.
"""

from __future__ import annotations

from typing import Any

import aiohttp

DEFAULT_TIMEOUT = 2.0
"""Seconds for one Rasa call: a customer is waiting, and the built-in model can answer."""


class RasaUnavailable(Exception):
    """Rasa could not give a usable answer."""


class RasaClient:
    """A small aiohttp client for Rasa's HTTP API; one session, opened on first use."""

    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def parse(self, text: str) -> dict[str, Any]:
        """Rasa's parse answer for ``text``: a dict with at least an ``intent``.

        Raises :class:`RasaUnavailable` on any failure.
        """
        url = f"{self.base_url}/model/parse"
        try:
            async with self._client().post(url, json={"text": text}) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                body = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(body, dict) or not isinstance(body.get("intent"), dict):
            raise RasaUnavailable("Rasa's answer has no intent")
        return body

    async def close(self) -> None:
        """Close the HTTP session (safe to call twice)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

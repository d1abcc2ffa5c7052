"""Delegating to Rasa, against a stand-in Rasa server on loopback, then falling back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.web.responses import json_response
from nlu import NluService

RASA_ANSWER: dict[str, Any] = {
    "text": "",
    "intent": {"name": "billing", "confidence": 0.77},
    "intent_ranking": [
        {"name": "delivery", "confidence": 0.2},
        {"name": "billing", "confidence": 0.77},
        {"name": "greet", "confidence": 0.03},
    ],
    "entities": [
        {
            "entity": "order_number",
            "value": "20261103558712",
            "start": 6,
            "end": 20,
            "extractor": "RegexEntityExtractor",
            "confidence_entity": 1.0,
        }
    ],
}


class StandInRasa:
    """A loopback server answering /model/parse like Rasa, with a switchable failure mode."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.status != 200:
            return json_response({"error": "boom"}, status=self.status)
        return json_response({**RASA_ANSWER, "text": body["text"]})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/model/parse", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def rasa() -> AsyncIterator[StandInRasa]:
    server = StandInRasa()
    await server.start()
    yield server
    await server.stop()


async def test_parse_is_delegated_to_rasa(rasa: StandInRasa, small_data_dir: Path) -> None:
    service = NluService(small_data_dir, rasa_url=rasa.url)
    service.load()
    text = "order 20261103558712 charged twice, my lawyer is ready"
    out = (await service.parse(text)).to_dict()
    await service.close()
    assert rasa.requests == [{"text": text}]
    assert out["intent"] == {"name": "billing", "confidence": 0.77}
    assert [r["name"] for r in out["intent_ranking"]] == ["billing", "delivery", "greet"]
    assert out["entities"][0]["extractor"] == "RegexEntityExtractor"
    assert out["entities"][0]["value"] == "20261103558712"
    # Rasa knows nothing of these: they come from the built-in model.
    assert out["language"] == "en"
    assert out["urgency"]["level"] == "critical"
    assert "legal" in out["urgency"]["reasons"]


async def test_falls_back_when_rasa_errors(
    rasa: StandInRasa, small_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = NluService(small_data_dir, rasa_url=rasa.url)
    service.load()
    rasa.status = 500
    with caplog.at_level(logging.WARNING, logger="nlu.service"):
        out = (await service.parse("退款¥399还没到账")).to_dict()
    await service.close()
    assert out["intent"]["name"] in service.model.intents
    assert out["language"] == "zh-Hans"
    assert "Rasa unavailable" in caplog.text


async def test_falls_back_when_rasa_is_stopped_and_warns_once(
    rasa: StandInRasa, small_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = NluService(small_data_dir, rasa_url=rasa.url)
    service.load()
    assert (await service.parse("hi")).intent is not None
    await rasa.stop()
    with caplog.at_level(logging.WARNING, logger="nlu.service"):
        results = [await service.parse(t) for t in ("hi", "转人工", "посылка не пришла")]
    await service.close()
    assert all(r.intent is not None and r.language for r in results)
    assert results[1].language == "zh-Hans"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1


async def test_blank_text_never_reaches_rasa(rasa: StandInRasa, small_data_dir: Path) -> None:
    service = NluService(small_data_dir, rasa_url=rasa.url)
    service.load()
    assert (await service.parse("   ")).to_dict() == {}
    await service.close()
    assert rasa.requests == []

"""Live handover: an urgent chat goes to an agent at once, and staff consoles hear of it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.handoff.conftest import Desk

INJURY_ZH = "你们卖的电暖器起火了，把我孩子的手烧伤了，已经去医院，我要向市场监管局投诉并找媒体曝光"


async def _frame(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 10) -> Any:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), timeout)
        if frame["type"] == kind:
            return frame


async def _no_frame(ws: aiohttp.ClientWebSocketResponse, kind: str, seconds: float) -> None:
    try:
        await _frame(ws, kind, seconds)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected {kind} frame")


async def test_an_urgent_chat_complaint_goes_to_an_agent_and_the_bot_falls_silent(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    await desk.add_agents("li")
    await desk.put_policy(
        {"agents": [{"name": "li", "department": "quality", "languages": ["zh"]}]}
    )
    await desk.presence("li", "online")
    async with desk.live.http.ws_connect(f"{desk.url}/ws/chat") as chat:
        await chat.send_json({"type": "message", "text": INJURY_ZH})
        acknowledgement = await _frame(chat, "reply")
        number = acknowledgement["ticket"]["number"]
        ticket = await desk.live.ticket(number)
        assert ticket["severity"] == "major"
        assert ticket["handled_by"] == "agent" and ticket["assignee"] == "li"

        await chat.send_json({"type": "message", "text": "有人吗？", "id": "follow-up"})
        await _frame(chat, "received")
        await _no_frame(chat, "reply", 1.5)  # the bot stays silent

        await desk.reply(number, "您好，我是客服小李，我们马上联系您。", "li")
        from_agent = await _frame(chat, "reply")
    assert from_agent["text"] == "您好，我是客服小李，我们马上联系您。"


async def test_staff_consoles_hear_of_assignments_and_major_complaints(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    await desk.add_agents("li")
    await desk.put_policy(
        {"agents": [{"name": "li", "department": "quality", "languages": ["zh"]}]}
    )
    await desk.presence("li", "online")
    agent_url = f"{desk.url}/ws/staff?token={desk.agent_tokens['li']}"
    supervisor_url = f"{desk.url}/ws/staff?token={desk.live.tokens['supervisor']}"
    async with (
        desk.live.http.ws_connect(agent_url) as agent,
        desk.live.http.ws_connect(supervisor_url) as supervisor,
    ):
        assert (await _frame(agent, "hello"))["staff"] == "li"
        await _frame(supervisor, "hello")
        number = (await desk.complain(INJURY_ZH))["ticket"]["number"]

        assigned = await _frame(agent, "ticket_assigned")
        major = await _frame(supervisor, "major_complaint")
        await _no_frame(agent, "major_complaint", 1.0)  # not the agent's business
    assert assigned["data"]["number"] == number
    assert major["data"]["number"] == number and major["data"]["department"] == "quality"


async def test_the_staff_socket_refuses_a_missing_or_unknown_token(sqlite_desk: Desk) -> None:
    for query in ("", "?token=cgw_forged"):
        async with sqlite_desk.live.http.get(f"{sqlite_desk.url}/ws/staff{query}") as resp:
            assert resp.status == 401


async def test_the_staff_socket_answers_a_ping_and_a_bad_frame_with_an_error_frame(
    sqlite_desk: Desk,
) -> None:
    url = f"{sqlite_desk.url}/ws/staff?token={sqlite_desk.live.tokens['supervisor']}"
    async with sqlite_desk.live.http.ws_connect(url) as socket:
        await _frame(socket, "hello")
        await socket.send_json({"type": "ping"})
        await _frame(socket, "pong")
        for bad, code in [("{nope", "invalid_json"), ('{"type": "dance"}', "unknown_type")]:
            await socket.send_str(bad)
            assert (await _frame(socket, "error"))["error"]["code"] == code
        await socket.send_json({"type": "ping"})
        await _frame(socket, "pong")  # still open


async def test_a_chat_survey_comes_with_score_buttons_and_a_tap_answers_it(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    async with desk.live.http.ws_connect(f"{desk.url}/ws/chat") as chat:
        await chat.send_json({"type": "message", "text": "快递三天都没送到，订单号20261103558712"})
        number = (await _frame(chat, "reply"))["ticket"]["number"]
        assert (await desk.status(number, "resolved"))[0] == 200
        desk.clock.advance(hours=25)
        await desk.monitor()
        survey = await _frame(chat, "reply")
        assert survey["kind"] == "survey" and "满意" in survey["text"]
        assert [c["value"] for c in survey["choices"]] == ["1", "2", "3", "4", "5"]
        await chat.send_json({"type": "message", "text": survey["choices"][4]["value"]})
        thanks = await _frame(chat, "reply")
    assert number in thanks["text"]
    assert (await desk.live.ticket(number))["status"] == "closed"

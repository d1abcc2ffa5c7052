"""Replies to chat customers as websocket frames.

Each frame carries the outbox id, so a frame sent again after a crash is recognisable to
the widget as one it already shows. A customer with no open socket gets nothing now: the
outbox parks the reply and sends it when their session reconnects.
"""

from __future__ import annotations

from gateway.messages import Delivery, OutboundMessage

from .sessions import ChatSessions


class WebChatOutput:
    def __init__(self, sessions: ChatSessions) -> None:
        self._sessions = sessions

    def holds(self, conversation_key: str) -> bool:
        """Whether the customer's chat is open on this process."""
        return bool(self._sessions.open_sockets(conversation_key))

    async def send(self, message: OutboundMessage) -> Delivery:
        sockets = self._sessions.open_sockets(message.conversation_key)
        if not sockets:
            return Delivery.park("chat customer not connected")
        frame = {
            "type": "reply",
            "id": message.id,
            "kind": message.kind,
            # The agent's name, so the customer sees who took over; "bot" otherwise.
            "author": message.author,
            "text": message.text,
            "ticket": {"number": message.ticket_number} if message.ticket_number else None,
            # Quick answers (a survey's scores) for the widget to show as buttons.
            "choices": [{"label": c.label, "value": c.value} for c in message.choices],
        }
        delivered = False
        for ws in sockets:
            try:
                await ws.send_json(frame)
                delivered = True
            except (ConnectionError, RuntimeError):
                continue  # that socket is going away; another may still be open
        return Delivery.ok() if delivered else Delivery.park("chat socket closed while sending")

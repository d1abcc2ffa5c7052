"""The website's chat box: a customer session over one websocket, resumable after a reconnect,
and the widget script and pages that speak it."""

from __future__ import annotations

from gateway.channels import ChannelContext, ChannelSet

from .inbound import WebChatInput
from .outbound import WebChatOutput
from .pages import ChatPages
from .sessions import ChatSessions

NAME = "web_chat"


def setup(context: ChannelContext, channels: ChannelSet) -> None:
    sessions = ChatSessions()
    context.app.router.add_routes(WebChatInput(context, sessions).routes())
    context.app.router.add_routes(ChatPages().routes())
    context.app.on_shutdown.append(sessions.close_all)
    channels.add_output(NAME, WebChatOutput(sessions))

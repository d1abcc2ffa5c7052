"""The website's chat box: a customer session over one websocket, resumable after a reconnect,
and the widget script and pages that speak it."""

from __future__ import annotations

from gateway.channels import Channel, ChannelContext, ChannelSet

from .sessions import conversation_key


def setup(context: ChannelContext, channels: ChannelSet) -> None:
    from .inbound import WebChatInput
    from .outbound import WebChatOutput
    from .pages import ChatPages
    from .presence import TypingSignal
    from .sessions import ChatSessions
    from .uploads import ChatUploads

    sessions = ChatSessions()
    uploads = ChatUploads(context.settings)
    context.app.router.add_routes(WebChatInput(context, sessions, uploads).routes())
    context.app.router.add_routes(uploads.routes())
    context.app.router.add_routes(ChatPages().routes())
    context.app.router.add_routes(
        TypingSignal(context.database, sessions, context.tickets, context.events).routes()
    )
    context.app.on_shutdown.append(sessions.close_all)
    channels.add_output(CHANNEL.name, WebChatOutput(sessions))


CHANNEL = Channel(name="web_chat", setup=setup, conversation_key=conversation_key, live_chat=True)

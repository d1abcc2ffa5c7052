"""The Telegram channel: a bot's chats in, sendMessage out (issue #7).

On when `telegram_token` is set. With `telegram_webhook_secret` it serves
`POST /telegram/webhook` (and registers it with setWebhook when `telegram_webhook_url` is
set); without, it long-polls getUpdates.
"""

from __future__ import annotations

from gateway.channels import Channel, ChannelContext, ChannelSet

from .keys import conversation_key


def setup(context: ChannelContext, channels: ChannelSet) -> None:
    if not context.settings.telegram_token:
        return
    # aiogram takes about 150 MB once imported: load it only where the channel is on.
    from .channel import start

    start(context, channels)


CHANNEL = Channel(name="telegram", setup=setup, conversation_key=conversation_key, live_chat=True)

"""The `api` channel: integrations and staff-entered phone or walk-in complaints."""

from __future__ import annotations

from gateway.channels import Channel, ChannelContext, ChannelSet

from .inbound import ApiInput, conversation_key
from .outbound import ApiOutput


def setup(context: ChannelContext, channels: ChannelSet) -> None:
    context.app.router.add_routes(ApiInput(context).routes())
    output = ApiOutput(context.settings.api_callback_url)
    channels.add_output(CHANNEL.name, output)
    context.app.cleanup_ctx.append(output.session_ctx)


CHANNEL = Channel(name="api", setup=setup, conversation_key=conversation_key)

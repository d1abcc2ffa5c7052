"""The `api` channel: integrations and staff-entered phone or walk-in complaints."""

from __future__ import annotations

from gateway.channels import ChannelContext, ChannelSet

from .inbound import ApiInput
from .outbound import ApiOutput

NAME = "api"


def setup(context: ChannelContext, channels: ChannelSet) -> None:
    context.app.router.add_routes(ApiInput(context).routes())
    output = ApiOutput(context.settings.api_callback_url)
    channels.add_output(NAME, output)
    context.app.cleanup_ctx.append(output.session_ctx)

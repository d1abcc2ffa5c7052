"""The composition root: the one place that knows every channel and the ticket desk.

A new channel is one folder under `channels/` and one line in `CHANNEL_SETUPS`.
"""

from __future__ import annotations

from collections.abc import Callable

import channels.api
import channels.email
import channels.telegram
import channels.web_chat
import handoff
from gateway.channels import ChannelContext, ChannelSet
from gateway.data_rights_commands import add_data_rights_commands
from gateway.settings import Settings
from handoff.commands import add_handoff_commands
from handoff.desk import TicketDesk
from nlu.replies import ReplyTemplates

ChannelSetup = Callable[[ChannelContext, ChannelSet], None]

CHANNEL_SETUPS: tuple[ChannelSetup, ...] = (
    channels.api.setup,
    channels.email.setup,
    channels.web_chat.setup,
    channels.telegram.setup,
)


def ticket_desk(settings: Settings) -> TicketDesk:
    return TicketDesk(settings)


#: Sub-commands other packages add to `complaint-gateway` (`sales import`, `policy load`).
CLI_COMMANDS = (add_handoff_commands, add_data_rights_commands)


def setup_handoff(context: ChannelContext, desk: TicketDesk, templates: ReplyTemplates) -> None:
    """Staff routes, the SLA monitor, surveys and spike warnings."""
    handoff.setup(context, desk, templates)

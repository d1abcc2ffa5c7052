"""The composition root: the one place that knows every channel and the ticket desk.

A new channel is one folder under `channels/` and one line in `CHANNEL_SETUPS`.
"""

from __future__ import annotations

from collections.abc import Callable

import channels.api
import channels.email
import channels.web_chat
from gateway.channels import ChannelContext, ChannelSet
from gateway.ports import TicketDesk
from gateway.settings import Settings
from handoff.desk import TicketDesk as PolicyTicketDesk
from handoff.routes import routes as ticket_routes

ChannelSetup = Callable[[ChannelContext, ChannelSet], None]

CHANNEL_SETUPS: tuple[ChannelSetup, ...] = (
    channels.api.setup,
    channels.email.setup,
    channels.web_chat.setup,
)

STAFF_ROUTES = (ticket_routes,)


def ticket_desk(settings: Settings) -> TicketDesk:
    return PolicyTicketDesk(settings)

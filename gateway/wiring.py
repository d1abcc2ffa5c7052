"""The composition root: the one place that knows every channel and the ticket desk.

A new channel is one folder under `channels/` and one line in `CHANNELS`.
"""

from __future__ import annotations

import channels.api
import channels.email
import channels.telegram
import channels.web_chat
import handoff.app
import handoff.schema
from gateway.channels import ChannelContext, ChannelRegistry
from gateway.settings import Settings
from handoff.commands import add_handoff_commands
from handoff.data_rights_commands import add_data_rights_commands
from handoff.desk import TicketDesk
from handoff.ticket_index import TicketIndex
from nlu.replies import ReplyTemplates

CHANNELS = ChannelRegistry(
    (
        channels.api.CHANNEL,
        channels.email.CHANNEL,
        channels.web_chat.CHANNEL,
        channels.telegram.CHANNEL,
    )
)


def ticket_desk(settings: Settings, templates: ReplyTemplates) -> TicketDesk:
    """The handling policy: the pipeline's one call into `handoff`."""
    return TicketDesk(settings, templates, CHANNELS.live_chats)


#: Ticket numbers and summaries for the gateway's own answers (the outbox, intake, audit).
TICKETS = TicketIndex()

#: Alembic's target: the gateway's one `MetaData`, once handoff and every channel have put
#: their tables on it (importing `handoff.schema` and the channel records above does that).
METADATA = handoff.schema.metadata

#: Sub-commands other packages add to `complaint-gateway` (`sales import`, `policy load`).
CLI_COMMANDS = (add_handoff_commands, add_data_rights_commands)


def setup_handoff(context: ChannelContext, desk: TicketDesk, templates: ReplyTemplates) -> None:
    """Staff routes, the SLA monitor, surveys and spike warnings."""
    handoff.app.setup(context, desk, templates)

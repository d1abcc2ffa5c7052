"""The email channel: reads the support mailbox by IMAP, answers by SMTP in the thread.

On when GATEWAY_EMAIL_IMAP_URL is set (reading) and GATEWAY_EMAIL_SMTP_URL (answering);
both need GATEWAY_EMAIL_FROM, the support address, which is also how the gateway knows its
own mail when it comes back.
"""

from __future__ import annotations

from gateway.channels import Channel, ChannelContext, ChannelSet

from .keys import conversation_key
from .schema import email_checkpoints, email_messages


def setup(context: ChannelContext, channels: ChannelSet) -> None:
    settings = context.settings
    if not settings.email_imap_url and not settings.email_smtp_url:
        return
    # The mail libraries take tens of MB once imported: load them only where mail is on.
    from .inbound import EmailInput
    from .outbound import EmailOutput
    from .url import parse_from, parse_imap_url, parse_smtp_url

    sender = parse_from(settings.email_from)
    if settings.email_imap_url:
        reader = EmailInput(
            context, parse_imap_url(settings.email_imap_url.get_secret_value()), sender.addr_spec
        )
        context.app.cleanup_ctx.append(reader.reader_ctx)
    if settings.email_smtp_url:
        output = EmailOutput(
            context.database,
            context.clock,
            parse_smtp_url(settings.email_smtp_url.get_secret_value()),
            sender,
            settings.email_timeout_seconds,
        )
        channels.add_output(CHANNEL.name, output)


CHANNEL = Channel(
    name="email",
    setup=setup,
    conversation_key=conversation_key,
    schema=(email_messages, email_checkpoints),
)

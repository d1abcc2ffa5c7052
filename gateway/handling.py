"""What the gateway does with one parsed message, inside one transaction.

Everything here happens in the same transaction that marks the message done: the ticket,
its ledger events and the reply in the outbox exist together or not at all, which is what
makes a retried or resumed message safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import messages
from gateway.messages import EVERY_MESSAGE_A_TICKET
from gateway.ports import TicketDesk, TicketRequest, TicketSummary
from gateway.settings import Settings
from gateway.store import conversations, outbox
from gateway.store.messages import STAGE_DONE, STAGE_STORED, intake_result
from nlu import COMPLAINT_INTENTS
from nlu.replies import ReplyTemplates

#: Categories where the order number is what an agent needs first.
ORDER_CATEGORIES = frozenset(
    {"product_quality", "delivery", "billing", "sales_contract", "after_sales"}
)
DIALOGUE_REPLIES = frozenset({"greet", "thanks"})
#: Channels where the customer is waiting live: an urgent complaint there goes to a person.
CHAT_CHANNELS = frozenset({"web_chat", "telegram"})
HANDOVER_URGENCIES = frozenset({"high", "critical"})
UNDETERMINED = "und"
#: A chat command such as "/start" or "/help@bot" says nothing of the customer's language.
BOT_COMMAND = re.compile(r"^/\w+(@\w+)?(\s|$)")


@dataclass
class Outcome:
    ticket: TicketSummary | None = None
    reply_text: str | None = None
    opened_ticket: bool = False
    notes: list[str] = field(default_factory=list)

    def as_result(self, message_id: int) -> dict[str, Any]:
        """The intake route's answer for this message."""
        return intake_result(message_id, self.ticket, self.reply_text)


class MessageHandler:
    def __init__(self, desk: TicketDesk, replies: ReplyTemplates, settings: Settings) -> None:
        self._desk = desk
        self._replies = replies
        self._settings = settings

    def apply(
        self, conn: Connection, message_id: int, parsed: dict[str, Any], now: datetime
    ) -> Outcome | None:
        """Handles a stored message once; None if another worker already did.

        The message row is locked first (PostgreSQL; SQLite has one writer anyway), so a
        second process handling the same message waits here and then finds it done.
        """
        message = conn.execute(
            sa.select(messages).where(messages.c.id == message_id).with_for_update()
        ).first()
        if message is None or message.stage != STAGE_STORED:
            return None
        intent = (parsed.get("intent") or {}).get("name")
        customer_id = conversations.resolve_customer(conn, message, now)
        conversation = conversations.resolve_conversation(conn, message, customer_id, now)
        detected = parsed.get("language")
        if detected in (None, UNDETERMINED) or BOT_COMMAND.match(message.text):
            # Emoji, digits, "/start": answer as the conversation goes, or as the channel hints.
            detected = None
        language = detected or conversation.language or message.language_hint or "en"
        suppressed = bool((message.metadata or {}).get("reply_suppressed"))
        # A channel without a live bot dialogue (email) sets this: whatever a person wrote,
        # it opens a ticket or joins one, so it always reaches an agent.
        always_ticket = bool((message.metadata or {}).get(EVERY_MESSAGE_A_TICKET))
        # Every message of a conversation with an open ticket is part of that ticket's thread;
        # one the channel suppressed (an auto-reply, a bounce, a repeat) is kept apart.
        joined = None if suppressed else self._join_open_ticket(conn, conversation, message.id, now)
        outcome = Outcome(ticket=joined)

        survey = None
        if not suppressed and joined is None:
            survey = self._desk.answer_survey(conn, conversation.id, message.id, message.text, now)

        if suppressed:
            outcome.notes.append("reply suppressed: no ticket, no answer")
        elif survey is not None:
            outcome.ticket = survey.ticket
            name = "survey_reopened" if survey.reopened else "survey_thanks"
            outcome.reply_text = self._replies.render(
                name, language, ticket_number=survey.ticket.number, satisfied=survey.satisfied
            )
        elif conversation.handled_by == "agent" and (outcome.ticket or not always_ticket):
            # An agent holds this conversation: the bot stays silent.
            outcome.notes.append("conversation held by an agent: no bot reply")
        elif (
            always_ticket
            and outcome.ticket is None
            and intent not in COMPLAINT_INTENTS
            and intent != "request_human"
        ):
            # A greeting, a status question, a bare subject or attachments: still a ticket.
            other = {**parsed, "intent": {"name": "other"}}
            self._open_complaint(conn, message, other, conversation, language, now, outcome)
        elif intent in COMPLAINT_INTENTS:
            if outcome.ticket is not None:
                outcome.reply_text = self._added_to_ticket(outcome.ticket, language)
            else:
                self._open_complaint(conn, message, parsed, conversation, language, now, outcome)
        elif intent == "check_status":
            outcome.reply_text = self._status(conn, parsed, customer_id, language)
        elif intent == "request_human":
            if outcome.ticket is None:
                # A person needs a ticket to answer on, even before the customer said why.
                self._open_complaint(
                    conn,
                    message,
                    {**parsed, "intent": {"name": "other"}},
                    conversation,
                    language,
                    now,
                    outcome,
                    acknowledge=False,
                )
            assert outcome.ticket is not None
            self._desk.hand_to_agent(conn, outcome.ticket.id, "customer asked for a person", now)
            outcome.reply_text = self._replies.render(
                intent, language, ticket_number=outcome.ticket.number
            )
        elif intent in DIALOGUE_REPLIES:
            number = outcome.ticket.number if outcome.ticket else None
            outcome.reply_text = self._replies.render(intent, language, ticket_number=number)
        elif not message.text.strip():
            outcome.notes.append("empty message: nothing to classify, no ticket")
        elif outcome.ticket is not None:
            # Not understood, on an open ticket: most likely a detail for the agent.
            outcome.reply_text = self._added_to_ticket(outcome.ticket, language)
        else:
            outcome.reply_text = self._replies.render("fallback", language)

        conversations.update_conversation(
            conn,
            conversation.id,
            now,
            language=language,
            ticket_id=outcome.ticket.id if outcome.ticket else conversation.ticket_id,
        )
        if outcome.reply_text:
            outbox.enqueue(
                conn,
                channel=message.channel,
                conversation_key=message.conversation_key,
                recipient=message.sender_id,
                kind="acknowledgement" if outcome.opened_ticket else "bot_reply",
                text=outcome.reply_text,
                now=now,
                ticket_id=outcome.ticket.id if outcome.ticket else None,
                message_id=message.id,
                dedupe_key=f"reply:{message.id}",
                metadata={"language": language},
            )
        conn.execute(
            sa.update(messages)
            .where(messages.c.id == message.id)
            .values(
                stage=STAGE_DONE,
                language=parsed.get("language"),
                intent=intent,
                parse=parsed or None,
                ticket_id=outcome.ticket.id if outcome.ticket else None,
                notes=[*(message.notes or []), *outcome.notes],
            )
        )
        return outcome

    def _open_complaint(
        self,
        conn: Connection,
        message: sa.Row[Any],
        parsed: dict[str, Any],
        conversation: conversations.Conversation,
        language: str,
        now: datetime,
        outcome: Outcome,
        *,
        acknowledge: bool = True,
    ) -> None:
        urgency = parsed.get("urgency") or {}
        entities = tuple(parsed.get("entities") or ())
        category = parsed["intent"]["name"]
        ticket = self._desk.open_ticket(
            conn,
            TicketRequest(
                message_id=message.id,
                customer_id=conversation.customer_id,
                conversation_id=conversation.id,
                channel=message.channel,
                language=language,
                category=category,
                urgency=urgency.get("level", "normal"),
                urgency_reasons=tuple(urgency.get("reasons") or ()),
                entities=entities,
                received_at=message.received_at,
                text=message.text,
            ),
            now,
        )
        outcome.ticket, outcome.opened_ticket = ticket, True
        if not acknowledge:
            return
        if message.channel in CHAT_CHANNELS and ticket.urgency in HANDOVER_URGENCIES:
            self._desk.hand_to_agent(
                conn, ticket.id, f"{ticket.urgency} urgency in a chat", now, only_if_staffed=True
            )
        has_order = any(e.get("entity") == "order_number" for e in entities)
        outcome.reply_text = self._replies.render(
            "acknowledgement",
            language,
            customer_name=message.sender_name,
            category=category,
            severity=ticket.severity,
            ticket_number=ticket.number,
            response_hours=ticket.response_hours,
            business_hours=ticket.business_hours,
            due=self._local(ticket.first_response_due),
            ask_order_number=category in ORDER_CATEGORIES and not has_order,
        )

    def _status(
        self, conn: Connection, parsed: dict[str, Any], customer_id: int, language: str
    ) -> str:
        asked = next(
            (
                e["value"]
                for e in parsed.get("entities") or ()
                if e.get("entity") == "ticket_number"
            ),
            None,
        )
        ticket = self._desk.find_for_customer(conn, customer_id, asked)
        return self._replies.render(
            "check_status",
            language,
            ticket_number=ticket.number if ticket else None,
            status=ticket.status if ticket else None,
            due=self._local(ticket.first_response_due) if ticket else None,
            example_number=f"{self._settings.ticket_prefix}-202611-000123",
        )

    def _join_open_ticket(
        self,
        conn: Connection,
        conversation: conversations.Conversation,
        message_id: int,
        now: datetime,
    ) -> TicketSummary | None:
        if conversation.ticket_id is None:
            return None
        return self._desk.add_customer_message(conn, conversation.ticket_id, message_id, now)

    def _added_to_ticket(self, ticket: TicketSummary, language: str) -> str:
        return self._replies.render(
            "added_to_ticket",
            language,
            ticket_number=ticket.number,
            due=self._local(ticket.first_response_due),
        )

    def _local(self, moment: datetime) -> str:
        """A deadline as the customer reads it: business time with its UTC offset."""
        local = moment.astimezone(self._settings.zone)
        offset = local.strftime("%z")
        return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"

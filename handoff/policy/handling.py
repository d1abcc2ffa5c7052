"""The handling policy for one customer message: the intent switch.

Which turn a message takes (join the open ticket, answer a survey, stay silent while an
agent holds the chat, open a complaint, answer a question) is policy, so it lives here;
the pipeline calls `TicketDesk.handle` once and gets an `Outcome` back.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from gateway.messages import EVERY_MESSAGE_A_TICKET
from gateway.ports import Outcome, TicketSummary
from gateway.settings import Settings
from gateway.store import conversations
from handoff.policy.numbering import format_ticket_number, ticket_period
from handoff.policy.requests import SurveyAnswerOutcome, TicketRequest
from nlu import COMPLAINT_INTENTS
from nlu.replies import ReplyTemplates

#: Categories where the order number is what an agent needs first.
ORDER_CATEGORIES = frozenset(
    {"product_quality", "delivery", "billing", "sales_contract", "after_sales"}
)
DIALOGUE_REPLIES = frozenset({"greet", "thanks"})
HANDOVER_URGENCIES = frozenset({"high", "critical"})
UNDETERMINED = "und"
#: A chat command such as "/start" or "/help@bot" says nothing of the customer's language.
BOT_COMMAND = re.compile(r"^/\w+(@\w+)?(\s|$)")


class TicketSteps(Protocol):
    """The desk's steps the handling policy takes (`handoff.desk.TicketDesk` has them)."""

    def open_ticket(
        self, conn: Connection, request: TicketRequest, now: datetime
    ) -> TicketSummary: ...

    def add_customer_message(
        self, conn: Connection, ticket_id: int, message_id: int, now: datetime
    ) -> TicketSummary | None: ...

    def find_for_customer(
        self, conn: Connection, customer_id: int, number: str | None
    ) -> TicketSummary | None: ...

    def hand_to_agent(
        self,
        conn: Connection,
        ticket_id: int,
        reason: str,
        now: datetime,
        *,
        only_if_staffed: bool = False,
    ) -> str | None: ...

    def answer_survey(
        self, conn: Connection, conversation_id: int, message_id: int, text: str, now: datetime
    ) -> SurveyAnswerOutcome | None: ...


class MessageHandling:
    def __init__(
        self,
        desk: TicketSteps,
        replies: ReplyTemplates,
        settings: Settings,
        live_chat_channels: frozenset[str],
    ) -> None:
        self._desk = desk
        self._replies = replies
        self._settings = settings
        #: Channels where the customer is waiting live: an urgent complaint goes to a person.
        self._live_chats = live_chat_channels

    def handle(
        self, conn: Connection, message: Any, parsed: dict[str, Any], now: datetime
    ) -> Outcome:
        """Decides and records what one stored message means, in the caller's transaction;
        the caller queues `reply_text` and marks the message done."""
        intent = (parsed.get("intent") or {}).get("name")
        customer_id = conversations.resolve_customer(
            conn, message, now, self._settings.phone_region
        )
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
        outcome = Outcome(ticket=joined, language=language)

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
            outcome.reply_text = self._status(conn, parsed, customer_id, language, now)
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
        return outcome

    def _open_complaint(
        self,
        conn: Connection,
        message: Any,
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
        if message.channel in self._live_chats and ticket.urgency in HANDOVER_URGENCIES:
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
        self,
        conn: Connection,
        parsed: dict[str, Any],
        customer_id: int,
        language: str,
        now: datetime,
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
            # This month's form, so the example looks like the customer's own number.
            example_number=format_ticket_number(
                self._settings.ticket_prefix, ticket_period(now, self._settings.zone), 123
            ),
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

"""The ticket desk: every step of the complaint-handling policy on one ticket.

Each method runs inside the caller's transaction, so a step, its ledger events and its
notifications exist together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.ports import Outcome, TicketSummary
from gateway.settings import Settings
from handoff import ledger
from handoff.policy import handover, lifecycle, opening, reopening, routing, surveys
from handoff.policy.calendar import BusinessCalendar
from handoff.policy.handling import MessageHandling
from handoff.policy.lifecycle import OPEN_STATUSES
from handoff.policy.notify import agent_audience, notify
from handoff.policy.policy import Policy
from handoff.policy.policy_store import PolicyCache
from handoff.policy.requests import SurveyAnswerOutcome, TicketRequest
from handoff.policy.survey_answers import parse_survey_answer
from handoff.schema import tickets
from nlu.replies import ReplyTemplates


class TicketNotFound(LookupError):
    pass


class TicketDesk:
    """Implements `gateway.ports.Desk` (the pipeline's one call), and every step the policy
    and the staff take on a ticket."""

    def __init__(
        self,
        settings: Settings,
        replies: ReplyTemplates,
        live_chat_channels: frozenset[str] = frozenset(),
    ) -> None:
        self._settings = settings
        self.policies = PolicyCache(settings.timezone)
        #: The registry's live-chat channels (the customer waits: takeover makes sense).
        self.live_chats = live_chat_channels
        self._handling = MessageHandling(self, replies, settings, live_chat_channels)

    def policy(self, conn: Connection) -> tuple[Policy, BusinessCalendar]:
        return self.policies.current(conn)

    # --- the pipeline's side (gateway.ports.Desk) ---

    def handle(
        self, conn: Connection, message: Any, parsed: dict[str, Any], now: datetime
    ) -> Outcome:
        return self._handling.handle(conn, message, parsed, now)

    # --- the handling policy's steps ---

    def open_ticket(self, conn: Connection, request: TicketRequest, now: datetime) -> TicketSummary:
        policy, calendar = self.policy(conn)
        ticket_id = opening.open_ticket(
            conn, request, now, settings=self._settings, policy=policy, calendar=calendar
        )
        return self._summary(self._row(conn, ticket_id), policy)

    def add_customer_message(
        self, conn: Connection, ticket_id: int, message_id: int, now: datetime
    ) -> TicketSummary | None:
        ticket = self._row(conn, ticket_id)
        if ticket is None or ticket.status not in OPEN_STATUSES:
            return None
        ledger.append(
            conn, ticket_id, "customer_message", "customer", {"message_id": message_id}, now
        )
        policy, calendar = self.policy(conn)
        if ticket.status == "waiting_customer":
            # The customer answered: the resolution clock runs again.
            lifecycle.change_status(conn, ticket, "in_progress", "customer", now, calendar)
            ticket = self._row(conn, ticket_id)
        if ticket.assignee:
            notify(
                conn,
                agent_audience(ticket.assignee),
                "customer_message",
                {"number": ticket.number, "message_id": message_id},
                now,
                ticket_id,
            )
        return self._summary(ticket, policy)

    def find_for_customer(
        self, conn: Connection, customer_id: int, number: str | None
    ) -> TicketSummary | None:
        query = sa.select(tickets).where(tickets.c.customer_id == customer_id)
        if number:
            query = query.where(tickets.c.number == number)
        row = conn.execute(query.order_by(tickets.c.id.desc()).limit(1)).first()
        return self._summary(row, self.policy(conn)[0]) if row else None

    def hand_to_agent(
        self,
        conn: Connection,
        ticket_id: int,
        reason: str,
        now: datetime,
        *,
        only_if_staffed: bool = False,
    ) -> str | None:
        policy, _ = self.policy(conn)
        return handover.hand_to_agent(
            conn, self._row(conn, ticket_id), policy, reason, now, only_if_staffed=only_if_staffed
        )

    def answer_survey(
        self, conn: Connection, conversation_id: int, message_id: int, text: str, now: datetime
    ) -> SurveyAnswerOutcome | None:
        # Most messages are no survey answer: tell from the text before asking the database.
        answer = parse_survey_answer(text)
        if answer is None:
            return None
        policy, calendar = self.policy(conn)
        survey = surveys.open_survey(conn, conversation_id, policy, now)
        if survey is None:
            return None
        surveys.record_answer(conn, survey, answer, message_id, now)
        ticket = lifecycle.load_ticket_by_id(conn, survey.ticket_id)
        reopened = not answer.satisfied and ticket.status in ("resolved", "closed")
        if reopened:
            self._reopen(conn, ticket, policy, calendar, "customer", "unsatisfied survey", now)
        elif ticket.status == "resolved":
            lifecycle.change_status(conn, ticket, "closed", "customer", now, calendar, "survey")
        return SurveyAnswerOutcome(
            ticket=self._summary(self._row(conn, ticket.id), policy),
            score=answer.score,
            satisfied=answer.satisfied,
            reopened=reopened,
        )

    # --- the staff's side ---

    def change_status(
        self, conn: Connection, number: str, wanted: str, actor: str, now: datetime
    ) -> None:
        """Moves the ticket along the lifecycle; raises TicketNotFound, UnknownStatus or
        IllegalTransition. Resolving schedules the survey; reopening routes it again."""
        ticket = self._locked(conn, number)
        policy, calendar = self.policy(conn)
        if wanted == "reopened":
            lifecycle.check_transition(ticket.status, wanted)
            self._reopen(conn, ticket, policy, calendar, actor, "staff", now)
            return
        lifecycle.change_status(conn, ticket, wanted, actor, now, calendar)
        if wanted == "resolved":
            surveys.schedule(conn, ticket, policy, now)
        if wanted == "new" and ticket.assignee:
            routing.drain_queue(conn, policy, now)

    def record_agent_reply(self, conn: Connection, number: str, agent: str, now: datetime) -> Any:
        """The bookkeeping of a staff reply: the first response, the status, the assignee.
        Returns the ticket row as it was before (the caller queues the message)."""
        ticket = self._locked(conn, number)
        _, calendar = self.policy(conn)
        values: dict[str, Any] = {"updated_at": now}
        if ticket.first_responded_at is None:
            values["first_responded_at"] = now
            ledger.append(
                conn,
                ticket.id,
                "first_response",
                agent,
                {"within_deadline": now <= ticket.first_response_due},
                now,
            )
        if ticket.assignee is None:
            routing.assign(conn, ticket, agent, agent, "took by replying", now)
        if ticket.status in ("new", "assigned", "reopened"):
            lifecycle.change_status(
                conn, self._row(conn, ticket.id), "in_progress", agent, now, calendar
            )
        conn.execute(sa.update(tickets).where(tickets.c.id == ticket.id).values(**values))
        return ticket

    def set_handler(
        self, conn: Connection, number: str, handled_by: str, actor: str, now: datetime
    ) -> None:
        """Takes a chat from the bot ("agent") or gives it back ("bot")."""
        handover.set_handler(conn, self._locked(conn, number), handled_by, actor, now)

    # --- helpers ---

    def _reopen(
        self,
        conn: Connection,
        ticket: Any,
        policy: Policy,
        calendar: BusinessCalendar,
        actor: str,
        reason: str,
        now: datetime,
    ) -> None:
        reopening.reopen(
            conn,
            ticket,
            policy,
            calendar,
            actor,
            reason,
            now,
            email_enabled=bool(self._settings.email_smtp_url and self._settings.email_from),
        )

    def _locked(self, conn: Connection, number: str) -> Any:
        ticket = lifecycle.load_ticket(conn, number)
        if ticket is None:
            raise TicketNotFound(number)
        return ticket

    def _row(self, conn: Connection, ticket_id: int) -> Any:
        return conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()

    def _summary(self, row: Any, policy: Policy) -> TicketSummary:
        target = policy.sla.get(row.severity) or policy.sla["general"]
        return TicketSummary(
            id=int(row.id),
            number=row.number,
            status=row.status,
            category=row.category,
            urgency=row.urgency,
            severity=row.severity,
            department=row.department,
            customer_id=int(row.customer_id),
            first_response_due=row.first_response_due,
            resolution_due=row.resolution_due,
            assignee=row.assignee,
            response_hours=target.first_response_hours,
            business_hours=target.first_response_clock == "business",
        )

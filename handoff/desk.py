"""The ticket desk: every step of the complaint-handling policy on one ticket.

Each method runs inside the caller's transaction, so a step, its ledger events and its
notifications exist together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import conversations
from gateway.events import TicketOpened
from gateway.ports import Outcome, TicketSummary
from gateway.settings import Settings
from handoff import ledger
from handoff.policy import lifecycle, routing, surveys
from handoff.policy.calendar import BusinessCalendar
from handoff.policy.deadlines import Deadlines, deadlines_for
from handoff.policy.handling import MessageHandling
from handoff.policy.lifecycle import OPEN_STATUSES
from handoff.policy.notify import agent_audience, alert_supervisors, notify
from handoff.policy.numbering import next_ticket_number
from handoff.policy.policy import Policy
from handoff.policy.policy_store import PolicyCache
from handoff.policy.requests import SurveyAnswerOutcome, TicketRequest
from handoff.policy.survey_answers import parse_survey_answer
from handoff.schema import tickets
from nlu.replies import ReplyTemplates

SYSTEM_ACTOR = "system"


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
        number = next_ticket_number(
            conn, self._settings.ticket_prefix, self._settings.zone, request.received_at
        )
        severity = policy.severity_for(request.urgency, request.category)
        department = policy.department_for(request.category)
        target = policy.sla[severity]
        due = deadlines_for(request.received_at, target, calendar)
        recounted_from: Deadlines | None = None
        if due.first_response_due < now:
            # A back-dated complaint (entered by staff after the fact) whose policy deadline
            # has passed: promising a time already gone helps nobody, so count from now.
            recounted_from, due = due, deadlines_for(now, target, calendar)
        order = next(
            (e["value"] for e in request.entities if e.get("entity") == "order_number"), None
        )
        prefix_length = policy.spikes.order_prefix_length
        ticket_id = conn.scalar(
            sa.insert(tickets)
            .values(
                number=number,
                status="new",
                category=request.category,
                urgency=request.urgency,
                severity=severity,
                language=request.language,
                channel=request.channel,
                department=department,
                customer_id=request.customer_id,
                conversation_id=request.conversation_id,
                created_at=request.received_at,
                updated_at=now,
                first_response_due=due.first_response_due,
                resolution_due=due.resolution_due,
                product=policy.product_in(request.text),
                order_prefix=str(order)[:prefix_length] if order and prefix_length else None,
            )
            .returning(tickets.c.id)
        )
        assert ticket_id is not None
        ledger.record(
            conn,
            TicketOpened(
                ticket_id=ticket_id,
                number=number,
                actor=SYSTEM_ACTOR,
                at=now,
                message_id=request.message_id,
                channel=request.channel,
                category=request.category,
                urgency=request.urgency,
                urgency_reasons=tuple(request.urgency_reasons),
                severity=severity,
                department=department,
            ),
        )
        ledger.append(
            conn,
            ticket_id,
            "routed",
            SYSTEM_ACTOR,
            {
                "department": department,
                "first_response_due": due.first_response_due.isoformat(),
                "resolution_due": due.resolution_due.isoformat(),
                "first_response_clock": target.first_response_clock,
            },
            now,
        )
        if recounted_from is not None:
            ledger.append(
                conn,
                ticket_id,
                "deadline_recounted",
                SYSTEM_ACTOR,
                {
                    "why": "received_at is in the past and the policy's deadline has passed",
                    "received_at": request.received_at.isoformat(),
                    "policy_first_response_due": recounted_from.first_response_due.isoformat(),
                    "first_response_due": due.first_response_due.isoformat(),
                    "resolution_due": due.resolution_due.isoformat(),
                },
                now,
            )
        ticket = self._row(conn, ticket_id)
        assignee = routing.choose_agent(
            conn, policy, department, request.language, request.category
        )
        if assignee is not None:
            routing.assign(conn, ticket, assignee, SYSTEM_ACTOR, "routing", now)
        if severity == "major":
            alert_supervisors(
                conn,
                policy,
                department,
                "major_complaint",
                f"Major complaint {number} ({request.category}): first response due "
                f"{due.first_response_due.astimezone(self._settings.zone):%Y-%m-%d %H:%M}",
                {"number": number, "reasons": list(request.urgency_reasons)},
                now,
                ticket_id=ticket_id,
                email_enabled=self._email_enabled,
            )
            ledger.append(
                conn, ticket_id, "supervisors_notified", SYSTEM_ACTOR, {"why": "major"}, now
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
        ticket = self._row(conn, ticket_id)
        policy, _ = self.policy(conn)
        if only_if_staffed and not policy.agents_of(ticket.department):
            ledger.append(
                conn,
                ticket_id,
                "handover_skipped",
                SYSTEM_ACTOR,
                {"reason": reason, "why": f"no agents in {ticket.department}"},
                now,
            )
            return None
        conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == ticket.conversation_id)
            .values(handled_by="agent", updated_at=now)
        )
        ledger.append(conn, ticket_id, "handed_to_agent", SYSTEM_ACTOR, {"reason": reason}, now)
        if ticket.assignee is None:
            agent = routing.choose_agent(
                conn, policy, ticket.department, ticket.language, ticket.category
            )
            if agent is None:
                notify(
                    conn,
                    "supervisors",
                    "chat_waiting",
                    {"number": ticket.number, "department": ticket.department, "reason": reason},
                    now,
                    ticket_id,
                )
                return None
            routing.assign(conn, ticket, agent, SYSTEM_ACTOR, reason, now)
            return agent
        notify(
            conn,
            agent_audience(ticket.assignee),
            "chat_handed_over",
            {"number": ticket.number, "reason": reason},
            now,
            ticket_id,
        )
        return str(ticket.assignee)

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
        ticket = self._locked(conn, number)
        conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == ticket.conversation_id)
            .values(handled_by=handled_by, updated_at=now)
        )
        event = "taken_over" if handled_by == "agent" else "handed_back"
        ledger.append(conn, ticket.id, event, actor, {"to": handled_by}, now)
        if handled_by == "agent" and ticket.assignee is None:
            routing.assign(conn, ticket, actor, actor, "took over the chat", now)

    # --- helpers ---

    @property
    def _email_enabled(self) -> bool:
        return bool(self._settings.email_smtp_url and self._settings.email_from)

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
        """Reopens and routes back: to the same agent when they can take it, else anew."""
        lifecycle.change_status(conn, ticket, "reopened", actor, now, calendar, reason)
        reopened = self._row(conn, ticket.id)
        previous = ticket.assignee
        agent = None
        if previous:
            agent = routing.choose_agent(
                conn,
                _only(policy, previous),
                reopened.department,
                reopened.language,
                reopened.category,
            )
        agent = agent or routing.choose_agent(
            conn, policy, reopened.department, reopened.language, reopened.category
        )
        conn.execute(
            sa.update(tickets)
            .where(tickets.c.id == ticket.id)
            .values(assignee=None, assigned_at=None)
        )
        if agent is not None:
            routing.assign(conn, self._row(conn, ticket.id), agent, SYSTEM_ACTOR, "reopened", now)
        alert_supervisors(
            conn,
            policy,
            reopened.department,
            "ticket_reopened",
            f"Ticket {ticket.number} reopened: {reason}",
            {"number": ticket.number, "reason": reason},
            now,
            ticket_id=ticket.id,
            occurrence=f"{ticket.id}:{reopened.reopen_count}",
            email_enabled=self._email_enabled,
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


def _only(policy: Policy, agent: str) -> Policy:
    """The policy with one agent: to ask whether that agent can take a ticket back."""
    return policy.model_copy(update={"agents": [a for a in policy.agents if a.name == agent]})

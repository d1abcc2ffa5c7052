"""Follow-up satisfaction surveys: scheduled on resolution, sent once, answered once.

The schedule is a row per ticket (unique), claimed with `SKIP LOCKED` and sent through the
outbox under a dedupe key, so a restart loses no survey and no process sends one twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.events import SurveyAnswered
from gateway.store import conversations, outbox
from handoff import ledger
from handoff.policy.policy import Policy
from handoff.policy.survey_answers import SurveyAnswer
from handoff.schema import surveys, tickets
from nlu.replies import ReplyTemplates

SCORES = ("1", "2", "3", "4", "5")


def schedule(conn: Connection, ticket: Any, policy: Policy, now: datetime) -> None:
    """Schedules the ticket's survey (again, after a reopened ticket is resolved anew)."""
    due = now + timedelta(hours=policy.survey.delay_hours)
    existing = conn.scalar(sa.select(surveys.c.id).where(surveys.c.ticket_id == ticket.id))
    values = {
        "status": "scheduled",
        "due_at": due,
        "sent_at": None,
        "answered_at": None,
        "score": None,
        "satisfied": None,
        "answer_message_id": None,
    }
    if existing is None:
        conn.execute(
            sa.insert(surveys).values(
                ticket_id=ticket.id, conversation_id=ticket.conversation_id, **values
            )
        )
    else:
        conn.execute(sa.update(surveys).where(surveys.c.id == existing).values(**values))
    ledger.append(conn, ticket.id, "survey_scheduled", "system", {"due_at": due.isoformat()}, now)


def send_due(conn: Connection, templates: ReplyTemplates, now: datetime, limit: int = 100) -> int:
    """Queues every due survey on its customer's channel; returns how many."""
    due = conn.execute(
        sa.select(surveys.c.id, surveys.c.ticket_id, surveys.c.conversation_id)
        .where(surveys.c.status == "scheduled", surveys.c.due_at <= now)
        .order_by(surveys.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for survey in due:
        ticket = conn.execute(
            sa.select(tickets.c.number, tickets.c.language, tickets.c.reopen_count).where(
                tickets.c.id == survey.ticket_id
            )
        ).one()
        channel, conversation_key, recipient, language = conversations.reply_address(
            conn, survey.conversation_id
        )
        language = language or ticket.language
        outbox.enqueue(
            conn,
            channel=channel,
            conversation_key=conversation_key,
            recipient=recipient,
            kind="survey",
            text=templates.render("survey", language, ticket_number=ticket.number),
            now=now,
            ticket_id=survey.ticket_id,
            # One survey per resolution: a reopened and resolved-again ticket asks again.
            dedupe_key=f"survey:{survey.ticket_id}:{ticket.reopen_count}",
            metadata={
                "language": language,
                "choices": [{"label": score, "value": score} for score in SCORES],
            },
        )
        conn.execute(
            sa.update(surveys).where(surveys.c.id == survey.id).values(status="sent", sent_at=now)
        )
        ledger.append(conn, survey.ticket_id, "survey_sent", "system", {}, now)
    return len(due)


def open_survey(conn: Connection, conversation_id: int, policy: Policy, now: datetime) -> Any:
    """The conversation's survey that was sent and may still be answered, if any."""
    oldest_answerable = now - timedelta(days=policy.survey.answer_within_days)
    return conn.execute(
        sa.select(surveys)
        .where(
            surveys.c.conversation_id == conversation_id,
            surveys.c.status == "sent",
            surveys.c.sent_at >= oldest_answerable,
        )
        .order_by(surveys.c.sent_at.desc())
        .limit(1)
        .with_for_update()
    ).first()


def record_answer(
    conn: Connection, survey: Any, answer: SurveyAnswer, message_id: int, now: datetime
) -> None:
    conn.execute(
        sa.update(surveys)
        .where(surveys.c.id == survey.id)
        .values(
            status="answered",
            answered_at=now,
            score=answer.score,
            satisfied=answer.satisfied,
            answer_message_id=message_id,
        )
    )
    ledger.record(
        conn,
        SurveyAnswered(
            ticket_id=int(survey.ticket_id),
            actor="customer",
            at=now,
            score=answer.score,
            satisfied=answer.satisfied,
            message_id=message_id,
        ),
    )


def expire_unanswered(conn: Connection, policy: Policy, now: datetime) -> list[int]:
    """Surveys nobody answered in time; returns their ticket ids (the caller closes them)."""
    oldest_answerable = now - timedelta(days=policy.survey.answer_within_days)
    expired = conn.execute(
        sa.select(surveys.c.id, surveys.c.ticket_id)
        .where(surveys.c.status == "sent", surveys.c.sent_at < oldest_answerable)
        .with_for_update(skip_locked=True)
    ).all()
    if expired:
        conn.execute(
            sa.update(surveys)
            .where(surveys.c.id.in_([s.id for s in expired]))
            .values(status="expired")
        )
    return [int(s.ticket_id) for s in expired]

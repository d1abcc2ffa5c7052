"""SLA deadlines: the policy's targets laid on the business calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handoff.policy.calendar import BusinessCalendar
from handoff.policy.policy import SlaTarget


@dataclass(frozen=True, slots=True)
class Deadlines:
    first_response_due: datetime
    resolution_due: datetime


def deadlines_for(
    received_at: datetime, target: SlaTarget, calendar: BusinessCalendar
) -> Deadlines:
    """First response and resolution deadlines for a complaint received at `received_at`.

    Business-clock targets count working hours only (a complaint on Friday evening is due on
    Monday); a "plain" first response counts every hour, so a major complaint on Saturday
    night is answered within hours.
    """
    if target.first_response_clock == "plain":
        first = received_at + timedelta(hours=target.first_response_hours)
    else:
        first = calendar.add_business_hours(received_at, target.first_response_hours)
    return Deadlines(first, calendar.add_business_hours(received_at, target.resolution_hours))


def resumed_resolution_due(
    resolution_due: datetime, waiting_since: datetime, now: datetime, calendar: BusinessCalendar
) -> datetime:
    """The resolution deadline after the customer answered: the working time spent waiting
    for them does not count against the team."""
    paused = calendar.business_hours_between(waiting_since, now)
    return calendar.add_business_hours(resolution_due, paused) if paused > 0 else resolution_due

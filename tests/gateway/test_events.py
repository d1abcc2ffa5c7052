"""The event bus: typed events, subscribers by type, delivery only after commit, durability."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.db.schema import event_outbox
from gateway.events import (
    Event,
    EventBus,
    EventRelay,
    MessageStored,
    OutboxQueued,
    SlaBreached,
    SpikeRaised,
    StaffReplied,
    StatusChanged,
    SurveyAnswered,
    TicketAssigned,
    TicketEvent,
    TicketOpened,
    emit,
)

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

EXAMPLES: list[Event] = [
    MessageStored(message_id=1, channel="api", conversation_key="api:c1", at=AT),
    OutboxQueued(outbox_id=2, channel="email", conversation_key="k", kind="bot_reply"),
    TicketOpened(
        ticket_id=3,
        number="TS-202611-000001",
        actor="system",
        at=AT,
        message_id=1,
        channel="api",
        category="delivery",
        urgency="high",
        urgency_reasons=("deadline",),
        severity="important",
        department="logistics",
    ),
    TicketAssigned(
        ticket_id=3,
        number="TS-202611-000001",
        actor="system",
        at=AT,
        previous=None,
        agent="ann",
        reason="routing",
        status="assigned",
    ),
    StatusChanged(
        ticket_id=3,
        number="TS-202611-000001",
        actor="ann",
        at=AT,
        previous="in_progress",
        status="resolved",
        resolution_due=AT + timedelta(days=1),
    ),
    StaffReplied(ticket_id=3, actor="ann", at=AT, outbox_id=9),
    SurveyAnswered(ticket_id=3, actor="customer", at=AT, score=2, satisfied=False, message_id=7),
    SlaBreached(
        ticket_id=3,
        number="TS-202611-000001",
        actor="system",
        at=AT,
        level="breached",
        first_response_due=AT,
        resolution_due=AT + timedelta(days=2),
        assignee=None,
    ),
    SpikeRaised(
        dimension="category", value="delivery", observed=9, expected=1.5, p_value=1e-4, at=AT
    ),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type_name())
def test_every_event_survives_json_and_comes_back_typed(event: Event) -> None:
    data = json.loads(json.dumps(event.to_dict()))
    assert data["type"] == type(event).__name__
    assert Event.from_dict(data) == event


def test_an_unknown_or_misfitting_event_is_refused() -> None:
    with pytest.raises(KeyError):
        Event.from_dict({"type": "NoSuchEvent"})
    with pytest.raises(TypeError):
        TicketEvent.from_dict(EXAMPLES[0].to_dict())  # MessageStored is no ticket event
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        Event.from_dict({**EXAMPLES[0].to_dict(), "message_id": "not a number"})


def test_a_ticket_event_reads_in_the_ledger_as_it_always_did() -> None:
    opened, assigned, changed = EXAMPLES[2], EXAMPLES[3], EXAMPLES[4]
    assert isinstance(opened, TicketEvent) and opened.ledger_name() == "opened"
    assert opened.ledger_data()["urgency_reasons"] == ["deadline"]
    assert isinstance(assigned, TicketEvent)
    assert assigned.ledger_data() == {
        "from": None,
        "to": "ann",
        "reason": "routing",
        "status": "assigned",
    }
    assert isinstance(changed, TicketEvent)
    assert changed.ledger_data()["resolution_due"] == (AT + timedelta(days=1)).isoformat()
    breached = EXAMPLES[7]
    assert isinstance(breached, TicketEvent) and breached.ledger_name() == "sla_breached"


async def test_subscribers_get_only_the_types_they_named() -> None:
    bus = EventBus()
    tickets: list[Event] = []
    queued: list[Event] = []

    async def on_ticket(event: TicketEvent) -> None:
        tickets.append(event)

    bus.subscribe(on_ticket, TicketEvent)  # a base class takes every subclass
    bus.subscribe(queued.append, OutboxQueued)  # a plain function works too
    for event in EXAMPLES:
        await bus.publish(event)
    assert [type(e) for e in tickets] == [
        TicketOpened,
        TicketAssigned,
        StatusChanged,
        StaffReplied,
        SurveyAnswered,
        SlaBreached,
    ]
    assert queued == [EXAMPLES[1]]


async def test_a_failing_subscriber_keeps_the_event_from_no_other() -> None:
    bus = EventBus()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(broken, Event)
    bus.subscribe(seen.append, Event)
    await bus.publish(EXAMPLES[0])
    assert seen == [EXAMPLES[0]]


def test_subscribing_to_nothing_is_a_mistake() -> None:
    with pytest.raises(TypeError):
        EventBus().subscribe(print)


class RecordingTransport:
    """Another process's side of the seam: what we sent, and what it publishes to us."""

    def __init__(self, incoming: list[Event]) -> None:
        self.sent: list[Event] = []
        self.incoming = incoming

    async def send(self, events: list[Event]) -> None:
        self.sent.extend(events)

    async def receive(self) -> AsyncIterator[Event]:
        for event in self.incoming:
            yield event

    async def close(self) -> None:
        return None


async def test_the_transport_carries_events_out_and_in() -> None:
    transport = RecordingTransport(incoming=[EXAMPLES[2]])
    bus = EventBus(transport)
    seen: list[Event] = []
    bus.subscribe(seen.append, Event)
    await bus.publish(EXAMPLES[0])
    assert seen == [EXAMPLES[0]]  # delivered here at once; sent on in the background
    await bus.flush()
    assert transport.sent == [EXAMPLES[0]]
    await bus.run()  # ends when the transport's stream does
    assert seen == [EXAMPLES[0], EXAMPLES[2]]
    assert transport.sent == [EXAMPLES[0]]  # what came in is not sent back out


class FlakyTransport(RecordingTransport):
    """A transport whose peer is away until `up` is set."""

    def __init__(self) -> None:
        super().__init__(incoming=[])
        self.up = False

    async def send(self, events: list[Event]) -> None:
        if not self.up:
            raise ConnectionError("peer away")
        await super().send(events)


async def test_an_outage_of_the_transport_is_logged_once_and_its_end_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = FlakyTransport()
    bus = EventBus(transport)
    seen: list[Event] = []
    bus.subscribe(seen.append, Event)
    await bus.publish(EXAMPLES[0])
    await bus.flush()
    await bus.publish_all(EXAMPLES[1:3])
    await bus.flush()
    transport.up = True
    await bus.publish(EXAMPLES[3])
    await bus.flush()
    assert seen == EXAMPLES[:4]  # delivered here whatever the transport did
    assert transport.sent == [EXAMPLES[3]]
    messages = [r.getMessage() for r in caplog.records if r.name == "gateway.events.bus"]
    assert len(messages) == 2
    assert "failed; quiet until it works again" in messages[0]
    assert messages[1] == "sending to other processes works again; 3 were not sent"


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'events.db'}")
    await upgrade(db)
    yield db
    await db.dispose()


def _outbox_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(event_outbox)))


async def test_events_are_delivered_after_the_commit_and_durable_ones_kept_till_then(
    database: Database,
) -> None:
    bus, clock = EventBus(), Clock()
    relay = EventRelay(database, bus, clock)
    seen: list[Event] = []
    bus.subscribe(seen.append, Event)

    def step(conn: Connection) -> int:
        emit(conn, EXAMPLES[1])  # not durable
        emit(conn, EXAMPLES[2])  # durable: a row in this transaction
        assert seen == []  # nothing is told before the commit
        return len(_outbox_rows(conn))

    assert await database.write(step) == 1
    assert seen == [EXAMPLES[1], EXAMPLES[2]]
    assert len(await database.read(_outbox_rows)) == 1
    await relay.flush()
    assert await database.read(_outbox_rows) == []


async def test_a_rolled_back_step_tells_nobody(database: Database) -> None:
    bus = EventBus()
    EventRelay(database, bus, Clock())
    seen: list[Event] = []
    bus.subscribe(seen.append, Event)

    def failing_step(conn: Connection) -> None:
        emit(conn, EXAMPLES[2])
        raise RuntimeError("step failed")

    with pytest.raises(RuntimeError):
        await database.write(failing_step)
    assert seen == []
    assert await database.read(_outbox_rows) == []
    await database.write(lambda conn: None)  # the next transaction starts with nothing pending
    assert seen == []


async def test_an_event_a_crashed_process_left_behind_is_published_again(
    database: Database,
) -> None:
    # The crashed process: it committed, and died before publishing (no relay listening).
    await database.write(emit, EXAMPLES[3])
    bus, clock = EventBus(), Clock()
    relay = EventRelay(database, bus, clock)
    seen: list[Event] = []
    bus.subscribe(seen.append, Event)

    clock.now = AT + timedelta(seconds=5)  # young: maybe a live process's, on its way
    assert await relay.republish_stale() == 0
    clock.now = AT + timedelta(minutes=5)
    assert await relay.republish_stale() == 1
    assert seen == [EXAMPLES[3]]
    assert await database.read(_outbox_rows) == []

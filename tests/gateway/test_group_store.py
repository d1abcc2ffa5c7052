"""The group commit's store (`store_inbound_many`), on SQLite and PostgreSQL: one look-up and
one multi-row insert, with every redelivery recognised, even within the group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
import sqlalchemy as sa

from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.db.schema import messages
from gateway.messages import InboundMessage, Sender
from gateway.store.messages import store_inbound_many

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _message(external_id: str, text: str = "My parcel never arrived") -> InboundMessage:
    return InboundMessage(
        channel="api",
        external_id=external_id,
        conversation_key=f"api:{external_id}",
        sender=Sender(id=f"c-{external_id}"),
        text=text,
        received_at=NOW,
    )


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await upgrade(db)
    yield db
    await db.dispose()


async def test_a_group_stores_each_new_message_once_in_the_order_given(
    database: Database,
) -> None:
    ((earlier, created),) = await database.write(store_inbound_many, [_message("c")], NOW)
    assert created
    group = [_message("a"), _message("b"), _message("a", "a redelivery"), _message("c")]
    results = await database.write(store_inbound_many, group, NOW)
    (a, a_new), (b, b_new), (a_again, a_again_new), (c, c_new) = results
    assert (a_new, b_new, a_again_new, c_new) == (True, True, False, False)
    assert a_again == a and c == earlier and len({a, b, c}) == 3
    rows = await database.read(
        lambda conn: conn.execute(
            sa.select(messages.c.id, messages.c.external_id, messages.c.text).order_by(
                messages.c.id
            )
        ).all()
    )
    assert [(r.id, r.external_id) for r in rows] == [(c, "c"), (a, "a"), (b, "b")]
    assert rows[1].text == "My parcel never arrived"  # the first of the group's copies

"""The base of every event: a frozen dataclass that travels as a JSON object.

An event's `type` is its class name; `Event.from_dict` finds the class again from it, so a
process that receives `{"type": "TicketOpened", ...}` from another gets the same typed
object back. pydantic does the converting (datetimes, tuples) in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from pydantic import TypeAdapter


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened. Subclasses are frozen dataclasses with JSON-friendly fields.

    `durable` events are written to the `event_outbox` table in the transaction that caused
    them, so a crash between commit and delivery does not lose them.
    """

    durable: ClassVar[bool] = False
    _types: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = Event._types.get(cls.__name__)
        if known is not None and known.__module__ != cls.__module__:
            raise TypeError(f"two events named {cls.__name__}")
        Event._types[cls.__name__] = cls

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data with a "type" key that names it."""
        data: dict[str, Any] = _adapter(type(self)).dump_python(self, mode="json")
        return {"type": self.type_name(), **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """The event `to_dict` gave; raises KeyError for an unknown type and pydantic's
        ValidationError for fields that do not fit it (or a type not derived from `cls`)."""
        fields = dict(data)
        event_type = Event._types[fields.pop("type")]
        if not issubclass(event_type, cls):
            raise TypeError(f"{event_type.__name__} is not a {cls.__name__}")
        event: Self = _adapter(event_type).validate_python(fields)
        return event


_adapters: dict[type[Event], TypeAdapter[Any]] = {}


def _adapter(event_type: type[Event]) -> TypeAdapter[Any]:
    adapter = _adapters.get(event_type)
    if adapter is None:
        adapter = _adapters[event_type] = TypeAdapter(event_type)
    return adapter

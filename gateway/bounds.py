"""The one place that bounds outside input before it reaches a parser or the database.

Every route, chat frame and Telegram update decodes JSON with `loads`, and every inbound
message passes `clean_inbound` on its way into `IntakePipeline.accept`. What cannot be
trusted is either refused with a `Refusal` (a 4xx code the caller turns into its own error
shape) or, for a customer's own words, kept with the offending characters replaced and a
note saying so: a complaint is never lost for a stray NUL.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.messages import InboundMessage, Sender

#: Deeper JSON than this is refused; no request or frame of the contract nests past ~6.
MAX_JSON_DEPTH = 32
#: Longer integer literals are refused (Python refuses more than 4,300 digits by itself).
MAX_INT_DIGITS = 30
#: Dates a channel may claim: earlier ones are typos or zero values, later ones clock faults.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)

REPLACEMENT = "\ufffd"
#: NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates (no encoding can).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Refusal(ValueError):
    """Input refused: `code` is the contract's error code, `message` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def loads(raw: str | bytes) -> Any:
    """JSON decoded with bounded depth and number size; `Refusal` when it is not.

    Codes: `invalid_utf8`, `invalid_json`, `json_too_deep`, `number_too_large`.
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refusal("invalid_utf8", f"body is not valid UTF-8 at byte {exc.start}") from None
    try:
        value = json.loads(raw, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise Refusal("invalid_json", f"not valid JSON: {exc.msg} at {exc.pos}") from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise _too_deep()
    return value


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise Refusal("number_too_large", f"integers may have at most {MAX_INT_DIGITS} digits")
    return int(literal)


def _no_constant(name: str) -> Any:
    raise Refusal("invalid_json", f"{name} is not valid JSON")


def _too_deep() -> Refusal:
    return Refusal("json_too_deep", f"JSON may nest at most {MAX_JSON_DEPTH} levels")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Walked without recursion, so the check itself cannot overflow the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def clean_text(text: str) -> tuple[str, int]:
    """`text` with NUL and lone surrogates replaced by U+FFFD, and how many were."""
    return _UNSTORABLE.subn(REPLACEMENT, text)


def clean_value(value: Any) -> tuple[Any, int]:
    """Every string inside a decoded JSON value cleaned; the total replaced."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        pairs = [clean_value(v) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        out, total = {}, 0
        for key, item in value.items():
            clean_key, n = clean_text(key)
            out[clean_key], m = clean_value(item)
            total += n + m
        return out, total
    return value, 0


def unreadable_note(replaced: int) -> str:
    return f"{replaced} unreadable character(s) (NUL or lone surrogate) replaced"


def is_sane_moment(moment: datetime, now: datetime) -> bool:
    """Whether a date a client claims lies between 2000 and a day from now."""
    return EARLIEST <= moment <= now + FUTURE_SLACK


def clean_inbound(message: InboundMessage, now: datetime) -> InboundMessage:
    """The message as it can be stored: unstorable characters replaced, keys longer than
    their columns hashed (never cut, so two keys cannot become one), names cut to fit,
    an absurd date replaced by `now`; each change noted on the message."""
    notes: list[str] = []
    text, replaced = clean_text(message.text)
    sender = message.sender
    name, n_name = _fit(sender.name, 200)
    email, n_email = _fit(sender.email, 320)
    phone, n_phone = _fit(sender.phone, 40)
    replaced += n_name + n_email + n_phone
    if replaced:
        notes.append(unreadable_note(replaced))
    metadata, n_meta = clean_value(message.metadata)
    attachments = tuple(
        replace(a, filename=_fit(a.filename, 255)[0]) if a.filename else a
        for a in message.attachments
    )
    received_at = message.received_at
    if not is_sane_moment(received_at, now):
        notes.append(f"claimed date {_iso(received_at)} is out of range; the time stored is used")
        received_at = now
    return replace(
        message,
        external_id=_key(message.external_id),
        conversation_key=_key(message.conversation_key),
        sender=Sender(id=_key(sender.id), name=name, email=email, phone=phone),
        text=text,
        received_at=received_at,
        attachments=attachments,
        language_hint=_fit(message.language_hint, 16)[0],
        metadata=metadata if n_meta else message.metadata,
        notes=(*message.notes, *notes),
    )


def long_key(prefix: str, key: str, limit: int = 255) -> str:
    """`prefix:key`, or `prefix#sha256(key)` when that would not fit in `limit`.

    The two forms differ at the character after `prefix`, so a hashed key can never equal
    a plain one, and distinct long keys stay distinct.
    """
    plain = f"{prefix}:{key}"
    if len(plain) <= limit:
        return plain
    return f"{prefix}#{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}"


def _key(key: str, limit: int = 255) -> str:
    cleaned, _ = clean_text(key)
    if len(cleaned) <= limit and cleaned == key:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{cleaned[: limit - 72]}#sha256:{digest}"


def _fit(value: str | None, limit: int) -> tuple[str | None, int]:
    if value is None:
        return None, 0
    cleaned, replaced = clean_text(value)
    return cleaned[:limit], replaced


def _iso(moment: datetime) -> str:
    try:
        return moment.isoformat()
    except (OverflowError, ValueError):
        return repr(moment)

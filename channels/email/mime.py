"""One raw mail → its parts as the gateway needs them: headers decoded, text, sanitised HTML,
attachments and notes on whatever had to be guessed.

The standard library's modern policy parses the structure. Header values and text bodies are
decoded here from their raw bytes instead of by the policy, because the policy trusts the
declared charset (a GB2312 label over GBK text loses characters) and this must never raise:
a broken mail is stored with notes, never dropped.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

import nh3

from .charsets import decode, mail_charset

MSGID = re.compile(r"<[^<>\s]{1,400}>")  # longer ones are junk, and too long to index
_FOLD = re.compile(r"\r?\n[ \t]+")
_HEADER_LINE = re.compile(rb"^(?:[!-9;-~]+[ \t]*:|From )")
_WORD_CHARSET = re.compile(r"=\?([^?*\s]+)(?:\*[^?]*)?\?[bBqQ]\?")
#: "cid:" links name the mail's inline images; the ticket view turns them into the images.
URL_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"cid"}
JUNK_LINES = 5  # at most this many junk lines before the first header are dropped
_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|tr|h[1-6]|table|pre)>")
# An innermost <blockquote>: the quoted earlier mail in an HTML reply, kept out of the text.
_BLOCKQUOTE = re.compile(r"(?is)<blockquote\b(?:(?!<blockquote\b).)*?</blockquote>")


@dataclass(frozen=True, slots=True)
class RawAttachment:
    filename: str | None
    content_type: str
    data: bytes
    content_id: str | None = None  # without <>: what "cid:" links in the HTML name
    inline: bool = False


@dataclass(slots=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    sender_name: str | None
    sender_address: str | None  # lower case
    reply_to: str | None
    date: datetime | None
    content_type: str
    headers: dict[str, str]  # lower-case name → first value, decoded
    text: str  # the whole plain text, quotes and signature still in it
    html: str | None  # sanitised
    attachments: list[RawAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    body_type: str = "text/plain"  # the content type the text was read from


def parse_mail(raw: bytes) -> ParsedMail:
    """Parses a mail; never raises for bad input (what it could not read is in `notes`)."""
    notes: list[str] = []
    raw = repair_headers(raw, notes)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    items = [(name.lower(), _unfold(str(value))) for name, value in msg.raw_items()]
    plain, html_part = _body_parts(msg, notes)
    texts = [p for p in (plain, html_part) if p is not None]
    # Undeclared 8-bit bytes anywhere in the mail are read together, in one charset.
    context = mail_charset(
        [_raw_bytes(v) for _, v in items] + [_payload(p) for p in texts if not _charset(p)],
        [*_WORD_CHARSET.findall(" ".join(v for _, v in items)), *map(_charset, _leaves(msg))],
    )
    headers: dict[str, str] = {}
    raw_headers: dict[str, str] = {}
    for key, value in items:
        if key not in raw_headers:
            raw_headers[key] = value
            headers[key] = decode_header_value(value, key.title(), notes, context)
    name, address = _sender([v for k, v in items if k == "from"], notes)
    _, reply_to = _first_address(raw_headers.get("reply-to", ""))
    if not address and reply_to:
        address = reply_to
        notes.append("From has no address: Reply-To taken as the sender")
    message_ids = MSGID.findall(raw_headers.get("message-id", ""))
    text = _part_text(plain, "text body", notes, context) if plain is not None else ""
    html = _part_text(html_part, "HTML body", notes, context) if html_part is not None else None
    safe_html = nh3.clean(html, url_schemes=URL_SCHEMES) if html else None
    if not text.strip() and safe_html:
        text = html_to_text(safe_html)
    attachments = [
        RawAttachment(
            _filename(part, notes, context),
            part.get_content_type(),
            _payload(part),
            content_id=_content_id(part),
            inline=part.get_content_disposition() == "inline",
        )
        for part in _leaves(msg)
        if part is not plain and part is not html_part
    ]
    defects = sorted({type(d).__name__ for part in msg.walk() for d in part.defects})
    if defects:
        notes.append("MIME defects: " + ", ".join(defects))
    return ParsedMail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=MSGID.findall(raw_headers.get("in-reply-to", "")),
        references=MSGID.findall(raw_headers.get("references", "")),
        subject=headers.get("subject", ""),
        sender_name=decode_header_value(name, "From", notes, context) if name else None,
        sender_address=address.lower() if address else None,
        reply_to=reply_to.lower() if reply_to else None,
        date=_date(raw_headers.get("date")),
        content_type=msg.get_content_type(),
        headers=headers,
        text=text,
        html=safe_html,
        attachments=attachments,
        notes=list(dict.fromkeys(notes)),  # a header decoded twice is noted once
        body_type=(plain or html_part or msg).get_content_type(),
    )


def repair_headers(raw: bytes, notes: list[str]) -> bytes:
    """Mends the header block's common breakage before parsing: junk lines before the first
    header (a stray "From " line, a blank line, client garbage) are dropped, and lines of a
    header value that were wrapped without indenting are indented again, so the headers
    after them are not lost to the body."""
    lines = raw.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines[: JUNK_LINES + 1]) if _HEADER_LINE.match(line)), 0
    )
    if start:
        notes.append(f"{start} junk line(s) before the headers dropped")
        lines = lines[start:]
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    last_header = max(
        (i for i, line in enumerate(lines[:end]) if _HEADER_LINE.match(line)), default=0
    )
    mended = 0
    for i in range(1, last_header):
        if not lines[i][:1].isspace() and not _HEADER_LINE.match(lines[i]):
            lines[i] = b" " + lines[i]
            mended += 1
    if mended:
        notes.append(f"{mended} header line(s) folded without indent, rejoined")
    return b"".join(lines) if start or mended else raw


def unreadable_mail(note: str) -> ParsedMail:
    """Stands in for a mail the parser failed on, so it is still stored (raw) and noted."""
    return ParsedMail(
        None,
        [],
        [],
        "",
        None,
        None,
        None,
        None,
        "application/octet-stream",
        {},
        "",
        None,
        notes=[note],
        body_type="application/octet-stream",
    )


def decode_header_value(raw: str, name: str, notes: list[str], context: str | None = None) -> str:
    """Decodes encoded words (and raw 8-bit bytes) with the same charset rules as bodies."""
    try:
        chunks = email.header.decode_header(raw)
    except Exception:  # a broken encoded word: keep the raw text
        notes.append(f"{name} header: broken encoded word kept as it was")
        return raw
    parts: list[str] = []
    for chunk, charset in chunks:
        data = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", "surrogateescape")
        text, more = decode(data, charset, f"{name} header", context)
        parts.append(text)
        notes.extend(more)
    decoded = "".join(parts).strip()
    if raw.strip() and not decoded:  # e.g. an encoded word of nothing but bad base64
        notes.append(f"{name} header: undecodable, kept as it was")
        return raw
    return decoded


def html_to_text(safe_html: str) -> str:
    """Plain text from sanitised HTML, for the NLU; quoted earlier mail (blockquotes) left out."""
    previous = None
    while previous != safe_html:
        previous, safe_html = safe_html, _BLOCKQUOTE.sub("", safe_html)
    text = nh3.clean(_BLOCK_END.sub("\n", safe_html), tags=set())
    text = html_lib.unescape(text).replace("\xa0", " ")
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def _unfold(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def _sender(values: list[str], notes: list[str]) -> tuple[str, str]:
    """Name and address from the From headers: of several, the first with an address; the
    name from any of them ("From: Zhang San" alone, without an address, is a name)."""
    found = [_first_address(value) for value in values]
    if len(values) > 1:
        notes.append(f"{len(values)} From headers: the first with an address taken")
    address = next((a for _, a in found if a), "")
    name = next((n for n, a in found if n and a == address), "")
    bare = [v.strip() for v, (_, a) in zip(values, found, strict=True) if not a and v.strip()]
    return name or (bare[0] if bare else ""), address


def _first_address(raw: str) -> tuple[str, str]:
    try:
        pairs = getaddresses([raw])
    except Exception:
        return "", ""
    for name, address in pairs:
        if "@" in address:
            return name, address
    return "", ""


def _date(raw: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(raw) if raw else None
    except (TypeError, ValueError, IndexError):
        return None


def _body_parts(msg: EmailMessage, notes: list[str]) -> tuple[Message | None, Message | None]:
    try:
        return msg.get_body(("plain",)), msg.get_body(("html",))
    except Exception:
        notes.append("message structure unreadable: the whole mail is kept as an attachment")
        return None, None


def _part_text(part: Message, where: str, notes: list[str], context: str | None) -> str:
    text, more = decode(_payload(part), _charset(part), where, context)
    notes.extend(more)
    return text.replace("\r\n", "\n")


def _leaves(part: Message) -> list[Message]:
    children = part.get_payload()
    if part.get_content_maintype() == "multipart" and isinstance(children, list):
        return [leaf for child in children if isinstance(child, Message) for leaf in _leaves(child)]
    return [part]


def _payload(part: Message) -> bytes:
    """The part's decoded bytes; an attached mail as its own bytes. Never raises."""
    try:
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return bytes(inner[0].as_bytes())
        return str(inner).encode("utf-8", "surrogateescape")
    except Exception:
        return part.as_bytes()


def _filename(part: Message, notes: list[str], context: str | None) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if name and any("\udc80" <= c <= "\udcff" for c in name):  # raw 8-bit bytes
        return decode_header_value(name, "attachment name", notes, context)
    return name


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _content_id(part: Message) -> str | None:
    found = MSGID.search(str(part.get("content-id", "")))
    return found.group(0)[1:-1] if found else None


def _raw_bytes(value: str) -> bytes:
    """A header value's original bytes (the parser keeps 8-bit bytes as surrogates)."""
    return value.encode("utf-8", "surrogateescape")

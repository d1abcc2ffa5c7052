"""Mail that must never be answered: auto-replies, bounces, mailing lists and our own mail.

Answering any of them starts a mail loop or spams a list; they are still stored, with
`reply_suppressed` and the reasons from here as notes.
"""

from __future__ import annotations

from .mime import ParsedMail

BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
DAEMON_SENDERS = ("mailer-daemon@", "postmaster@")


def suppression_reasons(mail: ParsedMail, own_address: str) -> list[str]:
    """Why this mail gets no answer; empty when it may be answered."""
    headers = mail.headers
    reasons = []
    auto_submitted = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        reasons.append(f"auto-reply (Auto-Submitted: {auto_submitted})")
    for name in ("x-autoreply", "x-autorespond"):
        if name in headers:
            reasons.append(f"auto-reply ({name})")
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        reasons.append(f"bulk mail (Precedence: {precedence})")
    if mail.content_type == "multipart/report":
        reasons.append("bounce or receipt (multipart/report)")
    sender = mail.sender_address or ""
    if sender.startswith(DAEMON_SENDERS):
        reasons.append("bounce (from the mail system)")
    if headers.get("return-path", "").strip() == "<>":
        reasons.append("bounce (empty Return-Path)")
    for name in ("list-id", "list-unsubscribe"):
        if name in headers:
            reasons.append(f"mailing list ({name})")
    if sender and sender == own_address.lower():
        reasons.append("sent by the gateway's own address")
    if mail.sender_address is None:
        reasons.append("no sender address to answer")
    return reasons

"""Whether a mail's From address is really the sender's: the receiving server's verdict.

Our own mail server writes `Authentication-Results` at the top of the header (RFC 8601);
only that first one is trusted, since a sender can forge any header below it. A pass for
DMARC, DKIM or SPF makes the address good enough to recognise the same customer on other
channels; without it the mail is still handled, only not linked.
"""

from __future__ import annotations

import re

PASS = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*pass\b", re.IGNORECASE)


def sender_verified(headers: dict[str, str]) -> bool:
    """`headers` maps lower-case names to their first (topmost) value."""
    return bool(PASS.search(headers.get("authentication-results", "")))

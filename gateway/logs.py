"""Structured logs with personal data masked.

Every record goes out as one JSON object (or a plain line with `log_format = "text"`);
email addresses and phone numbers in the message are masked before any handler sees them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# International or local numbers of 7+ digits, with the separators people type.
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}")
_PHONE = re.compile(r"(?<![\w-])(\+?\d[\d\s().-]{5,}\d)(?![\w-])")


def mask_personal_data(text: str) -> str:
    """`alice@example.com` -> `a***@example.com`; `+7 912 345-67-89` -> `***89`."""
    text = _EMAIL.sub(r"\1***@\2", text)

    def _phone(match: re.Match[str]) -> str:
        found = match.group(1)
        digits = re.sub(r"\D", "", found)
        # Phone numbers have 7-13 digits; longer runs are order numbers, and dates are dates.
        if not 7 <= len(digits) <= 13 or _DATE.fullmatch(found.strip()):
            return found
        return f"***{digits[-2:]}"

    return _PHONE.sub(_phone, text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # it narrates every start

"""Personal data never reaches the logs unmasked."""

from __future__ import annotations

import logging

import pytest

from gateway.logs import JsonFormatter, MaskingFilter, mask_personal_data


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("mail from alice.smith@example.com failed", "mail from a***@example.com failed"),
        ("call +7 912 345-67-89 now", "call ***89 now"),
        ("手机 13812345678 联系", "手机 ***78 联系"),
        ("order 2026-11-05 total 399", "order 2026-11-05 total 399"),
    ],
)
def test_emails_and_phones_are_masked(raw: str, masked: str) -> None:
    assert mask_personal_data(raw) == masked


def test_a_log_record_is_masked_before_formatting() -> None:
    record = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "from %s", ("bob@example.org",), None
    )
    assert MaskingFilter().filter(record)
    assert "bob@example.org" not in JsonFormatter().format(record)
    assert "b***@example.org" in JsonFormatter().format(record)

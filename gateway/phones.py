"""Phone numbers as one form, E.164, through Google's libphonenumber (`phonenumbers`).

A number typed the local way ("8 912 345-67-89" in Russia, "138 0013 8000" in China) is
read in the business's default region, so it and its international form ("+7 912 …") are
one customer's number.
"""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, default_region: str) -> str | None:
    """`raw` as "+<country><number>", or None when it is no possible phone number."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_region(code: str) -> bool:
    """A two-letter region libphonenumber knows ("CN", "RU", "US", ...)."""
    return code in phonenumbers.SUPPORTED_REGIONS

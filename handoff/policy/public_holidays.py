"""A country's public holidays and make-up workdays, from the `holidays` library.

Mainland China and Russia move days off around their holidays: a weekend day becomes a
working day in exchange (调休, перенос). The library keeps both: the days off as holidays
and the weekend days worked as `weekend_workdays`, year by year as governments announce
them, so nobody types them into the policy by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays


class UnknownCountry(ValueError):
    pass


def supported(country: str) -> bool:
    return country in holidays.list_supported_countries()


def public_days(country: str, years: Iterable[int]) -> tuple[frozenset[date], frozenset[date]]:
    """The country's public holidays and its make-up workdays (weekend days worked in
    exchange for a day off) in `years`; raises UnknownCountry for a code the library lacks."""
    return _public_days(country, tuple(sorted(set(years))))


@lru_cache(maxsize=16)
def _public_days(country: str, years: tuple[int, ...]) -> tuple[frozenset[date], frozenset[date]]:
    if not supported(country):
        raise UnknownCountry(f"holiday_country: the holidays library has no country {country!r}")
    calendar = holidays.country_holidays(country, years=years)
    wanted = set(years)
    # Populating a year can record an exchange with a neighbouring year's date: keep only
    # the years asked for, so the answer does not depend on what else was asked.
    workdays = {day for day in calendar.weekend_workdays if day.year in wanted}
    return frozenset(calendar), frozenset(workdays)

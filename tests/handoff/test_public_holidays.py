"""The business calendar seeded from the `holidays` library: a country's public holidays and
make-up workdays, which the policy's own dates override."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from handoff.policy.calendar import BusinessCalendar
from handoff.policy.policy import parse_policy
from handoff.policy.policy_store import PolicyError, validate_document

SHANGHAI = ZoneInfo("Asia/Shanghai")
MOSCOW = ZoneInfo("Europe/Moscow")
NINE_TO_SIX = {"working_hours": ["09:00-18:00"]}


def china_2026(**config: object) -> BusinessCalendar:
    return BusinessCalendar.from_config(
        "Asia/Shanghai", {**NINE_TO_SIX, "holiday_country": "CN", **config}, years=[2026]
    )


def at(zone: ZoneInfo, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone)


def test_china_closes_on_national_day_and_opens_on_its_make_up_saturday() -> None:
    calendar = china_2026()
    # The State Council's 2026 schedule: 1-7 October off, Saturday 10 October worked.
    for day in range(1, 8):
        assert not calendar.is_open(at(SHANGHAI, date(2026, 10, day), 10)), day
    assert calendar.is_open(at(SHANGHAI, date(2026, 10, 10), 10))
    assert not calendar.is_open(at(SHANGHAI, date(2026, 10, 11), 10))  # an ordinary Sunday


def test_a_deadline_before_the_spring_festival_runs_on_into_its_make_up_saturday() -> None:
    friday_evening = at(SHANGHAI, date(2026, 2, 13), 17)
    with_library = china_2026().add_business_hours(friday_evening, 2)
    without = BusinessCalendar.from_config("Asia/Shanghai", NINE_TO_SIX)
    # Saturday 14 February 2026 is worked in exchange for a Spring Festival day off.
    assert with_library == at(SHANGHAI, date(2026, 2, 14), 10)
    assert without.add_business_hours(friday_evening, 2) == at(SHANGHAI, date(2026, 2, 16), 10)


def test_the_policys_own_dates_win_over_the_librarys() -> None:
    calendar = china_2026(extra_workdays=["2026-10-02"], holidays=["2026-10-10"])
    assert calendar.is_open(at(SHANGHAI, date(2026, 10, 2), 10))
    assert not calendar.is_open(at(SHANGHAI, date(2026, 10, 10), 10))
    assert not calendar.is_open(at(SHANGHAI, date(2026, 10, 1), 10))  # the rest stays


def test_russia_has_its_new_year_holidays_and_a_working_saturday_in_november() -> None:
    calendar = BusinessCalendar.from_config(
        "Europe/Moscow", {**NINE_TO_SIX, "holiday_country": "RU"}, years=[2025]
    )
    for day in range(1, 9):
        assert not calendar.is_open(at(MOSCOW, date(2025, 1, day), 10)), day
    assert calendar.is_open(at(MOSCOW, date(2025, 11, 1), 10))  # a Saturday, worked
    assert not calendar.is_open(at(MOSCOW, date(2025, 11, 3), 10))  # moved day off
    assert not calendar.is_open(at(MOSCOW, date(2025, 11, 4), 10))  # Unity Day


def test_without_years_the_calendar_covers_this_year_and_the_next() -> None:
    calendar = BusinessCalendar.from_config("Asia/Shanghai", {"holiday_country": "CN"})
    this_year = datetime.now(SHANGHAI).year
    for year in (this_year, this_year + 1):
        assert date(year, 1, 1) in calendar.holidays
        assert date(year, 10, 1) in calendar.holidays


def test_an_unknown_country_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'XX'"):
        BusinessCalendar.from_config("UTC", {"holiday_country": "XX"})
    with pytest.raises(PolicyError, match="holiday_country"):
        validate_document({"calendar": {"holiday_country": "XX"}})


def test_a_policy_without_a_country_keeps_only_its_own_dates() -> None:
    policy = parse_policy({"calendar": {"holidays": ["2026-12-25"]}})
    calendar = policy.calendar_in("Asia/Shanghai")
    assert policy.calendar.holiday_country is None
    assert calendar.holidays == frozenset({date(2026, 12, 25)})
    assert calendar.extra_workdays == frozenset()

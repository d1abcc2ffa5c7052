"""Specification of the business calendar that SLA deadlines are counted on."""

from __future__ import annotations

import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handoff.policy.calendar import BusinessCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

NATIONAL_DAY_2026 = frozenset(date(2026, 10, day) for day in range(1, 8))
#: 2026's make-up working Saturday for the National Day holiday (调休).
MAKE_UP_SATURDAY = date(2026, 10, 10)

OFFICE = BusinessCalendar(SHANGHAI)
CHINA = BusinessCalendar(
    SHANGHAI, holidays=NATIONAL_DAY_2026, extra_workdays=frozenset({MAKE_UP_SATURDAY})
)
WITH_LUNCH = BusinessCalendar(SHANGHAI, working_hours=((time(9), time(12)), (time(13), time(18))))
#: A Sunday night shift whose hours span Berlin's 02:00-03:00 clock changes.
BERLIN_SUNDAY_NIGHTS = BusinessCalendar(
    BERLIN, working_hours=((time(0), time(6)),), workdays=frozenset({6})
)
SPRING_FORWARD_BERLIN = date(2026, 3, 29)
FALL_BACK_BERLIN = date(2026, 10, 25)


def in_shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def in_berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


# --- deadlines in Asia/Shanghai -------------------------------------------------------------


def test_friday_evening_complaint_with_8_business_hours_is_due_monday_at_17() -> None:
    friday_evening = in_shanghai(date(2026, 3, 13), 20)

    due = OFFICE.add_business_hours(friday_evening, 8)

    assert due == in_shanghai(date(2026, 3, 16), 17)


def test_result_is_aware_utc() -> None:
    due = OFFICE.add_business_hours(in_shanghai(date(2026, 3, 16), 10), 1)

    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 16, 3, tzinfo=UTC)


def test_complaint_during_lunch_break_counts_from_the_afternoon_opening() -> None:
    during_lunch = in_shanghai(date(2026, 3, 17), 12, 30)

    assert WITH_LUNCH.add_business_hours(during_lunch, 4) == in_shanghai(date(2026, 3, 17), 17)


def test_lunch_break_does_not_count_towards_the_deadline() -> None:
    late_morning = in_shanghai(date(2026, 3, 17), 11)

    assert WITH_LUNCH.add_business_hours(late_morning, 2) == in_shanghai(date(2026, 3, 17), 14)


def test_deadline_that_uses_up_the_day_exactly_is_the_closing_time_not_next_morning() -> None:
    monday_morning = in_shanghai(date(2026, 3, 16), 9)

    assert OFFICE.add_business_hours(monday_morning, 9) == in_shanghai(date(2026, 3, 16), 18)


def test_national_day_holidays_push_the_deadline_past_the_golden_week() -> None:
    day_before_holidays = in_shanghai(date(2026, 9, 30), 16)

    due = CHINA.add_business_hours(day_before_holidays, 8)

    assert due == in_shanghai(date(2026, 10, 8), 15)


def test_make_up_saturday_counts_as_a_working_day() -> None:
    friday_afternoon = in_shanghai(date(2026, 10, 9), 16)

    due = CHINA.add_business_hours(friday_afternoon, 8)

    assert due == in_shanghai(MAKE_UP_SATURDAY, 15)


def test_deadline_crosses_a_month_boundary() -> None:
    friday_evening = in_shanghai(date(2026, 10, 30), 19)

    due = OFFICE.add_business_hours(friday_evening, 16)

    assert due == in_shanghai(date(2026, 11, 3), 16)


def test_start_can_be_given_in_any_zone() -> None:
    friday_evening_in_utc = datetime(2026, 3, 13, 12, tzinfo=UTC)  # 20:00 in Shanghai

    assert OFFICE.add_business_hours(friday_evening_in_utc, 8) == in_shanghai(date(2026, 3, 16), 17)


def test_zero_hours_from_an_open_moment_is_that_moment() -> None:
    open_moment = in_shanghai(date(2026, 3, 16), 10, 15)

    assert OFFICE.add_business_hours(open_moment, 0) == open_moment


def test_zero_hours_from_a_closed_moment_is_the_next_opening() -> None:
    saturday = in_shanghai(date(2026, 3, 14), 11)

    assert OFFICE.add_business_hours(saturday, 0) == in_shanghai(date(2026, 3, 16), 9)


def test_fractional_hours_are_counted_to_the_minute() -> None:
    monday_morning = in_shanghai(date(2026, 3, 16), 9)

    assert OFFICE.add_business_hours(monday_morning, 1.25) == in_shanghai(date(2026, 3, 16), 10, 15)


# --- is_open and next_opening ---------------------------------------------------------------


def test_open_from_the_opening_minute_and_closed_at_the_closing_minute() -> None:
    monday = date(2026, 3, 16)

    assert OFFICE.is_open(in_shanghai(monday, 9))
    assert not OFFICE.is_open(in_shanghai(monday, 18))
    assert not OFFICE.is_open(in_shanghai(monday, 8, 59))


def test_closed_during_lunch_break() -> None:
    assert not WITH_LUNCH.is_open(in_shanghai(date(2026, 3, 17), 12, 30))


def test_closed_on_a_public_holiday_that_falls_on_a_workday() -> None:
    assert not CHINA.is_open(in_shanghai(date(2026, 10, 1), 10))


def test_open_on_a_make_up_saturday() -> None:
    assert CHINA.is_open(in_shanghai(MAKE_UP_SATURDAY, 10))


def test_next_opening_of_an_open_moment_is_that_moment() -> None:
    open_moment = in_shanghai(date(2026, 3, 16), 11)

    assert OFFICE.next_opening(open_moment) == open_moment


def test_next_opening_after_hours_is_the_next_working_morning() -> None:
    assert CHINA.next_opening(in_shanghai(date(2026, 9, 30), 18)) == in_shanghai(
        date(2026, 10, 8), 9
    )


# --- business_hours_between ------------------------------------------------------------------


def test_business_hours_between_counts_only_working_time() -> None:
    friday_noon = in_shanghai(date(2026, 3, 13), 12)
    monday_noon = in_shanghai(date(2026, 3, 16), 12)

    assert OFFICE.business_hours_between(friday_noon, monday_noon) == 9


def test_business_hours_between_is_zero_when_end_is_not_after_start() -> None:
    monday_noon = in_shanghai(date(2026, 3, 16), 12)

    assert OFFICE.business_hours_between(monday_noon, monday_noon) == 0
    assert OFFICE.business_hours_between(monday_noon, monday_noon - timedelta(hours=2)) == 0


@pytest.mark.parametrize(
    "calendar", [CHINA, WITH_LUNCH, BERLIN_SUNDAY_NIGHTS], ids=["china", "lunch", "berlin-dst"]
)
def test_business_hours_between_inverts_add_business_hours_from_random_starts(
    calendar: BusinessCalendar,
) -> None:
    rng = random.Random(20260329)
    year_start = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(300):
        start = year_start + timedelta(seconds=rng.randrange(365 * 24 * 3600))
        hours = rng.choice([0, rng.uniform(0, 3), rng.uniform(0, 200)])

        due = calendar.add_business_hours(start, hours)

        assert due >= start
        assert calendar.business_hours_between(start, due) == pytest.approx(hours, abs=1e-9)


# --- daylight saving time ---------------------------------------------------------------------


def test_spring_forward_night_shift_is_an_hour_shorter_in_real_time() -> None:
    hours = BERLIN_SUNDAY_NIGHTS.business_hours_between(
        in_berlin(SPRING_FORWARD_BERLIN, 0), in_berlin(SPRING_FORWARD_BERLIN + timedelta(1), 0)
    )

    assert hours == 5


def test_fall_back_night_shift_is_an_hour_longer_in_real_time() -> None:
    hours = BERLIN_SUNDAY_NIGHTS.business_hours_between(
        in_berlin(FALL_BACK_BERLIN, 0), in_berlin(FALL_BACK_BERLIN + timedelta(1), 0)
    )

    assert hours == 7


def test_deadline_across_the_spring_forward_gap_skips_the_missing_hour() -> None:
    due = BERLIN_SUNDAY_NIGHTS.add_business_hours(in_berlin(SPRING_FORWARD_BERLIN, 0), 2)

    assert due == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 CEST: 02:xx never happened
    assert due.astimezone(BERLIN).hour == 3


def test_deadline_in_the_repeated_fall_back_hour_is_real_elapsed_time() -> None:
    due = BERLIN_SUNDAY_NIGHTS.add_business_hours(in_berlin(FALL_BACK_BERLIN, 0), 3)

    assert due == datetime(2026, 10, 25, 1, tzinfo=UTC)  # the second 02:00, now CET
    assert due.astimezone(BERLIN).utcoffset() == timedelta(hours=1)


def test_opening_time_inside_the_gap_opens_at_the_first_real_moment_after_it() -> None:
    opens_in_gap = BusinessCalendar(
        BERLIN, working_hours=((time(2, 30), time(5)),), workdays=frozenset({6})
    )

    opening = opens_in_gap.next_opening(in_berlin(SPRING_FORWARD_BERLIN - timedelta(1), 12))

    assert opening == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 CEST


def test_interval_entirely_inside_the_gap_is_closed_that_day() -> None:
    gap_hour_only = BusinessCalendar(
        BERLIN, working_hours=((time(2), time(3)),), workdays=frozenset({6})
    )
    gap_sunday = in_berlin(SPRING_FORWARD_BERLIN, 0)

    assert gap_hour_only.business_hours_between(gap_sunday, gap_sunday + timedelta(days=1)) == 0
    assert gap_hour_only.next_opening(gap_sunday) == in_berlin(date(2026, 4, 5), 2)


def test_interval_spanning_the_repeated_hour_lasts_two_real_hours() -> None:
    repeated_hour = BusinessCalendar(
        BERLIN, working_hours=((time(2), time(3)),), workdays=frozenset({6})
    )
    fall_back_sunday = in_berlin(FALL_BACK_BERLIN, 0)

    hours = repeated_hour.business_hours_between(
        fall_back_sunday, fall_back_sunday + timedelta(days=1)
    )

    assert hours == 2


def test_new_york_deadline_across_the_dst_weekend_keeps_local_opening_hours() -> None:
    new_york_office = BusinessCalendar(NEW_YORK)
    friday_afternoon = datetime(2026, 3, 6, 17, tzinfo=NEW_YORK)  # EST, UTC-5

    due = new_york_office.add_business_hours(friday_afternoon, 2)

    assert due == datetime(2026, 3, 9, 10, tzinfo=NEW_YORK)
    assert due == datetime(2026, 3, 9, 14, tzinfo=UTC)  # EDT, UTC-4


def test_new_york_fall_back_weekend_does_not_change_business_hours() -> None:
    new_york_office = BusinessCalendar(NEW_YORK)

    hours = new_york_office.business_hours_between(
        datetime(2026, 10, 30, 9, tzinfo=NEW_YORK), datetime(2026, 11, 2, 18, tzinfo=NEW_YORK)
    )

    assert hours == 18


# --- speed --------------------------------------------------------------------------------------


def test_a_200_hour_deadline_takes_well_under_a_millisecond() -> None:
    start = in_shanghai(date(2026, 9, 25), 10)
    calls = 200

    began = clock.perf_counter()
    for _ in range(calls):
        CHINA.add_business_hours(start, 200)
    per_call = (clock.perf_counter() - began) / calls

    # Generous bound so a loaded CI machine does not flake; typical cost is far below it.
    assert per_call < 0.001


# --- invalid input --------------------------------------------------------------------------------


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.add_business_hours(datetime(2026, 3, 16, 10), 1)


@pytest.mark.parametrize("hours", [-1, float("nan"), float("inf")])
def test_negative_or_non_finite_hours_are_rejected(hours: float) -> None:
    with pytest.raises(ValueError, match="hours"):
        OFFICE.add_business_hours(in_shanghai(date(2026, 3, 16), 10), hours)


def test_calendar_without_any_workday_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="workdays"):
        BusinessCalendar(SHANGHAI, workdays=frozenset())


def test_calendar_without_working_hours_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="working_hours"):
        BusinessCalendar(SHANGHAI, working_hours=())


def test_overlapping_working_hours_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        BusinessCalendar(SHANGHAI, working_hours=((time(9), time(13)), (time(12), time(18))))


def test_date_both_holiday_and_extra_workday_is_rejected() -> None:
    with pytest.raises(ValueError, match="2026-10-10"):
        BusinessCalendar(
            SHANGHAI,
            holidays=frozenset({MAKE_UP_SATURDAY}),
            extra_workdays=frozenset({MAKE_UP_SATURDAY}),
        )


# --- from_config ---------------------------------------------------------------------------------


def test_from_config_builds_the_described_calendar() -> None:
    calendar = BusinessCalendar.from_config(
        "Asia/Shanghai",
        {
            "working_hours": ["09:00-12:00", "13:00-18:00"],
            "workdays": ["mon", "Tue", "wednesday", 3, "fri"],
            "holidays": ["2026-10-01", date(2026, 10, 2)],  # YAML yields date objects
            "extra_workdays": ["2026-10-10"],
        },
    )

    assert calendar == BusinessCalendar(
        SHANGHAI,
        working_hours=((time(9), time(12)), (time(13), time(18))),
        workdays=frozenset({0, 1, 2, 3, 4}),
        holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}),
        extra_workdays=frozenset({MAKE_UP_SATURDAY}),
    )


def test_from_config_with_empty_mapping_keeps_the_defaults() -> None:
    assert BusinessCalendar.from_config("Asia/Shanghai", {}) == OFFICE


def test_from_config_accepts_24_00_as_midnight_at_the_end_of_the_day() -> None:
    round_the_clock = BusinessCalendar.from_config(
        "Europe/Berlin", {"working_hours": ["00:00-24:00"], "workdays": list(range(7))}
    )
    saturday_noon = in_berlin(date(2026, 3, 28), 12)

    assert round_the_clock.add_business_hours(saturday_noon, 36) == in_berlin(
        date(2026, 3, 30), 1
    )  # 36 real hours, though the clock skipped one


@pytest.mark.parametrize(
    ("zone", "config", "message"),
    [
        ("Mars/Olympus", {}, "zone: unknown time zone 'Mars/Olympus'"),
        ("Asia/Shanghai", {"holiday": []}, "unknown calendar setting.*holiday"),
        ("Asia/Shanghai", {"working_hours": "09:00-18:00"}, "working_hours: expected a list"),
        ("Asia/Shanghai", {"working_hours": ["9-18"]}, r"working_hours\[0\].*'9-18'"),
        ("Asia/Shanghai", {"working_hours": ["09:00-25:00"]}, r"working_hours\[0\].*25:00"),
        ("Asia/Shanghai", {"working_hours": ["18:00-09:00"]}, "18:00-09:00 ends before"),
        ("Asia/Shanghai", {"workdays": ["mon", "funday"]}, r"workdays\[1\].*'funday'"),
        ("Asia/Shanghai", {"workdays": [7]}, r"workdays\[0\].*7"),
        ("Asia/Shanghai", {"workdays": [True]}, r"workdays\[0\].*True"),
        ("Asia/Shanghai", {"workdays": []}, "workdays: at least one"),
        ("Asia/Shanghai", {"holidays": ["2026-02-30"]}, r"holidays\[0\].*2026-02-30"),
        ("Asia/Shanghai", {"extra_workdays": ["10/10/2026"]}, r"extra_workdays\[0\].*10/10"),
    ],
)
def test_from_config_rejects_bad_settings_naming_the_key_and_value(
    zone: str, config: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_config(zone, config)

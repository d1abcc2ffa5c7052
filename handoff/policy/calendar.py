"""Business calendar for SLA deadlines: working hours, workdays, holidays and make-up days.

Everything is computed per local date: a working day's intervals are built as wall times in
the calendar's zone and converted to UTC, so every duration is real elapsed time and
daylight-saving days come out right. On a spring-forward day an interval across the gap is
shorter in real time (a wall time inside the gap is read as the first real moment after
it); on a fall-back day it is longer (an ambiguous wall time is read as its first
occurrence). Callers may pass aware datetimes in any zone; results are aware UTC.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handoff.policy.public_holidays import public_days

#: As the end of a working interval, 00:00 means the midnight that ends the day (24:00).
_MIDNIGHT = time(0)
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)

_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_CONFIG_KEYS = frozenset(
    {"working_hours", "workdays", "holidays", "extra_workdays", "holiday_country"}
)
_INTERVAL = re.compile(r"\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class BusinessCalendar:
    """When a complaint desk works, in the desk's own time zone.

    A local date is a working day when its weekday is in `workdays` or it is one of the
    `extra_workdays`, and it is not one of the `holidays`. Each working day is open during
    every interval of `working_hours` (local wall time, sorted, non-overlapping, start
    included and end excluded; an end of 00:00 means midnight at the end of the day).
    Construction raises ValueError for a calendar that could never open, for unsorted or
    overlapping intervals, and for a date that is both a holiday and an extra workday.
    """

    zone: ZoneInfo
    working_hours: tuple[tuple[time, time], ...] = ((time(9), time(18)),)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.working_hours:
            raise ValueError("working_hours: at least one interval is required")
        previous_end: time | None = None
        for start, end in self.working_hours:
            label = f"{start:%H:%M}-{end:%H:%M}"
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError(f"working_hours: {label} must be naive local wall times")
            if end != _MIDNIGHT and end <= start:
                raise ValueError(f"working_hours: {label} ends before it starts")
            if previous_end is not None and (previous_end == _MIDNIGHT or start < previous_end):
                raise ValueError(f"working_hours: {label} overlaps or precedes the interval before")
            previous_end = end
        # Without a weekly working day the open days are finite (holidays aside, only the
        # extra workdays), and a long enough deadline would search for an opening forever.
        if not self.workdays:
            raise ValueError("workdays: at least one weekday must be a working day")
        if not all(0 <= day <= 6 for day in self.workdays):
            raise ValueError(f"workdays: weekdays are 0 (Monday) to 6, got {sorted(self.workdays)}")
        clash = self.holidays & self.extra_workdays
        if clash:
            dates = ", ".join(day.isoformat() for day in sorted(clash))
            raise ValueError(f"holidays and extra_workdays both contain {dates}")

    def is_open(self, moment: datetime) -> bool:
        """Whether the desk is working at this aware instant (closed at the closing minute)."""
        instant = _as_utc(moment)
        day = instant.astimezone(self.zone).date()
        return any(opens <= instant < closes for opens, closes in self._day_intervals(day))

    def next_opening(self, moment: datetime) -> datetime:
        """The earliest instant at or after `moment` when the desk is open, in UTC.

        That is `moment` itself when the desk is open then.
        """
        opens, _ = next(self._intervals_from(_as_utc(moment)))
        return opens

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when `hours` of working time have passed since `start`, in UTC.

        Time outside working intervals does not count, so a start outside them counts from
        the next opening, and `hours=0` gives `next_opening(start)`. A deadline that uses up
        an interval exactly is that interval's closing instant, not the next opening.
        Precision is one microsecond. Raises ValueError for a naive `start` and for negative
        or non-finite `hours`.
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number >= 0, got {hours!r}")
        remaining = timedelta(hours=hours)
        intervals = self._intervals_from(_as_utc(start))
        while True:
            opens, closes = next(intervals)
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """Working time, in hours, inside [start, end); 0.0 when end <= start.

        The inverse of `add_business_hours`: for any start and any hours >= 0,
        `business_hours_between(start, add_business_hours(start, hours))` equals `hours` to
        within a microsecond. Raises ValueError for naive datetimes.
        """
        start, end = _as_utc(start), _as_utc(end)
        total = timedelta()
        for opens, closes in self._intervals_from(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total / _HOUR

    @classmethod
    def from_config(
        cls, zone: str, config: Mapping[str, Any], years: Iterable[int] | None = None
    ) -> BusinessCalendar:
        """A calendar from an IANA zone name and a settings mapping (e.g. parsed YAML).

        Keys, all optional (missing ones keep the class defaults): "working_hours", a list of
        "HH:MM-HH:MM" (an end of "24:00" is midnight); "workdays", a list of weekday names
        ("mon".."sun" or full names, any case) or numbers 0 (Monday) to 6; "holidays" and
        "extra_workdays", lists of dates as "YYYY-MM-DD" strings or `date` objects (YAML
        loads unquoted dates as such); "holiday_country", an ISO 3166 code ("CN", "RU") whose
        public holidays and make-up workdays in `years` (by default last year to two years
        ahead) the `holidays` library supplies. The mapping's own dates win over the
        library's: a library holiday listed in "extra_workdays" is worked, a library make-up
        workday listed in "holidays" is not. Raises ValueError naming the offending key and
        value for an unknown zone, key or country, a malformed value, or an impossible
        calendar.
        """
        unknown = sorted(str(key) for key in config if key not in _CONFIG_KEYS)
        if unknown:
            raise ValueError(f"unknown calendar setting(s): {', '.join(unknown)}")
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"zone: unknown time zone {zone!r}") from exc
        fields: dict[str, Any] = {}
        if "working_hours" in config:
            items = _list_setting(config, "working_hours")
            fields["working_hours"] = tuple(_parse_interval(i, item) for i, item in items)
        if "workdays" in config:
            items = _list_setting(config, "workdays")
            fields["workdays"] = frozenset(_parse_weekday(i, item) for i, item in items)
        for key in ("holidays", "extra_workdays"):
            if key in config:
                items = _list_setting(config, key)
                fields[key] = frozenset(_parse_date(key, i, item) for i, item in items)
        country = config.get("holiday_country")
        if country:
            if years is None:
                this_year = datetime.now(tz).year
                years = range(this_year - 1, this_year + 3)
            days_off, days_worked = public_days(str(country), years)
            own_holidays = fields.get("holidays", frozenset())
            own_workdays = fields.get("extra_workdays", frozenset())
            fields["holidays"] = (days_off - own_workdays) | own_holidays
            fields["extra_workdays"] = (days_worked - own_holidays) | own_workdays
        return cls(tz, **fields)

    def _is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() in self.workdays or day in self.extra_workdays

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open intervals as UTC instants; DST may shrink one to nothing."""
        if not self._is_working_day(day):
            return []
        next_day = day + _DAY
        offset = _offset(self.zone, datetime.combine(day, _MIDNIGHT))
        # Clocks change at most once a day, so the same offset at both midnights means no
        # change today and that offset converts every wall time: the common, fast case.
        steady = offset == _offset(self.zone, datetime.combine(next_day, _MIDNIGHT))
        intervals = []
        for start, end in self.working_hours:
            end_day = next_day if end == _MIDNIGHT else day
            if steady:
                opens = datetime.combine(day, start, tzinfo=UTC) - offset
                closes = datetime.combine(end_day, end, tzinfo=UTC) - offset
            else:
                opens, closes = self._instant(day, start), self._instant(end_day, end)
            if opens < closes:
                intervals.append((opens, closes))
        return intervals

    def _intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals from `moment` on, the first one clipped to start at `moment`.

        Endless: construction guarantees a working weekday, and holidays are finite.
        """
        # Intervals never cross local midnight, so nothing before this local date matters.
        day = moment.astimezone(self.zone).date()
        while True:
            for opens, closes in self._day_intervals(day):
                if closes > moment:
                    yield max(opens, moment), closes
            day += _DAY

    def _instant(self, day: date, wall: time) -> datetime:
        """The UTC instant of a local wall time; one inside a DST gap maps to the gap's end."""
        local = datetime.combine(day, wall, tzinfo=self.zone)
        first = local.astimezone(UTC)
        other = local.replace(fold=1).astimezone(UTC)
        # PEP 495: only inside a gap does fold=1 map to an earlier instant than fold=0; in a
        # fall-back overlap fold=0 is the first occurrence, which is the one we want.
        if other >= first:
            return first
        return self._transition_between(other, first)

    def _transition_between(self, before: datetime, after: datetime) -> datetime:
        """The first instant in (before, after] with the zone's offset at `after`."""
        # zoneinfo does not expose its transition table, so bisect; this runs only for the
        # rare interval boundary that falls inside a gap (~32 steps to a microsecond).
        offset = after.astimezone(self.zone).utcoffset()
        while after - before > timedelta(microseconds=1):
            middle = before + (after - before) / 2
            if middle.astimezone(self.zone).utcoffset() == offset:
                after = middle
            else:
                before = middle
        return after


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _offset(zone: ZoneInfo, local: datetime) -> timedelta:
    offset = zone.utcoffset(local)
    if offset is None:  # never for a ZoneInfo; narrows the type
        raise ValueError(f"{zone} has no UTC offset for {local.isoformat()}")
    return offset


def _list_setting(config: Mapping[str, Any], key: str) -> list[tuple[int, Any]]:
    value = config[key]
    if not isinstance(value, list | tuple):
        raise ValueError(f"{key}: expected a list, got {value!r}")
    return list(enumerate(value))


def _parse_interval(index: int, item: Any) -> tuple[time, time]:
    match = _INTERVAL.fullmatch(item) if isinstance(item, str) else None
    if match is None:
        raise ValueError(f"working_hours[{index}]: expected 'HH:MM-HH:MM', got {item!r}")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise ValueError(f"working_hours[{index}]: not a valid time of day in {item!r}")
    return time(start_h, start_m), time(end_h % 24, end_m)


def _parse_weekday(index: int, item: Any) -> int:
    # bool is an int subclass; `True` in a workday list is a config mistake, not Tuesday.
    if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
        return item
    if isinstance(item, str) and item.strip().casefold() in _WEEKDAYS:
        return _WEEKDAYS[item.strip().casefold()]
    raise ValueError(f"workdays[{index}]: expected a weekday name (mon..sun) or 0-6, got {item!r}")


def _parse_date(key: str, index: int, item: Any) -> date:
    # datetime is a date subclass, but a holiday is a whole local date, not an instant.
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    if isinstance(item, str) and _ISO_DATE.fullmatch(item.strip()):
        try:
            return date.fromisoformat(item.strip())
        except ValueError:
            pass
    raise ValueError(f"{key}[{index}]: expected a date 'YYYY-MM-DD', got {item!r}")

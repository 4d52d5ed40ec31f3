"""Working-time arithmetic over the business calendar: add N working hours or days, measure the
working time between two moments.

Each working day is one open period, `start` to `end` in the office's time zone (09:00-17:30
Europe/London by default). Periods are computed in local wall-clock time and then converted to
UTC, so the clock change shifts nothing: a period is always 09:00-17:30 local. All arithmetic is
done in UTC (Python subtracts two datetimes of one zone by wall clock, which is wrong across a
clock change). Naive datetimes are UTC, as everywhere in maild; results are aware UTC datetimes.

Two clocks share one interface: `OfficeClock` counts only office hours, `WallClock` every hour
(priority 1 is worked around the clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from maild.runtime.calendar import BusinessCalendar

MAX_DAYS = 3660  # ten years: any target or pause longer than that is a configuration mistake


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(
        timezone.utc)


def iso_utc(moment: datetime) -> str:
    """`2027-01-11T09:00:00Z`, as the `--json` outputs write times."""
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def naive_utc(moment: datetime) -> datetime:
    """The form the database stores."""
    return as_utc(moment).replace(tzinfo=None)


class ServiceClock(Protocol):
    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...

    @property
    def day(self) -> timedelta: ...


class WallClock:
    """Every hour counts: day or night, weekend or bank holiday."""

    day = timedelta(days=1)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return as_utc(start) + duration

    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(as_utc(end) - as_utc(start), timedelta(0))


class OfficeClock:
    """Only office hours count; a working day is one office day's length (8.5 hours by default)."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        office = calendar.office
        self.day = datetime.combine(date.min, office.end) - datetime.combine(date.min, office.start)

    def periods(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open periods (UTC) that end after `start`, in order, beginning with `start`'s own day."""
        day = self.calendar.local_date(start)
        for _ in range(MAX_DAYS):
            hours = self.calendar.office_hours_utc(day)
            if hours is not None and hours[1] > as_utc(start):
                yield hours
            day += timedelta(days=1)
        raise ValueError("no end within ten years: check office_hours and the targets")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """`duration` of office time after `start`; zero is the next open moment."""
        moment, remaining = as_utc(start), duration
        for opens, closes in self.periods(moment):
            begin = max(moment, opens)
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: periods() raises first")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The office time from `start` to `end` (zero when `end` is not after `start`)."""
        start, end = as_utc(start), as_utc(end)
        total = timedelta(0)
        for opens, closes in self.periods(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return max(total, timedelta(0))

    def add_days(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`: the same office time of day, `days` open days
        later."""
        return self.add(start, self.day * days)

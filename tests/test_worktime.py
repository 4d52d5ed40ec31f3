"""Working-time arithmetic: office hours 09:00-17:30 Europe/London, Monday-Friday, without
England and Wales bank holidays (8.5 working hours a day)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from maild.config import OfficeHours
from maild.runtime.calendar import BusinessCalendar
from maild.runtime.worktime import OfficeClock, WallClock

LONDON = ZoneInfo("Europe/London")
clock = OfficeClock(BusinessCalendar(OfficeHours(closures=[date(2026, 12, 29)])))


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.mark.parametrize(("start", "duration", "due"), [
    # within one day
    (london(2026, 11, 24, 10, 0), hours(2), london(2026, 11, 24, 12, 0)),
    # over the evening
    (london(2026, 11, 24, 16, 0), hours(4), london(2026, 11, 25, 11, 30)),
    # late Friday -> Monday
    (london(2026, 11, 27, 16, 45), hours(4), london(2026, 11, 30, 12, 15)),
    # after closing on Friday
    (london(2026, 11, 27, 17, 45), hours(1), london(2026, 11, 30, 10, 0)),
    # zero: next open moment
    (london(2026, 11, 28, 3, 0), hours(0), london(2026, 11, 30, 9, 0)),
    # one working day
    (london(2026, 11, 24, 11, 0), hours(8.5), london(2026, 11, 25, 11, 0)),
    # a whole day ends at closing
    (london(2026, 11, 24, 9, 0), hours(8.5), london(2026, 11, 24, 17, 30)),
    # Good Friday, Easter Monday
    (london(2026, 4, 2, 15, 0), hours(4), london(2026, 4, 7, 10, 30)),
    # summer bank holiday
    (london(2026, 8, 28, 17, 0), hours(1), london(2026, 9, 1, 9, 30)),
    # Christmas, substitute, closure
    (london(2026, 12, 23, 12, 0), hours(17), london(2026, 12, 30, 12, 0)),
    # over the spring clock change
    (london(2026, 3, 27, 15, 0), hours(4), london(2026, 3, 30, 10, 30)),
    # over the autumn clock change
    (london(2026, 10, 23, 15, 0), hours(4), london(2026, 10, 26, 10, 30)),
])
def test_add_working_hours(start: datetime, duration: timedelta, due: datetime) -> None:
    assert clock.add(start, duration) == due
    if clock.calendar.is_open(start):
        assert clock.between(start, due) == duration


def test_clock_change_keeps_office_hours_in_local_time() -> None:
    # 29 March 2026: GMT -> BST. Friday closes at 17:30 UTC, Monday opens at 08:00 UTC: half an
    # hour each side of the weekend.
    due = clock.add(datetime(2026, 3, 27, 17, 0, tzinfo=timezone.utc), hours(1))
    assert due == datetime(2026, 3, 30, 8, 30, tzinfo=timezone.utc)
    assert clock.between(london(2026, 3, 27, 9, 0), london(2026, 3, 30, 17, 30)) == hours(17)


@pytest.mark.parametrize(("start", "days", "due"), [
    # Tuesday + 3 -> Friday
    (london(2026, 11, 24, 14, 0), 3, london(2026, 11, 27, 14, 0)),
    # Thursday + 3 -> Tuesday
    (london(2026, 11, 26, 14, 0), 3, london(2026, 12, 1, 14, 0)),
    # Saturday: from Monday's opening
    (london(2026, 11, 28, 10, 0), 3, london(2026, 12, 2, 17, 30)),
    # over the spring bank holiday
    (london(2026, 5, 22, 10, 0), 3, london(2026, 5, 28, 10, 0)),
    # Christmas, substitute day, closure
    (london(2026, 12, 24, 10, 0), 2, london(2026, 12, 31, 10, 0)),
])
def test_add_working_days(start: datetime, days: int, due: datetime) -> None:
    assert clock.add_days(start, days) == due


def test_between_counts_only_office_time() -> None:
    # weekend free
    assert clock.between(london(2026, 11, 27, 17, 0), london(2026, 11, 30, 10, 0)) == hours(1.5)
    assert clock.between(london(2026, 11, 28, 10, 0), london(2026, 11, 29, 10, 0)) == hours(0)
    # reversed
    assert clock.between(london(2026, 11, 30, 10, 0), london(2026, 11, 27, 10, 0)) == hours(0)
    assert clock.between(london(2026, 11, 23, 9, 0), london(2026, 11, 30, 9, 0)) == hours(5 * 8.5)


def test_next_working_day() -> None:
    calendar = clock.calendar
    assert calendar.next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)
    assert calendar.next_working_day(date(2026, 12, 25)) == date(2026, 12, 30)
    assert calendar.next_working_day(date(2026, 12, 30)) == date(2026, 12, 30)


def test_wall_clock_counts_every_hour() -> None:
    wall = WallClock()
    start = london(2026, 3, 28, 23, 0)  # the night of the clock change: one hour is skipped
    assert wall.add(start, hours(4)) == london(2026, 3, 29, 4, 0)
    assert wall.between(start, london(2026, 3, 29, 4, 0)) == hours(4)
    assert wall.between(london(2026, 3, 29, 4, 0), start) == hours(0)

"""Office hours 09:00-17:30 Europe/London, Monday to Friday, without England and Wales bank
holidays."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from maild.config import OfficeHours
from maild.runtime.calendar import BusinessCalendar

LONDON = ZoneInfo("Europe/London")
calendar = BusinessCalendar(OfficeHours(closures=[date(2026, 12, 29)]))


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(("moment", "is_open", "next_open"), [
    # Monday morning
    (london(2026, 11, 23, 10, 0), True, london(2026, 11, 23, 10, 0)),
    # before opening
    (london(2026, 11, 23, 8, 59), False, london(2026, 11, 23, 9, 0)),
    # closing time is closed
    (london(2026, 11, 23, 17, 30), False, london(2026, 11, 24, 9, 0)),
    # late Friday -> Monday
    (london(2026, 11, 27, 17, 45), False, london(2026, 11, 30, 9, 0)),
    # Saturday
    (london(2026, 11, 28, 12, 0), False, london(2026, 11, 30, 9, 0)),
    # Christmas, Boxing Day (Sat), substitute Mon 28th, closure 29th
    (london(2026, 12, 24, 18, 0), False, london(2026, 12, 30, 9, 0)),
    # Good Friday, Easter Monday
    (london(2026, 4, 2, 17, 31), False, london(2026, 4, 7, 9, 0)),
    # summer bank holiday (England)
    (london(2026, 8, 31, 11, 0), False, london(2026, 9, 1, 9, 0)),
])
def test_open_and_next_open(moment: datetime, is_open: bool, next_open: datetime) -> None:
    assert calendar.is_open(moment) is is_open
    assert calendar.next_open(moment) == next_open


def test_clock_change_keeps_wall_clock_hours() -> None:
    # 29 March 2026 the UK moves to BST: opening is 09:00 local, 08:00 UTC, on Monday 30 March.
    opening = calendar.next_open(datetime(2026, 3, 28, 12, 0, tzinfo=timezone.utc))
    assert opening == london(2026, 3, 30, 9, 0)
    assert opening.astimezone(timezone.utc).hour == 8
    assert calendar.is_open(datetime(2026, 3, 30, 8, 30))  # naive times are UTC: 09:30 BST
    assert not calendar.is_open(datetime(2026, 11, 23, 8, 30))  # 08:30 GMT


def test_scottish_calendar_differs() -> None:
    scotland = BusinessCalendar(OfficeHours(holidays="GB-SCT"))
    assert scotland.is_working_day(date(2026, 8, 31))  # England's summer bank holiday
    assert not scotland.is_working_day(date(2026, 8, 3))  # Scotland's

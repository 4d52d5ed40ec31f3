"""Office hours: when the helpdesk is staffed, and when it will next be.

Working days are the configured weekdays minus public holidays (a maintained `holidays` region,
England and Wales by default) and extra closure dates. Times are wall-clock times in the office's
time zone, so the clock change moves nothing: 09:00 stays 09:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays

from maild.config import OfficeHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessCalendar:
    def __init__(self, office: OfficeHours) -> None:
        self.office = office
        self.zone = ZoneInfo(office.timezone)
        self._days = {WEEKDAYS.index(d) for d in office.days}
        self._closures = set(office.closures)
        self._holidays = self._region(office.holidays)
        self._hours: dict[date, tuple[datetime, datetime] | None] = {}

    @staticmethod
    def _region(region: str | None) -> holidays.HolidayBase | dict[date, str]:
        if not region:
            return {}
        country, _, subdiv = region.partition("-")
        return holidays.country_holidays(country, subdiv=subdiv or None)

    def office_hours_utc(self, day: date) -> tuple[datetime, datetime] | None:
        """When the office opens and closes on `day`, in UTC; None on a day it is shut. Kept per
        day: every new ticket's due times walk the same few days."""
        if day not in self._hours:
            if len(self._hours) > 4096:
                self._hours.clear()
            self._hours[day] = (self._utc(day, self.office.start), self._utc(day,
                                                                             self.office.end)) \
                if self.is_working_day(day) else None
        return self._hours[day]

    def _utc(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(timezone.utc)

    def is_working_day(self, day: date) -> bool:
        return day.weekday(
            ) in self._days and day not in self._closures and day not in self._holidays

    def is_open(self, moment: datetime) -> bool:
        local = self._local(moment)
        return self.is_working_day(local.date()) and self.office.start <= local.time(
            ) < self.office.end

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself when the office is open, else the start of the next working period
        (local time)."""
        local = self._local(moment)
        if self.is_open(local):
            return local
        day = local.date()
        if not self.is_working_day(day) or local.time() >= self.office.end:
            day = self.next_working_day(day + timedelta(days=1))
        return datetime.combine(day, self.office.start, tzinfo=self.zone)

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within a year: check office_hours.days and closures")

    def local_date(self, moment: datetime) -> date:
        return self._local(moment).date()

    def _local(self, moment: datetime) -> datetime:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return aware.astimezone(self.zone)

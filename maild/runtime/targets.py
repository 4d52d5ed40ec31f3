"""The configured service targets of each priority, measured on the clock that priority uses."""

from __future__ import annotations

from datetime import timedelta

from maild.config import PriorityTarget, ServiceTargets
from maild.runtime.calendar import BusinessCalendar
from maild.runtime.worktime import OfficeClock, ServiceClock, WallClock


class Targets:
    """The configured targets over the business calendar."""

    def __init__(self, config: ServiceTargets, calendar: BusinessCalendar) -> None:
        self.config = config
        self.office = OfficeClock(calendar)
        self.wall = WallClock()

    def of(self, priority: int) -> PriorityTarget:
        return self.config.priorities.get(priority, PriorityTarget())  # type: ignore[call-overload]

    def clock(self, priority: int) -> ServiceClock:
        return self.wall if self.of(priority).clock == "always" else self.office

    def span(self, priority: int, target: str) -> timedelta | None:
        text = getattr(self.of(priority), target)
        if text is None:
            return None
        amount, unit = float(text[:-1]), text[-1]
        if unit == "d":
            return self.clock(priority).day * amount  # working days on the office clock
        return timedelta(minutes=amount) if unit == "m" else timedelta(hours=amount)

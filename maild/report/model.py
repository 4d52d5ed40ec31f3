"""The typed rows and summaries of a service report: what `compute` produces and the renderers read.

All moments are aware UTC datetimes; all durations are working time on the clock of the ticket's
priority (office hours, or around the clock for a priority worked day and night).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

OPEN_STATUSES = ("new", "open", "pending")
DONE_STATUSES = ("resolved", "closed")

# Outcomes of one target for one incident (docs/admins.md, "Service reports").
MET, MISSED, OPEN, NO_TARGET, BEFORE_PRIORITY = ("met", "missed", "open", "no_target",
                                                 "before_priority")
DECIDED = (MET, MISSED)


@dataclass(frozen=True)
class Period:
    """Office-local calendar days, both inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")


@dataclass(frozen=True)
class TicketFacts:
    """What the store recorded about one ticket, read once: its row and the history the report
    needs."""

    number: int
    subject: str
    kind: str
    organisation: str | None
    priority: int
    status: str
    assignee: str | None
    opened_at: datetime
    clock_from: datetime  # when the current priority's clock started (the ticket's `sla_since`)
    paused_since: datetime | None  # the clock stands still since then (pending, resolved, closed)
    paused_seconds: int  # time it stood still before that, since `clock_from`
    first_response_at: datetime | None  # the first staff answer sent to the customer
    left_new_at: datetime | None  # the first status change out of `new` (#pending, #resolve ... )
    resolved_at: datetime | None  # when it became resolved or closed, if it is now
    resolved_by: str | None  # the staff key that resolved or closed it
    priorities: tuple[int, ...]  # every priority it had, in order; the last is `priority`

    @property
    def responded_at(self) -> datetime | None:
        """The response target counts as met when the ticket leaves `new` (schedule.targets): the
        first answer, or a first status change without one, whichever came first. A ticket
        resolved without either on record (closed before history was kept) responded then."""
        moments = [m for m in (self.first_response_at, self.left_new_at,
                               self.resolved_at) if m is not None]
        return min(moments) if moments else None


@dataclass(frozen=True)
class Measure:
    """One target of one incident: how long it took (or has taken so far) against the target."""

    target: timedelta | None
    took: timedelta | None  # None: nothing to measure (no target clock applies)
    outcome: str  # met, missed, open, no_target, before_priority
    done: bool  # the response was made, or the incident resolved: `took` is final

    @property
    def margin(self) -> timedelta | None:
        """Target minus time taken: positive is time to spare, negative is the amount it was
        missed by."""
        if self.target is None or self.took is None or self.outcome not in DECIDED:
            return None
        return self.target - self.took


@dataclass(frozen=True)
class IncidentRow:
    ticket: TicketFacts
    clock: str  # office, always
    response: Measure
    resolution: Measure
    # time the clock stood still (waiting on the customer) up to resolution or now
    waiting: timedelta


@dataclass(frozen=True)
class Summary:
    """Figures over a group of incidents (one organisation, one priority, or all)."""

    group: str
    count: int
    respond_median: timedelta | None
    respond_p90: timedelta | None
    resolve_median: timedelta | None
    resolve_p90: timedelta | None
    response_met: int
    response_decided: int
    resolution_met: int
    resolution_decided: int

    @staticmethod
    def percent(met: int, decided: int) -> float | None:
        return round(100.0 * met / decided, 1) if decided else None

    @property
    def response_met_percent(self) -> float | None:
        return self.percent(self.response_met, self.response_decided)

    @property
    def resolution_met_percent(self) -> float | None:
        return self.percent(self.resolution_met, self.resolution_decided)


@dataclass(frozen=True)
class RequestRow:
    """A feature request or an escalation, with who looks after it and where it stands."""

    ticket: TicketFacts
    account_manager: str | None  # the organisation's account manager (staff key)
    outcome: str


@dataclass(frozen=True)
class WeekCount:
    """Tickets of every kind opened in one week (Monday to Sunday), by priority 1-4."""

    week_of: date  # the Monday
    by_priority: tuple[int, int, int, int]

    @property
    def total(self) -> int:
        return sum(self.by_priority)


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: datetime
    organisation: str | None  # the filter, if any
    incidents: list[IncidentRow]
    overall: Summary
    by_organisation: list[Summary]
    by_priority: list[Summary]
    feature_requests: list[RequestRow] = field(default_factory=list)
    escalations: list[RequestRow] = field(default_factory=list)
    weekly: list[WeekCount] = field(default_factory=list)

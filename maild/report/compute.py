"""The report itself: a pure function of the tickets' recorded facts, the service targets and the
working-time calendar (no database, no clock of its own: `now` is passed in).

How an incident is measured follows the service-target engine (`maild.schedule.targets`), so the
report and the warnings and escalations staff received never disagree:
- the clock is the current priority's (office hours, or around the clock for P1) and runs from
  when the ticket was given that priority (`sla_since`: a raised priority is a new promise);
- the response is made when the ticket leaves `new` (the first answer or status change);
- resolution time leaves out the time the clock stood still (pending on the customer, resolved
  before a reopen), exactly what the engine added to the due time.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from maild.report.model import (
    BEFORE_PRIORITY,
    DECIDED,
    DONE_STATUSES,
    MET,
    MISSED,
    NO_TARGET,
    OPEN,
    IncidentRow,
    Measure,
    Period,
    Report,
    RequestRow,
    Summary,
    TicketFacts,
    WeekCount,
)
from maild.runtime.calendar import BusinessCalendar
from maild.runtime.worktime import as_utc

if TYPE_CHECKING:
    from maild.runtime.targets import Targets


def build_report(incidents: Iterable[TicketFacts], targets: Targets, calendar: BusinessCalendar,
                 period: Period,
                 now: datetime, organisation: str | None = None, feature_requests: Iterable[
                     TicketFacts] = (),
                 escalations: Iterable[TicketFacts] = (), all_tickets: Iterable[TicketFacts] = (),
                 account_managers: dict[str, str | None] | None = None) -> Report:
    """Measure every incident, then summarise per organisation, per priority and overall."""
    rows = [measure(t, targets, now) for t in sorted(incidents, key=lambda t: t.number)]
    managers = account_managers or {}
    return Report(
        period=period, generated_at=as_utc(now), organisation=organisation, incidents=rows,
        overall=summarise("all", rows),
        by_organisation=[summarise(org, group) for org, group in _grouped(
            rows, lambda r: r.ticket.organisation or "-")],
        by_priority=[summarise(f"P{p}", group) for p, group in _grouped(
            rows, lambda r: r.ticket.priority)],
        feature_requests=[_request(t, managers) for t in sorted(feature_requests,
                                                                key=lambda t: t.number)],
        escalations=[_request(t, managers) for t in sorted(escalations, key=lambda t: t.number)],
        weekly=weekly(all_tickets, calendar, period),
    )


# ---------------------------------------------------------------- one incident

def measure(ticket: TicketFacts, targets: Targets, now: datetime) -> IncidentRow:
    clock = targets.clock(ticket.priority)
    stopped = ticket.paused_since or as_utc(now)  # the clock's last running moment
    counted = clock.between(ticket.clock_from, stopped) - timedelta(seconds=ticket.paused_seconds)
    counted = max(counted, timedelta(0))
    end = ticket.resolved_at or as_utc(now)
    waiting = max(clock.between(ticket.clock_from, max(end, stopped)) - counted, timedelta(0))
    return IncidentRow(ticket=ticket, clock=targets.of(ticket.priority).clock,
                       response=_response(ticket, targets, now),
                       resolution=_judge(targets.span(ticket.priority, "resolution"), counted,
                                         ticket.status in DONE_STATUSES),
                       waiting=waiting)


def _response(ticket: TicketFacts, targets: Targets, now: datetime) -> Measure:
    target = targets.span(ticket.priority, "response")
    responded = ticket.responded_at
    if responded is not None and responded < ticket.clock_from:
        # Answered before it was given this priority: the engine never ran this response target.
        return Measure(target=target, took=None, outcome=BEFORE_PRIORITY, done=True)
    took = targets.clock(ticket.priority).between(ticket.clock_from, responded or as_utc(now))
    return _judge(target, took, responded is not None)


def _judge(target: timedelta | None, took: timedelta, done: bool) -> Measure:
    """Met when done within the target; missed once past it, done or not (it cannot be met
    any more)."""
    if target is None:
        outcome = NO_TARGET
    elif took > target:
        outcome = MISSED
    else:
        outcome = MET if done else OPEN
    return Measure(target=target, took=took, outcome=outcome, done=done)


# ---------------------------------------------------------------- summaries

def summarise(group: str, rows: Sequence[IncidentRow]) -> Summary:
    """Median and 90th percentile over the final times (responses made, incidents resolved);
    % met over the outcomes decided (met or missed, including open incidents already past
    target)."""
    responses = [r.response for r in rows]
    resolutions = [r.resolution for r in rows]
    return Summary(
        group=group, count=len(rows),
        respond_median=median(_final(responses)), respond_p90=percentile(_final(responses), 90),
        resolve_median=median(_final(resolutions)), resolve_p90=percentile(_final(resolutions), 90),
        response_met=_count(responses, (MET,)), response_decided=_count(responses, DECIDED),
        resolution_met=_count(resolutions, (MET,)), resolution_decided=_count(resolutions, DECIDED),
    )


def _final(measures: Iterable[Measure]) -> list[timedelta]:
    return [m.took for m in measures if m.done and m.took is not None]


def _count(measures: Iterable[Measure], outcomes: tuple[str, ...]) -> int:
    return sum(m.outcome in outcomes for m in measures)


def median(values: Sequence[timedelta]) -> timedelta | None:
    """The middle value; the mean of the two middle values when there is an even number."""
    if not values:
        return None
    return timedelta(seconds=round(statistics.median(v.total_seconds() for v in values)))


def percentile(values: Sequence[timedelta], p: float) -> timedelta | None:
    """Nearest rank: the smallest value with at least p% of the values at or below it, so the
    figure is always a time some incident really took (no interpolation between two)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def _grouped(rows: Sequence[IncidentRow], key: Callable[[IncidentRow], object]) \
        -> list[tuple[object, list[IncidentRow]]]:
    groups: dict[object, list[IncidentRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return sorted(groups.items(), key=lambda item: str(item[0]))


# ---------------------------------------------------------------- requests and the weekly chart

def _request(ticket: TicketFacts, managers: dict[str, str | None]) -> RequestRow:
    return RequestRow(ticket=ticket, account_manager=managers.get(ticket.organisation or ""),
                      outcome=outcome_of(ticket))


def outcome_of(ticket: TicketFacts) -> str:
    """Where a feature request or an escalation stands, in words."""
    if ticket.status in DONE_STATUSES and ticket.resolved_at is not None:
        by = f" by {ticket.resolved_by}" if ticket.resolved_by else ""
        return f"{ticket.status}{by} on {ticket.resolved_at:%Y-%m-%d}"
    if ticket.status == "pending":
        return "waiting on the customer"
    if ticket.status == "new":
        return "not answered yet"
    return "answered, in progress" if ticket.first_response_at else "in progress"


def weekly(tickets: Iterable[TicketFacts], calendar: BusinessCalendar, period: Period) -> list[
    WeekCount]:
    """Tickets opened per week (Monday to Sunday, office-local dates) by priority, every week of
    the period listed, empty ones too, so the chart's time axis has no gaps."""
    counts: dict[date, list[int]] = {}
    monday = period.first - timedelta(days=period.first.weekday())
    while monday <= period.last:
        counts[monday] = [0, 0, 0, 0]
        monday += timedelta(days=7)
    for ticket in tickets:
        day = calendar.local_date(ticket.opened_at)
        week = day - timedelta(days=day.weekday())
        if period.first <= day <= period.last and week in counts and 1 <= ticket.priority <= 4:
            counts[week][ticket.priority - 1] += 1
    return [WeekCount(week, tuple(n)) for week, n in counts.items()]  # type: ignore[arg-type]

"""Reading what the report needs from the store: the tickets of a period and the two kinds of
history the ticket row does not keep (when it first left `new`, and the priorities it had).

Plain peewee queries (no SQL functions of one database), so they run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from peewee import ModelSelect

from maild.report.compute import build_report
from maild.report.model import DONE_STATUSES, OPEN_STATUSES, Period, Report, TicketFacts
from maild.runtime.worktime import as_utc, naive_utc
from maild.store.models import Event, Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings

INCIDENT_PRIORITIES = (1, 2, 3)  # the charter keeps priority 1-3 incidents for review
# staff commands' history: "new -> pending by erin"
CHANGE = re.compile(r"^(\S+) -> (\S+)(?: by (\S+))?")


def report(settings: Settings, period: Period, now: datetime,
           organisation: str | None = None) -> Report:
    """The service report for a period (incidents opened in it, office-local days inclusive)."""
    start, end = bounds(settings, period)
    opened = (Ticket.created_at >= start) & (Ticket.created_at < end)
    # Requests opened earlier and still open belong in the account manager's view as well.
    requests = opened | ((Ticket.created_at < start) & Ticket.status.in_(OPEN_STATUSES))
    if organisation is not None:
        opened &= Ticket.organisation == organisation
        requests &= Ticket.organisation == organisation
    incidents = facts(Ticket.select().where(opened & (Ticket.kind == "incident")
                                            & Ticket.priority.in_(INCIDENT_PRIORITIES)))
    managers = {org.key: org.account_manager for org in settings.directory.organisations.values()}
    return build_report(
        incidents, settings.targets, settings.calendar, period, now, organisation,
        feature_requests=facts(Ticket.select().where(requests & (
            Ticket.kind == "feature_request"))),
        escalations=facts(Ticket.select().where(requests & (Ticket.kind == "escalation"))),
        all_tickets=facts(Ticket.select().where(opened)),
        account_managers=managers,
    )


def open_tickets(settings: Settings, organisation: str, period: Period) -> list[TicketFacts]:
    """An organisation's tickets opened by the end of the period (of every kind, however old)
    and not resolved now; what came in after the period belongs to the next pack."""
    _, end = bounds(settings, period)
    return facts(Ticket.select().where((Ticket.organisation == organisation) & Ticket.status.in_(
        OPEN_STATUSES)
                                       & (Ticket.created_at < end)))


def bounds(settings: Settings, period: Period) -> tuple[datetime, datetime]:
    """The period as naive UTC [start, end): office-local midnight to the midnight after its
    last day."""
    zone = settings.calendar.zone
    return (naive_utc(datetime.combine(period.first, time(), tzinfo=zone)),
            naive_utc(datetime.combine(period.last + timedelta(days=1), time(), tzinfo=zone)))


def facts(query: ModelSelect) -> list[TicketFacts]:
    """The tickets of `query`, each with its status and priority history (one query for all)."""
    tickets = list(query.order_by(Ticket.number))
    history: dict[int, list[Event]] = defaultdict(list)
    if tickets:
        numbers = query.select(Ticket.number)
        for event in (Event.select(Event.ticket, Event.kind, Event.detail, Event.created_at)
                      .where(Event.ticket.in_(numbers) & Event.kind.in_(("status", "priority")))
                      .order_by(Event.created_at, Event.id)):
            history[event.ticket_id].append(event)
    return [_facts(t, history[t.number]) for t in tickets]


def _facts(ticket: Ticket, events: list[Event]) -> TicketFacts:
    changes = [(e.kind, m.groups(), e.created_at) for e in events if (m := CHANGE.match(e.detail))]
    statuses = [(old, new, by, at) for kind, (old, new, by), at in changes if kind == "status"]
    priorities = [(old, new) for kind, (old, new, _), _ in changes if kind == "priority"]
    left_new = next((at for old, _, _, at in statuses if old == "new"), None)
    resolved = _last_resolution(statuses) if ticket.status in DONE_STATUSES else None
    return TicketFacts(
        number=ticket.number, subject=ticket.subject, kind=ticket.kind,
        organisation=ticket.organisation,
        priority=ticket.priority, status=ticket.status, assignee=ticket.assignee,
        opened_at=as_utc(ticket.created_at), clock_from=as_utc(
            ticket.sla_since or ticket.created_at),
        paused_since=_utc(ticket.paused_since), paused_seconds=ticket.paused_seconds or 0,
        first_response_at=_utc(ticket.first_response_at), left_new_at=_utc(left_new),
        resolved_at=_utc(resolved[0]) if resolved else _utc(ticket.resolved_at),
        resolved_by=resolved[1] if resolved else None,
        priorities=_priorities(ticket.priority, priorities),
    )


def _last_resolution(statuses: list[tuple[str, str, str | None, datetime]]) -> tuple[
    datetime, str | None] | None:
    """When (and by whom) the ticket last went from working on it to resolved or closed; a later
    resolved -> closed is filing, not resolving."""
    found = None
    for old, new, by, at in statuses:
        if new in DONE_STATUSES and old not in DONE_STATUSES:
            found = (at, by)
    return found


def _priorities(current: int, changes: list[tuple[str, str]]) -> tuple[int, ...]:
    if not changes:
        return (current,)
    found = [int(changes[0][0])] + [int(new) for _, new in changes]
    return tuple(found)


def _utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment) if moment is not None else None

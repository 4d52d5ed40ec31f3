"""The daily digest: each staff member's tickets, at the start of office hours on working days.

A digest lists the open and pending tickets someone is responsible for: assigned to them, assigned
to someone away whom they stand in for, and their queues' unassigned ones; each with its due
times (overdue first) and a reply address signed for that person and ticket, and their own address
for starting tickets. Nobody away gets one. Its occurrence key is (digest, staff:<key>, the date),
claimed in the transaction that queues it, so it goes once a day per person, whatever the number
of hosts or restarts. Someone with nothing open gets none (the day is claimed all the same).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from maild.config import Staff
from maild.runtime.calendar import BusinessCalendar
from maild.runtime.signing import staff_role, start_address
from maild.runtime.worktime import as_utc, naive_utc
from maild.schedule.claims import Claim, claim_and_send, record
from maild.store.models import Occurrence, Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.schedule")
KIND = "digest"
TEMPLATE = "digest"
OPEN = ("new", "open", "pending")


def present(person: Staff, today: date, staff: dict[str, Staff]) -> Staff | None:
    """`person` when they are in, else their delegate when the delegate is in, else None."""
    away = person.away_on(today)
    if person.active and away is None:
        return person
    delegate = staff.get(away.delegate or "") if away else None
    if delegate is not None and delegate.active and delegate.away_on(today) is None:
        return delegate
    return None


def starts_at(calendar: BusinessCalendar, day: date) -> datetime | None:
    """When the digest of `day` is due (office opening, UTC); None on a day the office is shut."""
    hours = calendar.office_hours_utc(day)
    return hours[0] if hours else None


def next_start(calendar: BusinessCalendar, after: datetime, inclusive: bool) -> datetime | None:
    """The first digest time after `after` (or at it, when `inclusive`), for the scheduler."""
    day = calendar.local_date(after)
    for _ in range(400):
        due = starts_at(calendar, day)
        if due is not None and (due > as_utc(after) or (inclusive and due == as_utc(after))):
            return due
        day += timedelta(days=1)
    return None


def holders(settings: Settings, ticket: Ticket, today: date) -> list[Staff]:
    """Whose digest lists `ticket`: its assignee (or their delegate while away), else the members
    of its queue who are in."""
    staff = settings.directory.staff_by_key
    assignee = staff.get(ticket.assignee or "")
    if assignee is not None:
        holder = present(assignee, today, staff)
        if holder is not None:
            return [holder]
    queue = settings.config.accounts.queues.get(ticket.queue, [])
    members = [staff[k] for k in queue if k in staff]
    return [m for m in members if m.active and m.away_on(today) is None]


def plan(settings: Settings, today: date) -> dict[str, list[Ticket]]:
    """Staff key -> the tickets in their digest of `today`."""
    found: dict[str, list[Ticket]] = defaultdict(list)
    query = (Ticket.select().where(Ticket.status.in_(OPEN) & Ticket.merged_into.is_null())
             .order_by(Ticket.number))
    for ticket in query:
        for person in holders(settings, ticket, today):
            found[person.key].append(ticket)
    return found


def process_due(settings: Settings, now: datetime) -> int:
    """Send today's digests once the office has opened (until it closes); returns mails queued."""
    if not settings.config.main.reminders.digest:
        return 0
    calendar = settings.calendar
    today = calendar.local_date(now)
    hours = calendar.office_hours_utc(today)
    if hours is None or not hours[0] <= as_utc(now) < hours[1]:
        return 0  # a shut day (weekend, bank holiday, closure), or outside today's hours
    staff = settings.directory.staff_by_key
    done = _claimed(today)
    items = plan(settings, today)
    queued = 0
    for person in staff.values():
        if person.key in done or not person.active or person.away_on(today) is not None:
            continue
        claim = Claim(KIND, f"staff:{person.key}", today.isoformat(), naive_utc(hours[0]))
        tickets = items.get(person.key, [])
        if not tickets:
            record(claim, "skipped", naive_utc(now))
            continue
        context = _context(settings, person, tickets, now)
        history = f"digest of {today} with {len(tickets)} tickets sent to {person.key}"
        to = [(person.name, person.emails[0])]
        queued += claim_and_send(settings, claim, TEMPLATE, context, to, history, naive_utc(now))
    return queued


def _claimed(today: date) -> set[str]:
    rows = Occurrence.select(Occurrence.subject).where((Occurrence.kind == KIND)
                                                       & (Occurrence.occurs == today.isoformat()))
    return {r.subject.partition(":")[2] for r in rows}


def _context(settings: Settings, person: Staff, tickets: list[Ticket],
             now: datetime) -> dict[str, Any]:
    signer = settings.reply_addresses
    entries = sorted((_entry(settings, t, now, signer.make(t.number, staff_role(person.key)))
                      for t in tickets),
                     key=lambda e: (not e["overdue"], e["due_sort"], e["number"]))
    local = as_utc(now).astimezone(settings.calendar.zone)
    return {"recipient_name": person.name, "date": f"{local:%A %d %B %Y}", "tickets": entries,
            "overdue": sum(e["overdue"] for e in entries),
            "due_today": sum(e["due_today"] for e in entries),
            "start_address": start_address(signer, person.key)}


def _entry(settings: Settings, ticket: Ticket, now: datetime, reply_address: str) -> dict[str, Any]:
    zone = settings.calendar.zone
    today = settings.calendar.local_date(now)
    targets = (("respond", ticket.response_due_at), ("resolve", ticket.resolution_due_at))
    dues = [(what, d) for what, d in targets
            if d is not None and not (what == "respond" and ticket.status != "new")]
    running = ticket.paused_since is None
    overdue = running and any(d <= naive_utc(now) for _, d in dues)
    local = [(what, d.replace(tzinfo=timezone.utc).astimezone(zone)) for what, d in dues]
    due_today = any(d.date() == today for _, d in local)
    return {
        "number": ticket.number, "subject": ticket.subject, "status": ticket.status,
        "priority": ticket.priority, "organisation": ticket.organisation,
        "requester": ticket.requester,
        "assigned": ticket.assignee is not None, "reply_address": reply_address,
        "due": [f"{what} by {d:%a %d %b %H:%M}" for what, d in local],
        "overdue": overdue, "due_today": due_today,
        "due_sort": min((d for _, d in dues), default=datetime.max),
        "tag": f"[{settings.config.helpdesk.tag_prefix}{ticket.number}]",
    }

"""Service targets: each ticket's due times, the clock that stops while it waits on the customer,
and the sweep that warns before a target is missed and escalates when it is.

Two targets per priority (config `service_targets`): `response` is met when the ticket leaves
`new` (staff answered, asked a question or took it), `resolution` when it is resolved. The clock
of the current priority starts when the ticket is opened or given that priority; it stands still
while the ticket is `pending` (waiting on the customer), `resolved` or `closed`, and the time it
stood still is added to both due times when it runs again (a reopened ticket carries on).

Hooks for the code that changes tickets (call them inside its transaction, with its `now`):
`ticket_opened` (before the new row is inserted: the due times go in with it), `priority_changed`,
`status_changed`.

The sweep warns the assignee (the ticket's queue when nobody is assigned) once `warn_at` of a
target's time has gone, and escalates to the customer services manager when it is missed, each
once per ticket, target and priority (an Occurrence claim). Notices of an around-the-clock
priority (P1) go out at once, day or night, to the on-call staff as well, who are also paged
when a ticket is raised to P1; the others wait for office hours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from maild.config import Staff
from maild.runtime.subjects import tagged_subject
from maild.schedule.claims import Claim, addresses, claim_and_send, in_office, record
from maild.runtime.targets import Targets
from maild.runtime.worktime import as_utc, iso_utc, naive_utc
from maild.store.models import Occurrence, Ticket
from maild.store.writes import save_service_clock

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.schedule")
TARGETS = ("response", "resolution")
RUNNING = ("new", "open")  # the clock runs; pending, resolved and closed stop it


@dataclass(frozen=True)
class Deadline:
    """One notice a running ticket will get: a warning or a breach of one of its targets."""

    ticket: Ticket
    target: str  # response, resolution
    notice: str  # warning, breach
    at: datetime  # aware UTC
    due: datetime  # the target's due time, aware UTC

    def as_json(self, settings: Settings, now: datetime) -> dict[str, Any]:
        """The `maild reminders --json` shape; `overdue` when it is owed already (waiting for
        office hours)."""
        around_the_clock = settings.targets.of(self.ticket.priority).clock == "always"
        people = recipients(settings, self.ticket, self.notice, around_the_clock,
                            settings.calendar.local_date(self.at))
        return {"kind": self.claim.kind, "organisation": self.ticket.organisation,
                "ticket": self.ticket.number,
                "due_at": iso_utc(self.at), "recipients": [address for _, address in addresses(
                    people)],
                "overdue": self.at <= as_utc(now)}

    @property
    def claim(self) -> Claim:
        return Claim(kind=f"sla_{self.notice}:{self.target}",
                     subject=f"ticket:{self.ticket.number}",
                     occurs=self.ticket.sla_since.isoformat(timespec="seconds"), due_at=naive_utc(
                         self.at),
                     organisation=self.ticket.organisation, ticket=self.ticket)


def due_time(targets: Targets, ticket: Ticket, target: str, share: float = 1.0) -> datetime | None:
    """When `share` of the target's time will have gone, counting the time stood still."""
    span = targets.span(ticket.priority, target)
    if span is None or ticket.sla_since is None:
        return None
    paused = timedelta(seconds=ticket.paused_seconds)
    return targets.clock(ticket.priority).add(ticket.sla_since, span * share + paused)


# ---------------------------------------------------------------- hooks

def ticket_opened(ticket: Ticket, settings: Settings, now: datetime) -> None:
    """A new ticket, not inserted yet: its priority's clock starts now, and its due times are set
    on the row (one INSERT rather than an INSERT and an UPDATE)."""
    _start(ticket, settings, now)


def priority_changed(ticket: Ticket, settings: Settings, now: datetime) -> None:
    """`ticket.priority` holds the new priority: the new promise runs from now (a ticket raised
    to P1 gets an engineer at once, not measured from when it was a P3)."""
    _start(ticket, settings, now)
    save_service_clock(ticket)


def status_changed(ticket: Ticket, settings: Settings, now: datetime) -> None:
    """`ticket.status` holds the new status: entering pending, resolved or closed stops the clock;
    back to new or open, it runs again and the due times move by the time it stood still."""
    if ticket.sla_since is None:
        return  # opened before service targets existed
    if ticket.status not in RUNNING and ticket.paused_since is None:
        ticket.paused_since = naive_utc(now)
    elif ticket.status in RUNNING and ticket.paused_since is not None:
        stood = settings.targets.clock(ticket.priority).between(ticket.paused_since, now)
        ticket.paused_seconds += int(stood.total_seconds())
        ticket.paused_since = None
        _set_due(ticket, settings.targets)
    save_service_clock(ticket)


def _start(ticket: Ticket, settings: Settings, now: datetime) -> None:
    ticket.sla_since = naive_utc(now)
    ticket.paused_seconds = 0
    ticket.paused_since = None if ticket.status in RUNNING else naive_utc(now)
    _set_due(ticket, settings.targets)


def _set_due(ticket: Ticket, targets: Targets) -> None:
    for target in TARGETS:
        due = due_time(targets, ticket, target)
        setattr(ticket, f"{target}_due_at", naive_utc(due) if due else None)


# ---------------------------------------------------------------- the sweep

def running() -> list[Ticket]:
    return list(Ticket.select().where(Ticket.status.in_(RUNNING) & Ticket.paused_since.is_null()
                                      & (Ticket.response_due_at.is_null(False)
                                         | Ticket.resolution_due_at.is_null(False)))
                .order_by(Ticket.number))


def deadlines(settings: Settings) -> list[Deadline]:
    """Every warning and breach still ahead of (or owed to) the running tickets, not yet claimed."""
    targets = settings.targets
    found = []
    for ticket in running():
        for target in TARGETS:
            due = getattr(ticket, f"{target}_due_at")
            if due is None or (target == "response" and ticket.status != "new"):
                continue  # no target, or met
            warn = due_time(targets, ticket, target, settings.config.main.service_targets.warn_at)
            assert warn is not None
            found += [Deadline(ticket, target, "warning", warn, as_utc(due)), Deadline(
                ticket, target, "breach",
                                                                                      as_utc(due),
                                                                                      as_utc(due))]
            if target == "response" and _raised_to_around_the_clock(ticket, targets):
                found.append(Deadline(ticket, target, "page", as_utc(ticket.sla_since), as_utc(
                    due)))
    claimed = _claimed([d.claim for d in found])
    return [d for d in found if (d.claim.kind, d.claim.subject, d.claim.occurs) not in claimed]


def _raised_to_around_the_clock(ticket: Ticket, targets: Targets) -> bool:
    """Given a P1 after it was opened: the on-call staff are paged at once. (A ticket opened as P1
    was already notified to them by its routing rule's `notify`.)"""
    return targets.of(ticket.priority).clock == "always" and ticket.sla_since > ticket.created_at


def breaches(settings: Settings, now: datetime) -> int:
    """Targets missed by tickets still running: for `maild status`."""
    return sum(1 for t in running() for target in TARGETS
               if (due := getattr(t, f"{target}_due_at")) is not None and due <= naive_utc(now)
               and not (target == "response" and t.status != "new"))


def sweep(settings: Settings, now: datetime) -> int:
    """Send the warnings and escalations that are due; returns how many mails were queued."""
    sent = 0
    owed = [d for d in deadlines(settings) if d.at <= as_utc(now)]
    breached = {(d.ticket.number, d.target) for d in owed if d.notice == "breach"}
    targets = settings.targets
    for deadline in owed:
        if deadline.notice == "warning" and (deadline.ticket.number, deadline.target) in breached:
            # Too late to warn: the escalation says it all.
            record(deadline.claim, "superseded", naive_utc(now))
            continue
        around_the_clock = targets.of(deadline.ticket.priority).clock == "always"
        if not around_the_clock and not settings.calendar.is_open(now):
            continue  # waits for office hours
        sent += _notify(settings, deadline, around_the_clock, now)
    return sent


def _notify(settings: Settings, deadline: Deadline, page_on_call: bool, now: datetime) -> int:
    ticket, calendar = deadline.ticket, settings.calendar
    people = recipients(settings, ticket, deadline.notice, page_on_call, calendar.local_date(now))
    local_due = deadline.due.astimezone(calendar.zone)
    context = {"number": ticket.number, "subject": ticket.subject, "priority": ticket.priority,
               "status": ticket.status, "organisation": ticket.organisation,
               "requester": ticket.requester,
               "assignee": ticket.assignee, "queue": ticket.queue, "target": deadline.target,
               "due": local_due.strftime("%A %d %B %Y at %H:%M"), "paged": page_on_call}
    history = f"{deadline.target} target due {local_due:%Y-%m-%d %H:%M}: {deadline.notice} to " + \
              ", ".join(p.key for p in people)
    prefix = tagged_subject(settings.config.helpdesk.tag_prefix, ticket.number, "")
    return int(claim_and_send(settings, deadline.claim, f"sla_{deadline.notice}", context,
                              addresses(people),
                              history, naive_utc(now), prefix))


def recipients(settings: Settings, ticket: Ticket, notice: str, page_on_call: bool,
               day: date) -> list[Staff]:
    """A warning goes to the assignee (else the ticket's queue), an escalation to the customer
    services manager; either also to the on-call staff when the priority is worked around the
    clock, who alone get the page of a ticket raised to such a priority."""
    directory, accounts = settings.directory, settings.config.accounts
    people: list[Staff] = []
    if notice == "warning":
        people = [directory.staff_by_key[
            ticket.assignee]] if ticket.assignee in directory.staff_by_key else \
            [directory.staff_by_key[k] for k in accounts.queues.get(ticket.queue, [
                ]) if k in directory.staff_by_key]
    elif notice == "breach":
        people = [s for s in accounts.staff if "customer_services_manager" in s.roles]
    if page_on_call:
        people += [s for s in accounts.staff if "on_call" in s.roles]
    return in_office(people, day)


def _claimed(claims: list[Claim]) -> set[tuple[str, str, str]]:
    subjects = {c.subject for c in claims}
    if not subjects:
        return set()
    rows = Occurrence.select(Occurrence.kind, Occurrence.subject, Occurrence.occurs).where(
        Occurrence.subject.in_(subjects) & Occurrence.kind.startswith("sla_"))
    return {(r.kind, r.subject, r.occurs) for r in rows}

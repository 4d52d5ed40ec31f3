"""Tickets waiting on the customer (`pending`): one reminder to the customer after
`conversations.pending_reminder_days` working days without an answer, then resolution after
`pending_resolve_days` more, each exactly once.

A wait begins when the ticket is set pending, or again when staff answer while it waits; the
customer's reply ends it (the ticket is open again: pipeline.apply). Each wait has its own
occurrence claims (kind, ticket, the moment it began), inserted in the transaction that queues
the mail, so a restart or a second host never sends either twice. Mail goes out in office hours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import peewee

from maild.outbound import customer
from maild.runtime.signing import CUSTOMER
from maild.runtime.subjects import tagged_subject
from maild.runtime.worktime import OfficeClock, as_utc, iso_utc, naive_utc
from maild.schedule import targets
from maild.schedule.claims import Claim, insert_claim
from maild.store.db import transaction
from maild.store.models import Event, Occurrence, Ticket
from maild.store.queries import waiting_since

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.schedule")
REMINDER = "pending_reminder"
RESOLVED = "pending_resolved"


class NoLongerWaiting(Exception):
    """The customer answered between the look and the claim: the claim is rolled back."""


@dataclass(frozen=True)
class Step:
    """The reminder or the resolution one waiting ticket has coming."""

    kind: str  # pending_reminder, pending_resolved
    ticket: Ticket
    occurs: str  # when the wait began (ISO, UTC): one of each per wait
    at: datetime  # aware UTC

    def claim(self, now: datetime) -> Claim:
        return Claim(self.kind, f"ticket:{self.ticket.number}", self.occurs, naive_utc(now),
                     self.ticket.organisation, self.ticket)

    def as_json(self) -> dict[str, Any]:
        """The `maild reminders --json` shape."""
        ticket = self.ticket
        return {"kind": self.kind, "organisation": ticket.organisation, "ticket": ticket.number,
                "due_at": iso_utc(self.at),
                "recipients": [ticket.requester] if ticket.requester else []}


def coming(settings: Settings) -> list[Step]:
    """Each waiting ticket's next step not taken yet: its reminder, or once reminded, resolution."""
    remind_after = settings.config.main.conversations.pending_reminder_days
    resolve_after = settings.config.main.conversations.pending_resolve_days
    if not remind_after:
        return []
    office = OfficeClock(settings.calendar)
    found = []
    for ticket, since in waiting_since():
        occurs = since.isoformat(timespec="seconds")
        reminded = _claimed(REMINDER, ticket, occurs)
        if reminded is None:
            found.append(Step(REMINDER, ticket, occurs, office.add_days(since, remind_after)))
        elif resolve_after and _claimed(RESOLVED, ticket, occurs) is None:
            at = office.add_days(reminded.created_at, resolve_after)
            found.append(Step(RESOLVED, ticket, occurs, at))
    return found


def sweep(settings: Settings, now: datetime) -> int:
    """Send the reminders and resolve the tickets that are due; returns the mails queued."""
    if not settings.calendar.is_open(now):
        return 0
    due = [step for step in coming(settings) if step.at <= as_utc(now)]
    return sum(_act(settings, step.ticket, step.claim(now), now) for step in due)


def _claimed(kind: str, ticket: Ticket, occurs: str) -> Occurrence | None:
    return Occurrence.get_or_none((Occurrence.kind == kind) & (Occurrence.occurs == occurs)
                                  & (Occurrence.subject == f"ticket:{ticket.number}"))


def _act(settings: Settings, ticket: Ticket, claim: Claim, now: datetime) -> int:
    """Claim, change and queue in one transaction; 0 when another pass or host claimed it first."""
    to = [ticket.requester] if ticket.requester else []
    try:
        with transaction():
            insert_claim(claim, "sent" if to else "skipped", [("", a) for a in to], naive_utc(now))
            if claim.kind == RESOLVED:
                _resolve(settings, ticket, now)
            elif not _still_waiting(ticket):
                raise NoLongerWaiting
            _tell_customer(settings, ticket, claim.kind)
            Event.create(ticket=ticket, kind=claim.kind, created_at=naive_utc(now),
                         detail=_history(settings, claim))
    except peewee.IntegrityError:
        log.info("%s on ticket %d was claimed elsewhere; not sent again", claim.kind, ticket.number)
        return 0
    except NoLongerWaiting:
        return 0
    log.info("ticket %d: %s to %s", ticket.number, claim.kind, ", ".join(to) or "nobody")
    return 1 if to else 0


def _still_waiting(ticket: Ticket) -> bool:
    here = (Ticket.number == ticket.number) & (Ticket.status == "pending")
    return Ticket.select().where(here).exists()


def _resolve(settings: Settings, ticket: Ticket, now: datetime) -> None:
    at = naive_utc(now)
    changed = (Ticket.update(status="resolved", resolved_at=at, updated_at=at)
               .where((Ticket.number == ticket.number) & (Ticket.status == "pending")).execute())
    if not changed:
        raise NoLongerWaiting
    ticket.status, ticket.resolved_at = "resolved", naive_utc(now)
    targets.status_changed(ticket, settings, now)
    Event.create(ticket=ticket, kind="status", created_at=naive_utc(now),
                 detail="pending -> resolved by maild (no answer from the customer)")


def _tell_customer(settings: Settings, ticket: Ticket, template: str) -> None:
    conversations = settings.config.main.conversations
    rendered = settings.renderer.render(template, {
        "number": ticket.number, "subject": ticket.subject, "requester_name": ticket.requester_name,
        "helpdesk_name": settings.config.helpdesk.name, "reopen_days": conversations.reopen_days,
        "reminder_days": conversations.pending_reminder_days,
        "resolve_days": conversations.pending_resolve_days,
    })
    subject = tagged_subject(settings.config.helpdesk.tag_prefix, ticket.number, rendered.subject)
    reply_to = settings.reply_addresses.make(ticket.number, CUSTOMER)
    sender = settings.config.main.outbound.from_
    customer.queue(settings, ticket, template, subject, rendered, sender, reply_to, automatic=True)


def _history(settings: Settings, claim: Claim) -> str:
    conversations = settings.config.main.conversations
    if claim.kind == REMINDER:
        return (f"waiting on the customer since {claim.occurs} UTC, no answer in "
                f"{conversations.pending_reminder_days} working days: reminder sent")
    return (f"no answer {conversations.pending_resolve_days} working days after the reminder: "
            "resolved, the customer told")

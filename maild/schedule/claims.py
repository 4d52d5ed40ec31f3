"""What reminders and service-target notices share: claiming an occurrence and queueing its mail
in one transaction, and choosing staff who are in (not away, still active)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import peewee

from maild.config import Staff
from maild.outbound import outbox
from maild.store.db import transaction
from maild.store.models import Event, Occurrence, Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.schedule")


@dataclass(frozen=True)
class Claim:
    """The unique key of one occurrence and what to record with it."""

    kind: str
    subject: str  # an organisation key, or ticket:<number>
    occurs: str  # ISO date or time of the occurrence itself
    due_at: datetime  # naive UTC
    organisation: str | None = None
    ticket: Ticket | None = None

    def exists(self) -> bool:
        return Occurrence.select().where((Occurrence.kind == self.kind) & (
            Occurrence.subject == self.subject)
                                         & (Occurrence.occurs == self.occurs)).exists()


def in_office(people: Iterable[Staff], day: date) -> list[Staff]:
    """The active people not away on `day`; when that is nobody, the active ones all the same
    (a notice to someone away is better than a notice to nobody)."""
    active = [p for p in people if p.active]
    present = [p for p in active if p.away_on(day) is None]
    return present or active


def addresses(people: Iterable[Staff]) -> list[tuple[str, str]]:
    """(name, address) once per person, in order."""
    seen: dict[str, tuple[str, str]] = {}
    for person in people:
        seen.setdefault(person.key, (person.name, person.emails[0]))
    return list(seen.values())


def claim_and_send(settings: Settings, claim: Claim, template: str, context: dict[str, Any],
                   to: list[tuple[str, str]], history: str, now: datetime,
                   subject_prefix: str = "") -> bool:
    """Insert the claim and queue the mail in one transaction. False when the occurrence was
    already claimed (by an earlier pass, another process or another host): nothing is sent."""
    if claim.exists():
        return False
    try:
        with transaction():
            status = "sent" if to else "skipped"
            insert_claim(claim, status, to, now)
            if to:
                queue_mail(settings, claim.kind.partition(":")[0], template, context, to,
                           claim.ticket, subject_prefix)
            Event.create(ticket=claim.ticket, organisation=claim.organisation, kind=claim.kind,
                         created_at=now,
                         detail=history if to else f"{history}: nobody to send it to")
    except peewee.IntegrityError:
        log.info("%s %s %s was claimed elsewhere; not sent again", claim.kind, claim.subject,
                 claim.occurs)
        return False
    log.info("%s %s %s: %s to %s", claim.kind, claim.subject, claim.occurs, status,
             ", ".join(a for _, a in to) or "nobody")
    return bool(to)


def record(claim: Claim, status: str, now: datetime, history: str | None = None) -> bool:
    """Claim an occurrence without mail of its own (skipped, superseded).
    False when claimed before."""
    if claim.exists():
        return False
    try:
        with transaction():
            insert_claim(claim, status, [], now)
            if history:
                Event.create(ticket=claim.ticket, organisation=claim.organisation,
                             kind=f"{claim.kind}_{status}",
                             detail=history, created_at=now)
    except peewee.IntegrityError:
        return False
    return True


def insert_claim(claim: Claim, status: str, to: list[tuple[str, str]], now: datetime) -> None:
    """The claim row itself; raises peewee.IntegrityError when the occurrence is claimed already."""
    Occurrence.create(kind=claim.kind, subject=claim.subject, occurs=claim.occurs, status=status,
                      due_at=claim.due_at, recipients="\n".join(a for _, a in to),
                      organisation=claim.organisation, ticket=claim.ticket, created_at=now)


def queue_mail(settings: Settings, purpose: str, template: str, context: dict[str, Any],
               to: list[tuple[str, str]], ticket: Ticket | None = None,
               subject_prefix: str = "") -> None:
    """Render a staff or contact notice and put it in the outbox (inside the caller's
    transaction)."""
    rendered = settings.renderer.render(template, {"helpdesk_name": settings.config.helpdesk.name,
                                                   **context})
    outbox.queue_notice(settings, purpose, rendered, to, ticket,
                        subject=subject_prefix + rendered.subject)


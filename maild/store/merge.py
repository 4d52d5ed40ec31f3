"""Folding one ticket into another (`#merge N`): its conversation, people and history move over.

The merged ticket stays as a closed shell pointing at the surviving one (`merged_into`), so the
signed addresses and Message-IDs already handed out for it keep resolving: to the survivor.
Messages move with their attachments; outbox rows move too, so a reply quoting one of the merged
ticket's Message-IDs finds the survivor directly.
"""

from __future__ import annotations

from datetime import datetime

from maild.store.models import Event, Message, Occurrence, Outbox, Participant, Proposed, Ticket

MAX_CHAIN = 20  # merges of merges; a longer chain is a loop someone made by hand in the database


def surviving(ticket: Ticket) -> Ticket:
    """The ticket `ticket`'s mail lands on: itself, or the one it was merged into."""
    for _ in range(MAX_CHAIN):
        if ticket.merged_into is None:
            return ticket
        found = Ticket.find(ticket.merged_into)
        if found is None:
            return ticket
        ticket = found
    return ticket


def merge(source: Ticket, target: Ticket, by: str, now: datetime) -> None:
    """Move everything of `source` onto `target` (in the caller's transaction)."""
    Message.update(ticket=target.number).where(Message.ticket == source.number).execute()
    Outbox.update(ticket=target.number).where(Outbox.ticket == source.number).execute()
    _move_people(source, target)
    Event.update(ticket=target.number).where(Event.ticket == source.number).execute()
    Occurrence.delete().where(Occurrence.ticket == source.number).execute()  # its own targets end
    (Ticket.update(status="closed", merged_into=target.number, resolved_at=now, updated_at=now)
     .where(Ticket.number == source.number).execute())
    Ticket.update(updated_at=now).where(Ticket.number == target.number).execute()
    source.status, source.merged_into = "closed", target.number
    Event.create(ticket=target, kind="merged", created_at=now,
                 detail=f"ticket {source.number} ({source.subject}) merged into this one by {by}")
    Event.create(ticket=source, kind="merged_into", created_at=now,
                 detail=f"merged into ticket {target.number} by {by}; its mail lands there")


def _move_people(source: Ticket, target: Ticket) -> None:
    """Participants and proposed addresses join the target once each; the source's requester
    becomes a Cc there (the target keeps its own requester)."""
    there = {p.email for p in
             Participant.select(Participant.email).where(Participant.ticket == target.number)}
    for person in Participant.select().where(Participant.ticket == source.number):
        if person.email not in there:
            Participant.create(ticket=target.number, email=person.email, name=person.name,
                               role="cc")
            there.add(person.email)
    proposed = {p.email for p in
                Proposed.select(Proposed.email).where(Proposed.ticket == target.number)}
    for offer in Proposed.select().where(Proposed.ticket == source.number):
        if offer.email not in proposed and offer.email not in there:
            Proposed.create(ticket=target.number, email=offer.email, name=offer.name,
                            reason=offer.reason, created_at=offer.created_at)
    Proposed.delete().where(Proposed.ticket == source.number).execute()

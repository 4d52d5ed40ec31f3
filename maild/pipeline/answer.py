"""Mail to the customer side of a ticket: a staff answer, or a status change they should know of.

Sent from the helpdesk address (an answer names the staff member, never their address unless
configured), to the requester with the other participants in Cc, as a reply to the customer's
latest message, with the ticket tag and a signed customer Reply-To so that their answer threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import Markup

from maild.config import AccountsFile, Staff
from maild.outbound import outbox
from maild.outbound.compose import FilePart, Outgoing, display_from
from maild.runtime.subjects import tagged_subject
from maild.pipeline.caps import within_cap
from maild.runtime.signing import CUSTOMER
from maild.store.models import BouncedAddress, Event, Message, Participant, Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.pipeline")
ANSWER_TEMPLATE = "answer"
MAX_REFERENCES = 20


def send_answer(settings: Settings, ticket: Ticket, staff: Staff, text: str,
                html: str | None = None, files: Sequence[FilePart] = ()) -> None:
    """The answer to the customer: `html` (already made safe) as the alternative to `text`."""
    helpdesk = settings.config.helpdesk
    show_address = settings.config.main.conversations.show_staff_address
    rendered = settings.renderer.render(ANSWER_TEMPLATE, {
        "text": text, "staff_name": staff.name, "staff_address": staff.emails[0] if show_address else None,
        "number": ticket.number, "subject": ticket.subject, "helpdesk_name": helpdesk.name,
        "requester_name": ticket.requester_name, "html": Markup(html) if html else None,
    })
    if html is None:
        rendered = replace(rendered, html=None)
    sender = display_from(f"{staff.name} via {helpdesk.name}", helpdesk.address)
    _queue(settings, ticket, "answer", rendered, sender, automatic=False, files=tuple(files))


def tell_requester(settings: Settings, ticket: Ticket, template: str, now: datetime,
                   raw_id: int | None = None) -> None:
    """A status change that matters to the customer (resolved, reopened), from the template:
    automatic mail, so within the caps (pipeline.caps); a withheld notice is in the history."""
    if ticket.requester and not within_cap(settings, now, ticket.requester, ticket, raw_id):
        Event.create(ticket=ticket, raw=raw_id, kind="notice_withheld", created_at=now,
                     detail=f"{template} notice to {ticket.requester} not sent: over the cap on automatic mail")
        log.info("ticket %d: %s notice withheld by the cap", ticket.number, template)
        return
    helpdesk = settings.config.helpdesk
    rendered = settings.renderer.render(template, {
        "number": ticket.number, "subject": ticket.subject, "status": ticket.status,
        "requester_name": ticket.requester_name, "helpdesk_name": helpdesk.name,
        "reopen_days": settings.config.main.conversations.reopen_days,
    })
    _queue(settings, ticket, template, rendered, settings.config.main.outbound.from_, automatic=True)


def _queue(settings: Settings, ticket: Ticket, purpose: str, rendered: object, from_header: str,
           automatic: bool, files: tuple[FilePart, ...] = ()) -> None:
    if not ticket.requester:
        log.info("ticket %d: no requester address, %s not sent", ticket.number, purpose)
        return
    helpdesk = settings.config.helpdesk
    in_reply_to, references = _thread_of(ticket)
    out = Outgoing(
        from_header=from_header,
        to=[(ticket.requester_name, ticket.requester)],
        cc=_cc(settings, ticket),
        subject=tagged_subject(helpdesk.tag_prefix, ticket.number, rendered.subject),  # type: ignore[attr-defined]
        text=rendered.text,  # type: ignore[attr-defined]
        html=rendered.html,  # type: ignore[attr-defined]
        message_id=settings.reply_addresses.message_id(),
        in_reply_to=in_reply_to,
        references=references,
        auto_submitted="auto-generated" if automatic else None,
        loop_marker=helpdesk.address,
        reply_to=settings.reply_addresses.make(ticket.number, CUSTOMER),
        files=files,
    )
    outbox.queue(ticket, purpose, out, mail_from=helpdesk.address)
    log.info("ticket %d: %s %s queued for %s", ticket.number, purpose, out.message_id, ", ".join(out.addresses))


def _cc(settings: Settings, ticket: Ticket) -> list[tuple[str, str]]:
    """The other participants, without addresses a delivery report said are undeliverable, and
    without contacts and staff the accounts file has deactivated (someone who left keeps no
    window on the ticket, RELIABILITY X11)."""
    bounced = {b.email for b in BouncedAddress.select(BouncedAddress.email)}
    left = _deactivated(settings.config.accounts)
    return [(p.name, p.email) for p in ticket.participants
            if p.role == "cc" and p.email != ticket.requester and p.email not in bounced and p.email not in left]


def _deactivated(accounts: AccountsFile) -> set[str]:
    """Addresses marked `active: false`, unless the same address is active somewhere else."""
    people = [*((s.active, e) for s in accounts.staff for e in s.emails),
              *((c.active, c.email) for o in accounts.organisations for c in o.contacts)]
    return {e.lower() for active, e in people if not active} - {e.lower() for active, e in people if active}


def _thread_of(ticket: Ticket) -> tuple[str | None, list[str]]:
    """The customer's latest message (what we answer), and the ticket's customer-visible chain."""
    visible = (Message.select(Message.message_id, Message.direction, Message.from_addr, Message.to_addrs)
               .where((Message.ticket == ticket) & Message.message_id.is_null(False) & (Message.direction != "note"))
               .order_by(Message.id))
    customers = {p.email for p in Participant.select(Participant.email).where(Participant.ticket == ticket)}
    theirs = [m.message_id for m in visible if m.direction == "in" and m.from_addr in customers]
    mine = set(theirs)
    chain = [m.message_id for m in visible if m.message_id in mine
             or (m.direction == "out" and customers & set(m.to_addrs.split(", ")))]
    return (theirs[-1] if theirs else None), chain[-MAX_REFERENCES:]

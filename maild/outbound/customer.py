"""Mail to the customer side of a ticket: to the requester with the other participants in Cc, as
a reply to the customer's latest message, so that it threads in their mail client.

Addresses a delivery report said are undeliverable, and people the accounts file has deactivated,
are left out of the Cc.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from maild.config import AccountsFile
from maild.outbound import outbox
from maild.outbound.compose import FilePart, Outgoing
from maild.runtime.templates import Rendered
from maild.store.models import BouncedAddress, Message, Participant, Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.outbound")
MAX_REFERENCES = 20


def queue(settings: Settings, ticket: Ticket, purpose: str, subject: str, rendered: Rendered,
          from_header: str, reply_to: str, automatic: bool,
          files: tuple[FilePart, ...] = ()) -> None:
    """Queue `rendered` under `subject` (tagged by the caller) for the ticket's customers, with
    `files` attached (or shown by its HTML)."""
    if not ticket.requester:
        log.info("ticket %d: no requester address, %s not sent", ticket.number, purpose)
        return
    helpdesk = settings.config.helpdesk
    in_reply_to, references = _thread_of(ticket)
    out = Outgoing(
        from_header=from_header,
        to=[(ticket.requester_name, ticket.requester)],
        cc=_cc(settings, ticket),
        subject=subject,
        text=rendered.text,
        html=rendered.html,
        message_id=settings.reply_addresses.message_id(),
        in_reply_to=in_reply_to,
        references=references,
        auto_submitted="auto-generated" if automatic else None,
        loop_marker=helpdesk.address,
        reply_to=reply_to,
        files=files,
    )
    outbox.queue(ticket, purpose, out, mail_from=helpdesk.address)
    log.info("ticket %d: %s %s queued for %s", ticket.number, purpose, out.message_id,
             ", ".join(out.addresses))


def _cc(settings: Settings, ticket: Ticket) -> list[tuple[str, str]]:
    """The other participants, without addresses a delivery report said are undeliverable, and
    without contacts and staff the accounts file has deactivated (someone who left keeps no
    window on the ticket, RELIABILITY X11)."""
    bounced = {b.email for b in BouncedAddress.select(BouncedAddress.email)}
    left = _deactivated(settings.config.accounts)
    return [(p.name, p.email) for p in ticket.participants if p.role == "cc"
            and p.email != ticket.requester and p.email not in bounced and p.email not in left]


def _deactivated(accounts: AccountsFile) -> set[str]:
    """Addresses marked `active: false`, unless the same address is active somewhere else."""
    people = [*((s.active, e) for s in accounts.staff for e in s.emails),
              *((c.active, c.email) for o in accounts.organisations for c in o.contacts)]
    inactive = {e.lower() for active, e in people if not active}
    return inactive - {e.lower() for active, e in people if active}


def _thread_of(ticket: Ticket) -> tuple[str | None, list[str]]:
    """The customer's latest message (what we answer), and the ticket's customer-visible chain."""
    visible = (Message.select(Message.message_id, Message.direction, Message.from_addr,
                              Message.to_addrs)
               .where((Message.ticket == ticket) & Message.message_id.is_null(False)
                      & (Message.direction != "note"))
               .order_by(Message.id))
    customers = {p.email for p in
                 Participant.select(Participant.email).where(Participant.ticket == ticket)}
    theirs = [m.message_id for m in visible if m.direction == "in" and m.from_addr in customers]
    mine = set(theirs)
    chain = [m.message_id for m in visible if m.message_id in mine
             or (m.direction == "out" and customers & set(m.to_addrs.split(", ")))]
    return (theirs[-1] if theirs else None), chain[-MAX_REFERENCES:]

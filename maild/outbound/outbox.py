"""Queueing outgoing mail: one outbox row (and the ticket's outgoing message) per mail.

Called inside the transaction that caused the mail, so a ticket never exists without its
acknowledgement queued, and an acknowledgement never without its ticket.
"""

from __future__ import annotations

from maild.outbound.compose import Outgoing, compose
from maild.store.models import Message, Outbox, Ticket


def queue(ticket: Ticket | None, purpose: str, out: Outgoing, mail_from: str = "") -> Outbox:
    """Store the composed mail for the sender; `mail_from` "" is the null return path <>."""
    content = compose(out)
    row = Outbox.create(
        ticket=ticket,
        purpose=purpose,
        mail_from=mail_from,
        recipients="\n".join(out.addresses),
        message_id=out.message_id,
        content=content,
    )
    if ticket is not None:
        Message.create(
            ticket=ticket,
            direction="out",
            from_addr=out.from_header,
            to_addrs=", ".join(out.addresses),
            subject=out.subject,
            text=out.text,
            html=out.html,
            message_id=out.message_id,
            in_reply_to=out.in_reply_to,
        )
    return row

"""Queueing outgoing mail: one outbox row (and the ticket's outgoing message) per mail.

Called inside the transaction that caused the mail, so a ticket never exists without its
acknowledgement queued, and an acknowledgement never without its ticket.
"""

from __future__ import annotations

from maild.config import Config
from maild.outbound.compose import Outgoing, compose
from maild.outbound.render import Rendered
from maild.store.models import Message, Outbox, Ticket


def queue(ticket: Ticket | None, purpose: str, out: Outgoing, mail_from: str = "") -> int:
    """Store the composed mail for the sender (`mail_from` "" is the null return path <>); returns
    the outbox row's id."""
    content = compose(out)
    row_id = Outbox.add(
        ticket=ticket,
        purpose=purpose,
        mail_from=mail_from,
        recipients="\n".join(out.addresses),
        message_id=out.message_id,
        content=content,
    )
    if ticket is not None:
        Message.add(
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
    return row_id


def queue_notice(config: Config, purpose: str, rendered: Rendered, to: list[tuple[str, str]],
                 ticket: Ticket | None = None, subject: str | None = None, reply_to: str | None = None,
                 in_reply_to: str | None = None) -> int:
    """A mail maild writes on its own to staff or contacts (notification, reminder, alert): from
    the helpdesk, marked auto-generated with our loop marker, bounces coming back to the helpdesk."""
    # Imported here: the pipeline package imports this module, and the key lives with it.
    from maild.pipeline.reply_address import reply_addresses

    helpdesk = config.helpdesk
    return queue(ticket, purpose, Outgoing(
        from_header=config.main.outbound.from_,
        to=to,
        subject=subject if subject is not None else rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=reply_addresses(config).message_id(),
        in_reply_to=in_reply_to,
        auto_submitted="auto-generated",
        loop_marker=helpdesk.address,
        reply_to=reply_to,
    ), mail_from=helpdesk.address)

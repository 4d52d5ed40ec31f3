"""Step: queue the acknowledgement of a new ticket, unless the mail was automatic (RFC 3834).

The acknowledgement answers the customer's mail (In-Reply-To/References), carries the ticket tag
in its subject, is marked `Auto-Submitted: auto-replied`, and is sent with the null return path
so that it can never start a loop. Outside office hours it says when the helpdesk next opens.
"""

from __future__ import annotations

import logging

from maild.outbound import outbox
from maild.outbound.compose import Outgoing, new_message_id
from maild.pipeline.context import MailContext
from maild.store.models import Event, Ticket

log = logging.getLogger("maild.pipeline")


def tagged_subject(prefix: str, ticket: Ticket, subject: str) -> str:
    tag = f"[{prefix}{ticket.number}]"
    return subject if tag in subject else f"{tag} {subject}"


def acknowledge(ctx: MailContext) -> None:
    if ctx.outcome != "opened" or ctx.route is None or ctx.route.acknowledge is None:
        return
    ticket, mail = ctx.ticket, ctx.mail
    assert ticket is not None and mail is not None
    if not ticket.requester:
        Event.create(ticket=ticket, kind="not_acknowledged", detail="no usable From address", created_at=ctx.now)
        return
    settings = ctx.settings
    helpdesk = settings.config.helpdesk
    next_open = settings.calendar.next_open(ctx.now)
    tag = f"[{helpdesk.tag_prefix}{ticket.number}]"
    rendered = settings.renderer.render(ctx.route.acknowledge, {
        "tag": tag,
        "number": ticket.number,
        "subject": ticket.subject,
        "requester_name": ticket.requester_name,
        "helpdesk_name": helpdesk.name,
        "office_open": settings.calendar.is_open(ctx.now),
        "next_open": next_open.strftime("%A %d %B %Y at %H:%M"),
    })
    references = [*reversed(mail.thread_ids), *([mail.message_id] if mail.message_id else [])]
    out = Outgoing(
        from_header=settings.config.main.outbound.from_,
        to=[(ticket.requester_name, ticket.requester)],
        subject=tagged_subject(helpdesk.tag_prefix, ticket, rendered.subject),
        text=rendered.text,
        html=rendered.html,
        message_id=new_message_id(helpdesk.address.rpartition("@")[2]),
        in_reply_to=mail.message_id,
        references=references,
        auto_submitted="auto-replied",
        loop_marker=helpdesk.address,
    )
    outbox.queue(ticket, "acknowledgement", out, mail_from="")
    log.info("ticket %d: acknowledgement %s queued for %s", ticket.number, out.message_id, ticket.requester)

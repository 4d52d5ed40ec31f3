"""Step: the automatic answer to the sender, unless the mail was automatic itself (RFC 3834).

A new ticket gets its acknowledgement (the route's template); a redirected unknown sender gets a
polite pointer to their organisation's admin manager, with no ticket and no ticket content.
Answers go out as replies (In-Reply-To/References), marked `Auto-Submitted: auto-replied`, with the
null return path so that they can never start a loop. Outside office hours they say when the
helpdesk next opens.
"""

from __future__ import annotations

from typing import Any

from maild.outbound import outbox
from maild.outbound.compose import Outgoing
from maild.pipeline.caps import within_cap
from maild.pipeline.context import MailContext, Outcome
from maild.runtime.signing import CUSTOMER
from maild.runtime.subjects import bare_subject, tagged_subject
from maild.store.models import Event, Ticket

REDIRECT_TEMPLATE = "redirect"


def acknowledge(ctx: MailContext) -> None:
    if ctx.automatic or (ctx.started is not None and ctx.started.how == "to"):
        return  # `#to`: the customer gets the staff member's own mail instead
    if (ctx.outcome is Outcome.OPENED and ctx.route is not None
            and ctx.route.acknowledge is not None):
        if ctx.ticket is not None and _within_cap(ctx, ctx.ticket.requester):
            _acknowledge_ticket(ctx, ctx.route.acknowledge)
    elif ctx.outcome is Outcome.REDIRECTED and ctx.sender is not None and ctx.sender.address:
        if _within_cap(ctx, ctx.sender.address):
            _redirect(ctx)


def _within_cap(ctx: MailContext, address: str) -> bool:
    """The shared cap (pipeline.caps); staff are told of the ticket all the same (see notify)."""
    return within_cap(ctx.settings, ctx.now, address, ctx.ticket, ctx.raw_id,
                      ticket_is_new=ctx.outcome is Outcome.OPENED)


def _common(ctx: MailContext) -> dict[str, Any]:
    settings = ctx.settings
    return {
        "helpdesk_name": settings.config.helpdesk.name,
        "helpdesk_address": settings.config.helpdesk.address,
        "office_open": settings.calendar.is_open(ctx.now),
        "next_open": settings.calendar.next_open(ctx.now).strftime("%A %d %B %Y at %H:%M"),
    }


def _acknowledge_ticket(ctx: MailContext, template: str) -> None:
    ticket, route = ctx.ticket, ctx.route
    assert ticket is not None and route is not None
    if not ticket.requester:
        Event.create(ticket=ticket, kind="not_acknowledged", detail="no usable From address",
                     created_at=ctx.now)
        return
    prefix = ctx.settings.config.helpdesk.tag_prefix
    assignee = ctx.settings.directory.staff_by_key.get(route.assignee or "")
    covering = route.covering
    rendered = ctx.settings.renderer.render(template, {
        **_common(ctx),
        "tag": f"[{prefix}{ticket.number}]",
        "number": ticket.number,
        "subject": ticket.subject,
        "requester_name": ticket.requester_name,
        "assignee_name": assignee.name if assignee else None,
        "covering": {"absent": covering.absent, "by": covering.by,
                     "until": covering.until.strftime("%A %d %B %Y")} if covering else None,
    })
    _queue_reply(ctx, ticket, (ticket.requester_name, ticket.requester),
                 tagged_subject(prefix, ticket.number, rendered.subject), rendered,
                 "acknowledgement")


def _redirect(ctx: MailContext) -> None:
    sender, mail = ctx.sender, ctx.mail
    assert sender is not None and mail is not None
    org = ctx.settings.directory.organisations.get(sender.organisation or "")
    admins = [{"name": c.name, "email": c.email} for c in org.admin_managers()] if org else []
    rendered = ctx.settings.renderer.render(REDIRECT_TEMPLATE, {
        **_common(ctx),
        "subject": bare_subject(mail.subject,
                                ctx.settings.config.helpdesk.tag_prefix) or "(no subject)",
        "sender_name": sender.name,
        "organisation": org.name if org else None,
        "admin_managers": admins,
    })
    _queue_reply(ctx, None, (sender.name, sender.address or ""), rendered.subject, rendered,
                 "redirect")


def _queue_reply(ctx: MailContext, ticket: Ticket | None, to: tuple[str, str], subject: str,
                 rendered: Any, purpose: str) -> None:
    mail = ctx.mail
    assert mail is not None
    helpdesk = ctx.settings.config.helpdesk
    out = Outgoing(
        from_header=ctx.settings.config.main.outbound.from_,
        to=[to],
        subject=subject,
        text=rendered.text,
        html=rendered.html,
        message_id=ctx.settings.reply_addresses.message_id(),
        in_reply_to=mail.message_id,
        references=[*reversed(mail.thread_ids), *([mail.message_id] if mail.message_id else [])],
        auto_submitted="auto-replied",
        loop_marker=helpdesk.address,
        reply_to=ctx.settings.reply_addresses.make(ticket.number, CUSTOMER) if ticket else None,
    )
    outbox.queue(ticket, purpose, out, mail_from="")
    ctx.said.append(f"{purpose} {out.message_id} queued for {to[1]}")

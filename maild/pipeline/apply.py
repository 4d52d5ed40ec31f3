"""Step: write the outcome: a new ticket, a reply on a ticket, or an ignored automatic mail.

Runs inside the mail's single transaction, together with marking the raw mail done.
"""

from __future__ import annotations

import logging

from maild.pipeline.context import MailContext, ParsedMail
from maild.pipeline.subjects import bare_subject
from maild.schedule import targets
from maild.store import raw as raw_store
from maild.store.models import Attachment, Event, Message, Participant, Ticket

log = logging.getLogger("maild.pipeline")
REOPENING = {"resolved", "closed"}


def apply(ctx: MailContext) -> None:
    if ctx.ticket is not None:
        _add_reply(ctx)
    elif ctx.automatic:
        _ignore(ctx, f"automatic mail, no ticket: {ctx.automatic}", "ignored")
    elif ctx.redirect:
        _ignore(ctx, "sender is not a designated contact: redirected to their admin manager, no ticket",
                "redirected")
    else:
        _open_ticket(ctx)


def _open_ticket(ctx: MailContext) -> None:
    mail, sender, route = ctx.mail, ctx.sender, ctx.route
    assert mail is not None and sender is not None and route is not None
    ticket = Ticket.create(
        subject=route.subject or bare_subject(mail.subject, ctx.settings.config.helpdesk.tag_prefix) or "(no subject)",
        kind=route.kind,
        priority=route.priority,
        queue=route.queue,
        organisation=sender.organisation,
        requester=sender.address or "",
        requester_name=sender.name,
        assignee=route.assignee,
        tags=" ".join(route.tags),
        route_rule=route.rule,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    targets.ticket_opened(ticket, ctx.settings, ctx.now)
    if sender.address:
        Participant.create(ticket=ticket, email=sender.address, name=sender.name, role="requester")
    _add_cc_participants(ctx, ticket)
    _store_message(ctx, ticket)
    detail = "; ".join([f"from {sender.kind} {sender.address or '(no usable From)'}", *ctx.notes])
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="opened", detail=detail, created_at=ctx.now)
    raw_store.mark_done(ctx.raw_id, raw_store.PROCESSED, ticket)
    ctx.ticket, ctx.outcome = ticket, "opened"
    log.info("ticket %d opened by %s from %s %s (%s, P%d, queue %s, assignee %s, rule %s)", ticket.number,
             mail.message_id, sender.kind, sender.address, route.kind, route.priority, route.queue, route.assignee,
             route.rule or "defaults")


def _add_reply(ctx: MailContext) -> None:
    ticket = ctx.ticket
    assert ticket is not None and ctx.sender is not None
    _store_message(ctx, ticket)
    if ctx.sender.address and ctx.sender.kind != "staff":
        _add_participant(ticket, ctx.sender.address, ctx.sender.name, "cc")
    changes = {"updated_at": ctx.now}
    if ticket.status in REOPENING and not ctx.automatic:
        changes["status"] = ticket.status = "open"
        Event.create(ticket=ticket, raw=ctx.raw_id, kind="reopened",
                     detail=f"reply from {ctx.sender.address}", created_at=ctx.now)
        targets.status_changed(ticket, ctx.settings, ctx.now)
    Ticket.update(**changes).where(Ticket.number == ticket.number).execute()
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="reply", created_at=ctx.now,
                 detail="; ".join([f"from {ctx.sender.address}", *ctx.notes,
                                   *([f"automatic: {ctx.automatic}"] if ctx.automatic else [])]))
    raw_store.mark_done(ctx.raw_id, raw_store.PROCESSED, ticket)
    ctx.outcome = "replied"
    log.info("ticket %d: reply %s from %s", ticket.number, ctx.mail.message_id if ctx.mail else None,
             ctx.sender.address)


def _ignore(ctx: MailContext, reason: str, outcome: str) -> None:
    """No ticket: the raw mail is kept, marked ignored with the reason."""
    Event.create(raw=ctx.raw_id, kind=outcome, detail=reason, created_at=ctx.now)
    raw_store.mark_done(ctx.raw_id, raw_store.IGNORED, None, reason)
    ctx.outcome = outcome
    log.info("%s %s: %s", outcome, ctx.mail.message_id if ctx.mail else None, reason)


def _store_message(ctx: MailContext, ticket: Ticket) -> None:
    mail: ParsedMail | None = ctx.mail
    assert mail is not None
    message = Message.create(
        ticket=ticket,
        raw=ctx.raw_id,
        direction="in",
        from_addr=mail.from_address or "",
        to_addrs=", ".join(a for _, a in mail.to),
        cc_addrs=", ".join(a for _, a in mail.cc),
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        message_id=mail.message_id,
        in_reply_to=mail.thread_ids[0] if mail.thread_ids else None,
        created_at=ctx.now,
    )
    for part in mail.attachments:
        Attachment.create(message=message, filename=part.filename, content_type=part.content_type,
                          size=len(part.payload), content=part.payload)


def _add_cc_participants(ctx: MailContext, ticket: Ticket) -> None:
    assert ctx.mail is not None
    ours = ctx.settings.config.helpdesk.addresses
    for name, address in ctx.mail.cc:
        if address not in ours and address != ticket.requester:
            _add_participant(ticket, address, name, "cc")


def _add_participant(ticket: Ticket, address: str, name: str, role: str) -> None:
    exists = Participant.select().where((Participant.ticket == ticket) & (Participant.email == address)).exists()
    if not exists:
        Participant.create(ticket=ticket, email=address, name=name, role=role)

"""Step: a customer asks where things stand (subject `status`, or the configured status address).

The answer lists the sender's open tickets (theirs as requester or participant; for an admin
manager of an organisation, all of the organisation's), each with its state and last action, and
goes to the From address only: whoever forges a From learns nothing, since the list goes to the
real owner. It is automatic mail, so it counts against the same cap as acknowledgements. No
ticket is opened; staff are not told.
"""

from __future__ import annotations

import logging
from datetime import timezone
from typing import Any

from maild.outbound import outbox
from maild.outbound.compose import Outgoing
from maild.pipeline.caps import within_cap
from maild.pipeline.context import MailContext, Outcome
from maild.runtime.directory import Author
from maild.runtime.subjects import bare_subject
from maild.store import raw as raw_store
from maild.store.models import Event, Message, Participant, Ticket

log = logging.getLogger("maild.pipeline")
TEMPLATE = "status_answer"
SUBJECTS = ("status", "status?", "ticket status")
OPEN = ("new", "open", "pending")
STATES = {"new": "received, not yet answered", "open": "being worked on",
          "pending": "waiting for your answer"}


def status_request(ctx: MailContext) -> None:
    sender, mail = ctx.sender, ctx.mail
    if (sender is None or mail is None or not sender.address or sender.kind == "staff"
            or ctx.automatic or ctx.bounce is not None or not _asks(ctx)):
        return
    tickets = open_tickets(ctx, sender)
    ctx.outcome, ctx.finished = Outcome.ANSWERED, True
    raw_store.mark_done(ctx.raw_id, raw_store.PROCESSED, None, "status request answered")
    if not within_cap(ctx.settings, ctx.now, sender.address, None, ctx.raw_id):
        Event.add(raw=ctx.raw_id, kind="notice_withheld", created_at=ctx.now,
                  detail=f"status answer to {sender.address} not sent: over the cap")
        ctx.said.append(f"status request from {sender.address}: over the cap, not answered")
        return
    _answer(ctx, sender, tickets)
    Event.add(raw=ctx.raw_id, kind="status_answered", created_at=ctx.now,
              detail=f"{len(tickets)} open tickets listed for {sender.address}")
    ctx.said.append(f"status request from {sender.address}: {len(tickets)} open tickets listed")


def _asks(ctx: MailContext) -> bool:
    assert ctx.mail is not None
    wanted = (ctx.settings.config.main.conversations.status_address or "").lower()
    if wanted and wanted in {r.lower() for r in ctx.recipients} | {a for _, a in ctx.mail.to}:
        return True
    bare = bare_subject(ctx.mail.subject, ctx.settings.config.helpdesk.tag_prefix).lower()
    return ctx.ticket is None and ctx.follows is None and bare in SUBJECTS


def open_tickets(ctx: MailContext, sender: Author) -> list[dict[str, Any]]:
    """The open tickets `sender` may see: as requester or participant, and, for an organisation's
    admin manager, every one of the organisation's."""
    assert sender.address is not None
    theirs = Participant.select(Participant.ticket).where(Participant.email == sender.address)
    may_see = (Ticket.requester == sender.address) | Ticket.number.in_(theirs)
    if is_admin_manager(sender):
        may_see |= Ticket.organisation == sender.organisation
    query = (Ticket.select().where(Ticket.status.in_(OPEN) & Ticket.merged_into.is_null() & may_see)
             .order_by(Ticket.number))
    return [_entry(ctx, ticket, sender.address) for ticket in query]


def is_admin_manager(sender: Author) -> bool:
    """A designated admin manager of an organisation (accounts.yaml), not only someone there."""
    return bool(sender.designated and sender.organisation and sender.role == "admin_manager")


def _entry(ctx: MailContext, ticket: Ticket, address: str) -> dict[str, Any]:
    last = (Message.select().where((Message.ticket == ticket) & (Message.direction != "note"))
            .order_by(Message.created_at.desc(), Message.id.desc()).first())
    if last is None:
        action = "opened"
    elif last.direction == "out":  # before any staff answer, what went out was the acknowledgement
        action = "we answered" if ticket.first_response_at is not None else "acknowledged"
    else:
        action = "you wrote" if last.from_addr == address else f"{last.from_addr} wrote"
    when = last.created_at if last is not None else ticket.created_at
    local = when.replace(tzinfo=timezone.utc).astimezone(ctx.settings.calendar.zone)
    return {"number": ticket.number, "subject": ticket.subject, "status": ticket.status,
            "state": STATES.get(ticket.status, ticket.status), "requester": ticket.requester,
            "last_action": action, "last_at": f"{local:%a %d %b %Y %H:%M}",
            "tag": f"[{ctx.settings.config.helpdesk.tag_prefix}{ticket.number}]"}


def _answer(ctx: MailContext, sender: Author, tickets: list[dict[str, Any]]) -> None:
    mail = ctx.mail
    assert mail is not None and sender.address is not None
    helpdesk = ctx.settings.config.helpdesk
    org = ctx.settings.directory.organisations.get(sender.organisation or "")
    rendered = ctx.settings.renderer.render(TEMPLATE, {
        "recipient_name": sender.name, "tickets": tickets, "helpdesk_name": helpdesk.name,
        "organisation": org.name if org and is_admin_manager(sender) else None,
        "address": sender.address,
    })
    out = Outgoing(
        from_header=ctx.settings.config.main.outbound.from_, to=[(sender.name, sender.address)],
        subject=rendered.subject, text=rendered.text, html=rendered.html,
        message_id=ctx.settings.reply_addresses.message_id(), in_reply_to=mail.message_id,
        references=[*reversed(mail.thread_ids), *([mail.message_id] if mail.message_id else [])],
        auto_submitted="auto-replied", loop_marker=helpdesk.address,
    )
    outbox.queue(None, "status", out, mail_from="")

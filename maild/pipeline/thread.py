"""Step: find the ticket a mail belongs to, if any.

In order: a valid signed reply address among its recipients; In-Reply-To/References matching a
Message-ID we stored or sent; the subject tag `[#N]`. A customer-side signed address lets anyone
in (the customer may have passed it on); a staff member's signed address only that staff member.
A header or tag match alone attaches the mail only when its sender may see the ticket (staff, a
participant, or a designated contact of the ticket's organisation); anyone else quoting a ticket,
someone at the organisation's domain included, opens a new one (docs/trust.md). A reply to a
ticket resolved longer ago than `reopen_days` opens a follow-up, unless it only says thank you.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from maild.pipeline.context import MailContext
from maild.pipeline.quotes import new_text
from maild.pipeline.thanks import thanks_only_reply
from maild.runtime.directory import Author
from maild.runtime.signing import CUSTOMER, START_TICKET, SignedAddress
from maild.runtime.subjects import tag_pattern
from maild.store.merge import surviving
from maild.store.models import Event, Message, Outbox, Ticket
from maild.store.queries import is_participant, sent_texts

log = logging.getLogger("maild.pipeline")
DONE = ("resolved", "closed")


def thread(ctx: MailContext) -> None:
    assert ctx.mail is not None and ctx.sender is not None
    if ctx.bounce is not None:
        return  # a delivery report belongs to the ticket of the mail it reports on, or to none
    ticket = _by_signed_address(ctx) or _by_reference(ctx)
    if ticket is not None and ticket.merged_into is not None:
        merged, ticket = ticket.number, surviving(ticket)
        ctx.notes.append(f"ticket {merged} was merged into ticket {ticket.number}")
    if ticket is not None and _too_late(ctx, ticket) and not _only_thanks(ctx, ticket):
        ctx.follows = ticket.number
        ctx.notes.append(f"ticket {ticket.number} was closed more than "
                         f"{ctx.settings.config.main.conversations.reopen_days} days ago: "
                         "follow-up ticket")
        return
    ctx.ticket = ticket


def _by_signed_address(ctx: MailContext) -> Ticket | None:
    for signed in _signed_addresses(ctx):
        if not signed.valid:
            _refuse(ctx, signed)
            continue
        if signed.ticket == START_TICKET:
            _start_address(ctx, signed)
            continue
        ticket = Ticket.find(signed.ticket)
        if ticket is None:
            continue
        if signed.role == CUSTOMER or signed.staff_key == (
            ctx.sender.staff_key if ctx.sender else None):
            ctx.signed = signed
            ctx.notes.append(f"threaded to ticket {ticket.number} by its signed reply address")
            return ticket
        ctx.notes.append(
            f"a staff member's signed address for ticket {ticket.number} used by someone else")
    return None


def _start_address(ctx: MailContext, signed: SignedAddress) -> None:
    """A staff member's address for starting tickets: proof for `authenticate`, no ticket."""
    sender_key = ctx.sender.staff_key if ctx.sender else None
    if signed.staff_key is not None and signed.staff_key == sender_key:
        ctx.signed = signed
        ctx.notes.append(f"sent to {signed.staff_key}'s signed address for starting tickets")
    else:
        ctx.notes.append("a staff member's address for starting tickets used by someone else")


def _signed_addresses(ctx: MailContext) -> list[SignedAddress]:
    assert ctx.mail is not None
    headers = ctx.mail.headers
    seen = [*ctx.recipients, *(a for _, a in ctx.mail.to + ctx.mail.cc),
            *(str(v).strip().strip("<>") for name in (
                "Delivered-To", "X-Original-To") for v in headers.get_all(name) or [])]
    status = (ctx.settings.config.main.conversations.status_address or "").lower()
    found = (ctx.settings.reply_addresses.read(a) for a in dict.fromkeys(a.lower() for a in seen)
             if a != status)
    return [s for s in found if s is not None]


def _refuse(ctx: MailContext, signed: SignedAddress) -> None:
    """A tampered or foreign signed address never threads; the refusal is on record."""
    detail = f"signed reply address {signed.address} does not verify: refused"
    Event.create(raw=ctx.raw_id, kind="refused_address", detail=detail, created_at=ctx.now)
    ctx.notes.append(detail)
    log.warning("raw %d: %s", ctx.raw_id, detail)


def _by_reference(ctx: MailContext) -> Ticket | None:
    assert ctx.sender is not None
    for how, ticket in _candidates(ctx):
        if may_join(ticket, ctx.sender):
            ctx.notes.append(f"threaded to ticket {ticket.number} by {how}")
            return ticket
        detail = f"{how} names ticket {ticket.number}, but the sender is not on it: new ticket"
        ctx.notes.append(detail)
        Event.create(ticket=ticket, raw=ctx.raw_id, kind="join_refused", created_at=ctx.now,
                     detail=f"mail from {ctx.sender.address or '(no usable From)'}: {detail}")
    return None


def _candidates(ctx: MailContext) -> list[tuple[str, Ticket]]:
    assert ctx.mail is not None
    found: list[tuple[str, Ticket]] = []
    if ctx.mail.thread_ids:
        known = _referenced_ticket(ctx.mail.thread_ids)
        if known is not None:
            found.append(("In-Reply-To/References", known))
    tag = tag_pattern(ctx.settings.config.helpdesk.tag_prefix).search(ctx.mail.subject)
    if tag:
        ticket = Ticket.find(int(tag.group(1)))
        if ticket is not None and all(t.number != ticket.number for _, t in found):
            found.append(("subject tag", ticket))
    return found


def _referenced_ticket(thread_ids: list[str]) -> Ticket | None:
    """The ticket of the newest mail named that is in its conversation, or else of a notice we
    sent (a staff member answering a notification without its signed Reply-To)."""
    for model in (Message, Outbox):
        known = (model.select(model.ticket).where(model.message_id.in_(
            thread_ids) & model.ticket.is_null(False))
                 .order_by(model.id.desc()).first())
        if known is not None:
            return known.ticket
    return None


def may_join(ticket: Ticket, sender: Author) -> bool:
    if sender.kind == "staff":
        return True
    if sender.address is None:
        return False
    if is_designated_contact_of(sender, ticket):
        return True
    return is_participant(ticket, sender.address)


def is_designated_contact_of(sender: Author, ticket: Ticket) -> bool:
    """Named in accounts.yaml for the ticket's organisation: not only someone at its domain."""
    return (sender.designated and sender.organisation is not None
            and sender.organisation == ticket.organisation)


def _only_thanks(ctx: MailContext, ticket: Ticket) -> bool:
    """A late thank-you opens no follow-up: it is kept on the old ticket (pipeline.apply)."""
    assert ctx.mail is not None
    if ctx.automatic is not None:
        return False
    return thanks_only_reply(ctx.mail, new_text(ctx.mail.text, sent_texts(ticket)))


def _too_late(ctx: MailContext, ticket: Ticket) -> bool:
    """Customers reopen within the window; staff may always act on an old ticket."""
    if ticket.status not in DONE or (ctx.sender is not None and ctx.sender.kind == "staff"):
        return False
    ended = ticket.resolved_at or ticket.updated_at
    return ctx.now - ended > timedelta(days=ctx.settings.config.main.conversations.reopen_days)

"""Step: is a mail from a staff address really from that staff member?

Staff replies carry commands and answers that go to customers, so a From line is not enough: the
mail must come through the signed reply address made for that staff member and ticket, or carry
a DKIM/DMARC pass for the From domain from our own trusted mail server. Otherwise the mail is
handled as any outsider's would be, and the staff member whose address was used is told.
"""

from __future__ import annotations

import logging

from maild.pipeline.authresults import trusted_fail, trusted_pass
from maild.pipeline.context import MailContext
from maild.runtime.directory import Author
from maild.runtime.signing import CUSTOMER, START_TICKET
from maild.pipeline.thread import may_join
from maild.store.models import Event

log = logging.getLogger("maild.pipeline")


def authenticate(ctx: MailContext) -> None:
    sender = ctx.sender
    assert sender is not None and ctx.mail is not None
    if sender.kind != "staff":
        return
    # Starting a ticket (a forward, `#to`, a new one) sends mail on the staff member's word as a
    # command does: it needs the same proof, through their signed address for starting tickets.
    proof = _proof(ctx)
    if proof:
        ctx.staff_verified = proof
        ctx.notes.append(f"staff member {sender.staff_key} proven by {proof}")
        return
    _treat_as_outsider(ctx, sender)


def _proof(ctx: MailContext) -> str | None:
    """How the staff member is proven, or None. A signed address alone proves less than it seems
    (it can be forwarded): with a trusted fail nothing counts, with no trusted result at all the
    reply is limited (see pipeline.staff)."""
    assert ctx.sender is not None and ctx.mail is not None
    conversations = ctx.settings.config.main.conversations
    args = (ctx.mail.headers, conversations.trusted_authserv_id, ctx.mail.from_address,
            conversations.trusted_hops)
    passed = trusted_pass(*args)
    if ctx.signed is None or ctx.signed.staff_key != ctx.sender.staff_key:
        return passed
    how = ("their signed address for starting tickets" if ctx.signed.ticket == START_TICKET
           else "their signed reply address")
    if passed:
        return how
    failed = trusted_fail(*args)
    if failed:
        _refuse_failed(ctx, failed)
        return None
    ctx.staff_unauthenticated = True
    ctx.notes.append("no trusted DKIM/DMARC result for the staff domain: commands that change who "
                     "receives the ticket are refused")
    return how


def _refuse_failed(ctx: MailContext, failed: str) -> None:
    assert ctx.sender is not None
    ticket = ctx.ticket.number if ctx.ticket is not None else ctx.follows
    detail = (f"mail from {ctx.sender.address} through their signed reply address: {failed}, "
              "so no command was run and nothing was sent")
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="commands_refused", detail=detail,
                 created_at=ctx.now)
    ctx.notes.append(detail)


def _treat_as_outsider(ctx: MailContext, sender: Author) -> None:
    ctx.impersonated = sender.staff_key
    ctx.sender = Author(kind="unknown", address=sender.address, name=sender.name)
    through_customer_address = ctx.signed is not None and ctx.signed.role == CUSTOMER
    if ctx.ticket is not None and not through_customer_address and not may_join(ctx.ticket,
                                                                                ctx.sender):
        ctx.notes.append(f"ticket {ctx.ticket.number} not joined: the sender is not on it")
        ctx.ticket = None
    ctx.notes.append(
        f"from staff address {sender.address} without a signed reply address or trusted "
                     "DKIM/DMARC pass: handled as a customer mail, no commands obeyed")
    log.warning("raw %d: unproven mail from staff address %s, handled as a customer mail",
                ctx.raw_id, sender.address)

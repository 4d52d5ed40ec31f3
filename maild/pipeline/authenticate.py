"""Step: is a mail from a staff address really from that staff member?

Staff replies carry commands and answers that go to customers, so a From line is not enough: the
mail must come through the signed reply address made for that staff member and ticket, or carry
a DKIM/DMARC pass for the From domain from our own trusted mail server. Otherwise the mail is
handled as any outsider's would be, and the staff member whose address was used is told.
"""

from __future__ import annotations

import logging

from maild.pipeline.authresults import trusted_pass
from maild.pipeline.context import MailContext, Sender
from maild.pipeline.reply_address import CUSTOMER
from maild.pipeline.thread import may_join

log = logging.getLogger("maild.pipeline")


def authenticate(ctx: MailContext) -> None:
    sender = ctx.sender
    assert sender is not None and ctx.mail is not None
    if sender.kind != "staff" or (ctx.ticket is None and ctx.follows is None):
        return  # a staff member opening a new ticket asks nothing of anyone
    proof = _proof(ctx)
    if proof:
        ctx.staff_verified = proof
        ctx.notes.append(f"staff member {sender.staff_key} proven by {proof}")
        return
    _treat_as_outsider(ctx, sender)


def _proof(ctx: MailContext) -> str | None:
    assert ctx.sender is not None and ctx.mail is not None
    if ctx.signed is not None and ctx.signed.staff_key == ctx.sender.staff_key:
        return "their signed reply address"
    conversations = ctx.settings.config.main.conversations
    return trusted_pass(ctx.mail.headers, conversations.trusted_authserv_id, ctx.mail.from_address,
                        conversations.trusted_hops)


def _treat_as_outsider(ctx: MailContext, sender: Sender) -> None:
    ctx.impersonated = sender.staff_key
    ctx.sender = Sender(kind="unknown", address=sender.address, name=sender.name)
    through_customer_address = ctx.signed is not None and ctx.signed.role == CUSTOMER
    if ctx.ticket is not None and not through_customer_address and not may_join(ctx.ticket, ctx.sender):
        ctx.notes.append(f"ticket {ctx.ticket.number} not joined: the sender is not on it")
        ctx.ticket = None
    ctx.notes.append(f"from staff address {sender.address} without a signed reply address or trusted "
                     "DKIM/DMARC pass: handled as a customer mail, no commands obeyed")
    log.warning("raw %d: unproven mail from staff address %s, handled as a customer mail", ctx.raw_id, sender.address)

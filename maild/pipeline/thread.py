"""Step: find the ticket a mail belongs to, if any.

By In-Reply-To/References matching a Message-ID we stored or sent, then by the subject tag `[#N]`.
Either alone attaches the mail only when its sender may see the ticket (staff, a participant, or a
contact of the ticket's organisation); a stranger quoting someone else's ticket opens a new one.
"""

from __future__ import annotations

from maild.pipeline.context import MailContext, Sender
from maild.pipeline.subjects import tag_pattern
from maild.store.models import Message, Participant, Ticket


def thread(ctx: MailContext) -> None:
    assert ctx.mail is not None and ctx.sender is not None
    for how, ticket in _candidates(ctx):
        if _may_join(ticket, ctx.sender):
            ctx.ticket = ticket
            ctx.notes.append(f"threaded to ticket {ticket.number} by {how}")
            return
        ctx.notes.append(f"{how} names ticket {ticket.number}, but the sender is not on it: new ticket")


def _candidates(ctx: MailContext) -> list[tuple[str, Ticket]]:
    assert ctx.mail is not None
    found: list[tuple[str, Ticket]] = []
    if ctx.mail.thread_ids:
        known = (Message.select(Message.ticket).where(Message.message_id.in_(ctx.mail.thread_ids))
                 .order_by(Message.id.desc()).first())
        if known is not None:
            found.append(("In-Reply-To/References", known.ticket))
    tag = tag_pattern(ctx.settings.config.helpdesk.tag_prefix).search(ctx.mail.subject)
    if tag:
        ticket = Ticket.get_or_none(Ticket.number == int(tag.group(1)))
        if ticket is not None and all(t.number != ticket.number for _, t in found):
            found.append(("subject tag", ticket))
    return found


def _may_join(ticket: Ticket, sender: Sender) -> bool:
    if sender.kind == "staff":
        return True
    if sender.address is None:
        return False
    if sender.organisation is not None and sender.organisation == ticket.organisation:
        return True
    return Participant.select().where(
        (Participant.ticket == ticket) & (Participant.email == sender.address)
    ).exists()

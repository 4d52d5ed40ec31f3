"""Step: write the outcome: a new ticket, a reply on a ticket, or an ignored automatic mail.

Runs inside the mail's single transaction, together with marking the raw mail done.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from maild.outbound import outbox
from maild.pipeline.answer import tell_requester
from maild.pipeline.authresults import trusted_pass
from maild.pipeline.bounce import record as record_bounce
from maild.pipeline.context import MailContext, Outcome, ParsedMail
from maild.pipeline.quotes import new_text
from maild.pipeline.staff import apply_staff_reply
from maild.pipeline.start import finish as finish_start
from maild.pipeline.thanks import thanks_only_reply
from maild.runtime.subjects import bare_subject
from maild.pipeline.thread import is_designated_contact_of
from maild.schedule import targets
from maild.store import raw as raw_store
from maild.store.models import Attachment, Event, Message, Participant, Proposed, Ticket
from maild.store.queries import events_since, sent_texts
from maild.store.writes import add_participant, forget_bounce, touch_ticket

log = logging.getLogger("maild.pipeline")
REOPENING = {"resolved", "closed"}


def apply(ctx: MailContext) -> None:
    if ctx.bounce is not None:
        _delivery_report(ctx)
    # an out-of-office is no answer
    elif ctx.ticket is not None and ctx.staff_verified and not ctx.automatic:
        apply_staff_reply(ctx, sent_texts(ctx.ticket) + _staff_notices(ctx))
    elif ctx.ticket is not None:
        _add_reply(ctx)
    elif ctx.automatic:
        _ignore(ctx, f"automatic mail, no ticket: {ctx.automatic}", Outcome.IGNORED)
    elif ctx.redirect:
        _ignore(ctx,
                "sender is not a designated contact: redirected to their admin manager, no ticket",
                Outcome.REDIRECTED)
    else:
        _open_ticket(ctx)


def _open_ticket(ctx: MailContext) -> None:
    mail, sender, route = ctx.mail, ctx.sender, ctx.route
    assert mail is not None and sender is not None and route is not None
    if ctx.started is not None:  # the staff member who started it, unless they named someone
        route = ctx.route = replace(route, assignee=ctx.started.assignee, covering=None)
    ticket = Ticket(
        subject=(route.subject
                 or bare_subject(mail.subject, ctx.settings.config.helpdesk.tag_prefix)
                 or "(no subject)"),
        kind=route.kind,
        priority=route.priority,
        queue=route.queue,
        organisation=sender.organisation,
        requester=sender.address or "",
        requester_name=sender.name,
        assignee=route.assignee,
        tags=" ".join(route.tags),
        route_rule=route.rule,
        follows=ctx.follows,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    targets.ticket_opened(ticket, ctx.settings, ctx.now)
    Ticket.insert_row(ticket)
    if sender.address:
        Participant.add(ticket=ticket, email=sender.address, name=sender.name, role="requester")
        forget_bounce(sender.address)
    _add_cc_participants(ctx, ticket)
    if ctx.started is None or ctx.started.how != "to":  # `#to`: the staff text goes as an answer
        _store_message(ctx, ticket, mail.text)
    detail = "; ".join([f"from {sender.kind} {sender.address or '(no usable From)'}", *ctx.notes])
    Event.add(ticket=ticket, raw=ctx.raw_id, kind="opened", detail=detail, created_at=ctx.now)
    if ctx.started is not None:
        finish_start(ctx, ticket)
    if ctx.follows is not None:
        Event.create(ticket=ctx.follows, raw=ctx.raw_id, kind="followed_up", created_at=ctx.now,
                     detail=f"a reply after it was closed opened ticket {ticket.number}")
    raw_store.mark_done(ctx.raw_id, raw_store.PROCESSED, ticket)
    ctx.ticket, ctx.outcome = ticket, Outcome.OPENED
    ctx.said.append(
        f"ticket {ticket.number} opened by {mail.message_id} from {sender.kind} {sender.address} "
        f"({route.kind}, P{route.priority}, queue {route.queue}, assignee {route.assignee}, "
        f"rule {route.rule or 'defaults'})")


def _add_reply(ctx: MailContext) -> None:
    ticket = ctx.ticket
    assert ticket is not None and ctx.sender is not None and ctx.mail is not None
    ctx.stored_text = new_text(ctx.mail.text, sent_texts(ticket), ctx.mail.subject)
    _store_message(ctx, ticket, ctx.stored_text)
    if ctx.sender.address and ctx.sender.kind != "staff" and _may_take_part(ctx,
                                                                            ctx.sender.address):
        add_participant(ticket, ctx.sender.address, ctx.sender.name, "cc")
        forget_bounce(ctx.sender.address)
    _add_cc_participants(ctx, ticket)
    customer_said = not ctx.automatic and ctx.sender.kind != "staff"  # not an out-of-office
    if ticket.status == "pending" and customer_said:
        _resume(ctx, ticket)
    thanks = customer_said and thanks_only_reply(ctx.mail, ctx.stored_text)
    if ticket.status in REOPENING and thanks:
        _thanked(ctx, ticket)
    reopen = ticket.status in REOPENING and not ctx.automatic and not ctx.thanks_only \
        and _may_reopen(ctx, ticket)
    if reopen:
        ticket.status = "open"
        Event.create(ticket=ticket, raw=ctx.raw_id, kind="reopened",
                     detail=f"reply from {ctx.sender.address}", created_at=ctx.now)
        targets.status_changed(ticket, ctx.settings, ctx.now)
        (Ticket.update(status="open", resolved_at=None, updated_at=ctx.now)
         .where(Ticket.number == ticket.number).execute())
        tell_requester(ctx.settings, ticket, "reopened", ctx.now, ctx.raw_id)
    else:
        touch_ticket(ticket, ctx.now)
    Event.add(ticket=ticket, raw=ctx.raw_id, kind="reply", created_at=ctx.now,
              detail="; ".join([f"from {ctx.sender.address}", *ctx.notes,
                                *([f"automatic: {ctx.automatic}"] if ctx.automatic else [])]))
    raw_store.mark_done(ctx.raw_id, raw_store.PROCESSED, ticket)
    ctx.outcome = Outcome.REPLIED
    ctx.said.append(
        f"ticket {ticket.number}: reply {ctx.mail.message_id} from {ctx.sender.address}")


def _thanked(ctx: MailContext, ticket: Ticket) -> None:
    """Kept on the ticket, which stays as it is; nothing is sent and nobody told (see notify)."""
    assert ctx.sender is not None
    ctx.thanks_only = True
    ctx.notes.append("only thanks: not reopened, nobody told")
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="thanks", created_at=ctx.now,
                 detail=f"from {ctx.sender.address}: a reply that only thanks, kept on the "
                        f"{ticket.status} ticket; not reopened, nothing sent, nobody notified")


def _resume(ctx: MailContext, ticket: Ticket) -> None:
    """The customer answered what the ticket waited for: it is open again and its clock runs."""
    assert ctx.sender is not None
    ticket.status = "open"
    Ticket.update(status="open", updated_at=ctx.now).where(Ticket.number == ticket.number).execute()
    targets.status_changed(ticket, ctx.settings, ctx.now)
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="status", created_at=ctx.now,
                 detail=f"pending -> open by customer (a reply from {ctx.sender.address})")


def _may_reopen(ctx: MailContext, ticket: Ticket) -> bool:
    """At most `reopens_per_ticket_per_day` reopenings by customer mail (RELIABILITY L3): a robot
    answering every resolved notice must not flip the ticket back for ever. Past it the mail is
    still stored on the ticket and staff are told of it as of any reply; the status stays."""
    limit = ctx.settings.config.main.limits.reopens_per_ticket_per_day
    if events_since("reopened", ticket.number, ctx.now - timedelta(days=1)) < limit:
        return True
    ctx.notes.append(f"not reopened: reopened {limit} times in a day already")
    return False


def _delivery_report(ctx: MailContext) -> None:
    """Never a ticket, a reopening or an answer: see pipeline.bounce."""
    report = ctx.bounce
    assert report is not None
    if report.outbox is None:
        _ignore(ctx,
                "delivery report on a mail maild did not send "
                f"({report.original_id or 'no Message-ID'})",
                Outcome.IGNORED)
        return
    record_bounce(ctx)
    if ctx.ticket is None:
        _ignore(ctx, f"delivery report on our {report.outbox.purpose} {report.original_id}",
                Outcome.IGNORED)
        return
    raw_store.mark_done(ctx.raw_id, raw_store.PROCESSED, ctx.ticket)
    ctx.outcome = Outcome.REPLIED


def _ignore(ctx: MailContext, reason: str, outcome: Outcome) -> None:
    """No ticket: the raw mail is kept, marked ignored with the reason."""
    Event.add(raw=ctx.raw_id, kind=outcome.value, detail=reason, created_at=ctx.now)
    raw_store.mark_done(ctx.raw_id, raw_store.IGNORED, None, reason)
    ctx.outcome = outcome
    ctx.said.append(f"{outcome.value} {ctx.mail.message_id if ctx.mail else None}: {reason}")


def _store_message(ctx: MailContext, ticket: Ticket, text: str) -> None:
    mail: ParsedMail | None = ctx.mail
    assert mail is not None
    stored_id = Message.add(
        ticket=ticket,
        raw=ctx.raw_id,
        direction="in",
        from_addr=mail.from_address or "",
        to_addrs=", ".join(a for _, a in mail.to),
        cc_addrs=", ".join(a for _, a in mail.cc),
        subject=mail.subject,
        text=text,
        html=mail.html,
        message_id=mail.message_id,
        in_reply_to=mail.thread_ids[0] if mail.thread_ids else None,
        created_at=ctx.started.sent_at if ctx.started and ctx.started.sent_at else ctx.now,
    )
    kept, dropped = _within_attachment_limits(ctx, mail)
    for part in kept:
        Attachment.add(message=stored_id, filename=part.filename, content_type=part.content_type,
                       size=len(part.payload), content=part.payload, content_id=part.content_id,
                       inline=part.inline)
    if dropped:
        detail = ("not stored with the ticket (over the limits; the raw mail keeps them): "
                  + ", ".join(dropped))
        Event.create(ticket=ticket, raw=ctx.raw_id, kind="attachments_dropped", detail=detail,
                     created_at=ctx.now)
        log.warning("raw %d: %s", ctx.raw_id, detail)


def _within_attachment_limits(ctx: MailContext, mail: ParsedMail) -> tuple[list, list[str]]:
    """The attachments to store, and a description of each one left out."""
    limits = ctx.settings.config.main.limits
    kept, dropped = [], []
    for part in mail.attachments:
        if len(part.payload) > limits.max_attachment_bytes:
            dropped.append(
                f"{part.filename} ({len(part.payload)} bytes, over {limits.max_attachment_bytes})")
        elif len(kept) >= limits.max_attachments:
            dropped.append(f"{part.filename} (more than {limits.max_attachments} attachments)")
        else:
            kept.append(part)
    return kept, dropped


def _add_cc_participants(ctx: MailContext, ticket: Ticket) -> None:
    """A customer's Cc joins the conversation (not the helpdesk, staff, or blocked addresses) when
    someone vouches for it; otherwise it is only proposed to staff and receives nothing."""
    assert ctx.mail is not None and ctx.sender is not None
    if ctx.sender.kind == "staff" or ctx.automatic:
        return
    for name, address in ctx.mail.cc:
        if address == ticket.requester or not _may_take_part(ctx, address):
            continue
        refusal = cc_refusal(ctx, ticket, address)
        if refusal is None:
            add_participant(ticket, address, name, "cc")
        else:
            _propose(ctx, ticket, address, name, refusal)


def cc_refusal(ctx: MailContext, ticket: Ticket, address: str) -> str | None:
    """Why a Cc'd address may not join, or None: inside the organisation the requester or a
    designated contact vouches for it; outside it that sender's mail must also pass DKIM/DMARC."""
    sender = ctx.sender
    assert sender is not None and ctx.mail is not None
    if sender.address != ticket.requester and not is_designated_contact_of(sender, ticket):
        who = sender.address or "an unknown sender"
        return f"Cc'd by {who}, neither the requester nor a designated contact"
    colleague = ctx.settings.directory.identify(address, "")
    if ticket.organisation is not None and colleague.organisation == ticket.organisation:
        return None
    conversations = ctx.settings.config.main.conversations
    if trusted_pass(ctx.mail.headers, conversations.trusted_authserv_id, sender.address,
                    conversations.trusted_hops):
        return None
    return f"outside the organisation, and no trusted DKIM/DMARC pass for {sender.address}"


def _propose(ctx: MailContext, ticket: Ticket, address: str, name: str, reason: str) -> None:
    """Recorded for staff (`#cc add` takes it in); the address receives nothing."""
    if Proposed.get_or_none((Proposed.ticket == ticket) & (Proposed.email == address)) is None:
        Proposed.create(ticket=ticket, email=address, name=name, reason=reason, created_at=ctx.now)
    detail = f"{address} not added as a participant: {reason}; staff may send #cc add {address}"
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="cc_proposed", detail=detail,
                 created_at=ctx.now)
    ctx.proposed.append(address)
    log.warning("raw %d: %s", ctx.raw_id, detail)


def _may_take_part(ctx: MailContext, address: str) -> bool:
    settings = ctx.settings
    return (address not in settings.config.helpdesk.addresses
            and settings.reply_addresses.read(address) is None
            and address not in settings.directory.staff
            and not settings.config.main.conversations.is_blocked(address))


def _staff_notices(ctx: MailContext) -> list[str]:
    """What the replying staff member was sent on the ticket (notifications are not messages)."""
    assert ctx.sender is not None and ctx.sender.staff_key and ctx.ticket is not None
    return outbox.notice_texts(ctx.ticket, ctx.settings.directory.staff_by_key[
        ctx.sender.staff_key].emails)

"""Step: a proven staff member starts a ticket by mail.

Three ways, told apart here, before the routing rules see the mail:
- a forward of a customer's mail (attached or inline): the forwarded mail's sender becomes the
  requester, its subject and date are kept, and what the staff member wrote beside it is an
  internal note;
- `#to ADDRESS`: a new ticket for that customer, the staff member's text sent to them as an answer;
- anything else: a ticket of their own, as before.
The mail is rewritten as the customer's (sender and text), so classification, acknowledgement and
notification treat it as the customer's; the staff member is its first assignee unless `#assign`
says otherwise. Bad command lines start nothing: the staff member is told what was wrong.
Only mail `authenticate` proved gets here (DESIGN: "Threading and trust").
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone

from maild.config import Staff
from maild.outbound import outbox
from maild.pipeline import canned
from maild.pipeline.answer import send_answer, tell_requester
from maild.pipeline.caps import within_cap
from maild.pipeline.commands import StaffReply, check_place, parse_staff_reply
from maild.pipeline.context import MailContext, Outcome, Started
from maild.pipeline.forwards import Forwarded, find_forward
from maild.pipeline.staff import mark_answered, run_command, staff_names
from maild.runtime.subjects import bare_subject
from maild.store import raw as raw_store
from maild.store.models import Event, Message, Ticket

log = logging.getLogger("maild.pipeline")
REFUSED_TEMPLATE = "start_refused"


def start(ctx: MailContext) -> None:
    sender, mail = ctx.sender, ctx.mail
    if (sender is None or mail is None or sender.kind != "staff" or not ctx.staff_verified
            or ctx.ticket is not None or ctx.follows is not None or ctx.automatic or ctx.bounce):
        return
    staff = ctx.settings.directory.staff_by_key[sender.staff_key or ""]
    forward = find_forward(mail.text, mail.headers)
    reply = parse_staff_reply(forward.note if forward else mail.text, staff_names(ctx))
    check_place(reply, starting=True)
    _check(ctx, reply, forward)
    if reply.errors:
        _refuse(ctx, staff, reply)
        return
    assignee = reply.argument("assign") or staff.key
    commands = tuple(c for c in reply.commands if c.name not in ("to", "assign", "take"))
    to = reply.argument("to")
    if forward is not None:
        _as_forward(ctx, staff, forward, reply, assignee, commands)
    elif to is not None:
        ctx.started = Started(staff.key, "to", commands, answer=reply.answer, assignee=assignee)
        ctx.sender = ctx.settings.directory.identify(to, "")
        ctx.mail = replace(mail, to=[], cc=[], text=reply.answer, html=None)
        ctx.notes.append(f"started by {staff.key} with #to {to}")
    else:
        ctx.started = Started(staff.key, "new", commands, assignee=assignee)
        ctx.mail = replace(mail, text=reply.answer or mail.text)


def _as_forward(ctx: MailContext, staff: Staff, forward: Forwarded, reply: StaffReply,
                assignee: str, commands: tuple) -> None:
    mail = ctx.mail
    assert mail is not None
    subject = forward.subject or bare_subject(mail.subject, ctx.settings.config.helpdesk.tag_prefix)
    ctx.started = Started(staff.key, "forward", commands, note=reply.answer,
                          sent_at=_utc(ctx, forward.sent_at), assignee=assignee)
    ctx.sender = ctx.settings.directory.identify(forward.from_address, forward.from_name)
    ctx.mail = replace(mail, subject=subject, from_name=forward.from_name,
                       from_address=forward.from_address, to=[], cc=[], thread_ids=[],
                       text=forward.text, html=None)
    ctx.notes.append(f"forwarded by {staff.key} ({'attached' if forward.attached else 'inline'}); "
                     f"the customer's mail of {forward.sent_at or 'an unknown date'}")


def _check(ctx: MailContext, reply: StaffReply, forward: Forwarded | None) -> None:
    """Who the new ticket would be for must be a customer: never staff or the helpdesk itself."""
    to = reply.argument("to")
    if to is not None and forward is not None:
        reply.errors.append(f"#to {to}: this mail also forwards one; give one or the other")
    customer = to or (forward.from_address if forward else None)
    if customer is not None and (customer in ctx.settings.directory.staff
                                 or ctx.settings.reply_addresses.read(customer) is not None
                                 or customer in ctx.settings.config.helpdesk.addresses):
        reply.errors.append(f"{customer}: a staff or helpdesk address, not a customer")
    known = canned.names(ctx.settings)
    if reply.canned and reply.canned not in known:
        reply.errors.append(f"#answer {reply.canned}: no such canned answer "
                            f"(there are: {', '.join(known) or 'none'})")
    if reply.canned and to is None:
        reply.errors.append(f"#answer {reply.canned}: on a new ticket only with #to ADDRESS")


def _utc(ctx: MailContext, moment: datetime | None) -> datetime | None:
    """Naive UTC; a date written without a zone is taken as office time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ctx.settings.calendar.zone)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _refuse(ctx: MailContext, staff: Staff, reply: StaffReply) -> None:
    """Nothing started: the raw mail is kept (ignored, with the reason); the staff member told."""
    mail = ctx.mail
    assert mail is not None
    reason = "ticket not started: " + "; ".join(reply.errors)
    Event.add(raw=ctx.raw_id, kind="start_refused", detail=f"from {staff.key}: {reason}",
              created_at=ctx.now)
    raw_store.mark_done(ctx.raw_id, raw_store.IGNORED, None, reason)
    ctx.outcome, ctx.finished = Outcome.IGNORED, True
    ctx.said.append(f"start by {staff.key} refused ({mail.message_id}): {'; '.join(reply.errors)}")
    log.warning("raw %d: %s", ctx.raw_id, reason)
    if not within_cap(ctx.settings, ctx.now, staff.emails[0], None, ctx.raw_id):
        return
    rendered = ctx.settings.renderer.render(REFUSED_TEMPLATE, {
        "recipient_name": staff.name, "subject": mail.subject, "errors": reply.errors,
        "helpdesk_name": ctx.settings.config.helpdesk.name,
    })
    outbox.queue_notice(ctx.settings, "command_errors", rendered,
                        [(staff.name, staff.emails[0])], in_reply_to=mail.message_id)


def finish(ctx: MailContext, ticket: Ticket) -> None:
    """Once the ticket exists (pipeline.apply): the staff note, the commands, the `#to` answer."""
    started = ctx.started
    assert started is not None
    staff = ctx.settings.directory.staff_by_key[started.staff_key]
    how = {"forward": "forwarded a customer's mail", "to": "wrote to the customer",
           "new": "opened it"}
    Event.add(ticket=ticket, raw=ctx.raw_id, kind="started", created_at=ctx.now,
              detail=f"{staff.key} {how[started.how]} ({ctx.staff_verified}); "
                     f"assigned to {started.assignee}")
    if started.note:
        Message.add(ticket=ticket, raw=ctx.raw_id, direction="note", from_addr=staff.emails[0],
                    subject=ticket.subject, text=started.note, created_at=ctx.now)
    notices = [n for c in started.commands if (n := run_command(ctx, ticket, staff, c))]
    if started.how == "to":
        text = _answer_text(ctx, ticket, staff, started)
        if text:
            send_answer(ctx.settings, ticket, staff, text, first=True)
            mark_answered(ctx, ticket)
    for template in notices:
        tell_requester(ctx.settings, ticket, template, ctx.now, ctx.raw_id)


def _answer_text(ctx: MailContext, ticket: Ticket, staff: Staff, started: Started) -> str:
    name = next((c.argument for c in started.commands if c.name == "answer"), "")
    if not name:
        return started.answer
    return canned.with_answer(ctx.settings, name, ticket, staff, started.answer)

"""A proven staff member's reply on a ticket: commands first, then the answer for the customer.

Every command is checked before any is applied: one bad line changes nothing and the sender is
told what was wrong. `#note` keeps the whole reply internal; a reply holding only commands sends
nothing to the customer; otherwise the rest is the answer, sent from the helpdesk address.
"""

from __future__ import annotations

import logging
from datetime import datetime

from maild.config import Staff
from maild.outbound import outbox
from maild.outbound.compose import Outgoing
from maild.runtime.subjects import tagged_subject
from maild.pipeline.answer import send_answer, tell_requester
from maild.pipeline.caps import within_cap
from maild.pipeline import canned
from maild.pipeline.commands import (STATUS_COMMANDS, Command, StaffReply, check_place,
                                     parse_staff_reply)
from maild.pipeline.context import MailContext, Outcome
from maild.pipeline.notify import tell_staff
from maild.pipeline.quotes import new_text
from maild.pipeline.staff_files import answer_files, answer_html, keep_files, send_attachments
from maild.schedule import targets
from maild.schedule.reminders import log_meeting
from maild.store import raw as raw_store
from maild.store.merge import merge, surviving
from maild.store.models import Event, Message, Participant, Proposed, Ticket

log = logging.getLogger("maild.pipeline")
ERRORS_TEMPLATE = "command_errors"
UNAUTHENTICATED_TEMPLATE = "unauthenticated_commands"
CUSTOMER_TOLD = {"resolved": "resolved", "open": "reopened"}  # status -> template


def apply_staff_reply(ctx: MailContext, ours: list[str]) -> None:
    ticket, mail, sender = ctx.ticket, ctx.mail, ctx.sender
    assert ticket is not None and mail is not None and sender is not None and sender.staff_key
    staff = ctx.settings.directory.staff_by_key[sender.staff_key]
    ctx.stored_text = new_text(mail.text, ours, keep_forwards=False)  # it goes to the customer
    reply = parse_staff_reply(ctx.stored_text, staff_names(ctx))
    check_place(reply, starting=False)
    if any(c.name == "meeting" for c in reply.commands) and not ticket.organisation:
        reply.errors.append("#meeting: this ticket belongs to no organisation")
    reply.errors += check_on_ticket(ctx, ticket, reply)
    if reply.errors:
        _refuse(ctx, ticket, staff, reply)
    else:
        refused = _refuse_widening(ctx, ticket, staff, reply) if ctx.staff_unauthenticated else []
        notices = [notice for command in reply.commands
                   if (notice := run_command(ctx, ticket, staff, command))]
        ticket = ctx.ticket = surviving(Ticket.find(ticket.number))  # after `#merge`, the survivor
        _answer_or_note(ctx, ticket, staff, reply)
        for template in notices:  # after the answer, so the customer reads the answer first
            tell_requester(ctx.settings, ticket, template, ctx.now, ctx.raw_id)
        # an answer alone is no command
        if ctx.staff_unauthenticated and (reply.commands or refused):
            _tell_unauthenticated(ctx, ticket, staff, reply, refused)
    raw_store.mark_done(ctx.raw_id, raw_store.PROCESSED, ticket)


def widens_recipients(command: Command, staff_keys: set[str]) -> bool:
    """Would the command send the ticket's mail to someone new? (`#assign` names staff only.)"""
    if command.name == "cc":
        return command.argument.startswith("add ")
    return command.name == "assign" and command.argument not in staff_keys


def _refuse_widening(ctx: MailContext, ticket: Ticket, staff: Staff,
                     reply: StaffReply) -> list[Command]:
    """Takes out of `reply` the commands a signed address alone may not give, each on record."""
    keys = set(ctx.settings.directory.staff_by_key)
    refused = [c for c in reply.commands if widens_recipients(c, keys)]
    reply.commands = [c for c in reply.commands if c not in refused]
    for command in refused:
        _event(ctx, ticket, "command_refused",
               f"#{command.name} {command.argument} from {staff.key}: through their signed reply "
               "address without a trusted DKIM/DMARC result for the staff domain, nobody is added")
    return refused


def _tell_unauthenticated(ctx: MailContext, ticket: Ticket, staff: Staff, reply: StaffReply,
                          refused: list[Command]) -> None:
    """The staff member learns what was done in their name from a mail nobody authenticated."""
    if not within_cap(ctx.settings, ctx.now, staff.emails[0], None, ctx.raw_id):
        _event(ctx, ticket, "notice_withheld",
               f"unauthenticated-commands notice to {staff.key} not sent: over the cap")
        return
    rendered = ctx.settings.renderer.render(UNAUTHENTICATED_TEMPLATE, {
        "recipient_name": staff.name, "number": ticket.number, "subject": ticket.subject,
        "applied": [f"#{c.name} {c.argument}".strip() for c in reply.commands],
        "refused": [f"#{c.name} {c.argument}".strip() for c in refused],
        "answered": bool(reply.answer) and not reply.is_note,
        "helpdesk_name": ctx.settings.config.helpdesk.name,
    })
    to = [(staff.name, staff.emails[0])]
    outbox.queue_notice(ctx.settings, UNAUTHENTICATED_TEMPLATE, rendered, to, ticket)


def check_on_ticket(ctx: MailContext, ticket: Ticket, reply: StaffReply) -> list[str]:
    """What parsing alone cannot tell: the canned answer exists, the ticket to merge into does."""
    errors = []
    known = canned.names(ctx.settings)
    for command in reply.commands:
        if command.name == "answer" and command.argument not in known:
            errors.append(f"#answer {command.argument}: no such canned answer "
                          f"(there are: {', '.join(known) or 'none'})")
        if command.name == "merge":
            target = Ticket.find(int(command.argument))
            if target is None:
                errors.append(f"#merge {command.argument}: no such ticket")
            elif surviving(target).number == ticket.number:
                errors.append(f"#merge {command.argument}: that is this ticket")
    return errors


def staff_names(ctx: MailContext) -> dict[str, str]:
    """`#assign` takes a key, a full name, a first name or an address."""
    names: dict[str, str] = {}
    for person in ctx.settings.directory.staff_by_key.values():
        if person.active:
            for name in (person.key, person.name, person.name.split()[0], *person.emails):
                names.setdefault(name.lower(), person.key)
    return names


def _answer_or_note(ctx: MailContext, ticket: Ticket, staff: Staff, reply: StaffReply) -> None:
    ctx.outcome = Outcome.REPLIED
    if reply.is_note:
        note = "\n\n".join(c.argument for c in reply.commands if c.name == "note" and c.argument)
        _store(ctx, ticket, "note", "\n\n".join(t for t in (note, reply.answer) if t))
        _event(ctx, ticket, "note", f"internal note by {staff.key}")
        what = "internal note"
    elif reply.answer or reply.canned:
        assert ctx.mail is not None
        text = canned.with_answer(ctx.settings, reply.canned, ticket, staff, reply.answer) \
            if reply.canned else reply.answer
        html = None if reply.canned else answer_html(ctx.mail)  # a canned answer is text
        send_answer(ctx.settings, ticket, staff, text, html, answer_files(ctx, ticket, staff))
        mark_answered(ctx, ticket)
        _event(ctx, ticket, "answered", f"by {staff.key} ({ctx.staff_verified})")
        what = "answer sent"
    else:
        what = "commands only"
        if ctx.mail is not None and ctx.mail.attachments:  # no answer carries them: kept staff-side
            _store(ctx, ticket, "note", f"files from {staff.key}'s reply (commands only)")
    ctx.said.append(
        f"ticket {ticket.number}: staff reply from {staff.key}: {what}, "
        f"{len(reply.commands)} commands")


def mark_answered(ctx: MailContext, ticket: Ticket) -> None:
    changes: dict = {Ticket.updated_at: ctx.now}
    if ticket.first_response_at is None:
        changes[Ticket.first_response_at] = ctx.now
    if ticket.status == "new":  # the response target is met
        changes[Ticket.status] = ticket.status = "open"
        targets.status_changed(ticket, ctx.settings, ctx.now)
    Ticket.update(changes).where(Ticket.number == ticket.number).execute()


def run_command(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> str | None:
    """Apply one checked command to the ticket and its history; returns the customer notice it
    calls for."""
    if command.name in STATUS_COMMANDS:
        return _status(ctx, ticket, staff, STATUS_COMMANDS[command.name])
    runner = {"priority": _priority, "assign": _assign, "take": _take, "kind": _kind, "cc": _cc,
              "meeting": _meeting, "merge": _merge,
              "attachments": send_attachments}.get(command.name)
    if runner is not None:  # `#note` and `#answer` shape the whole reply: see _answer_or_note
        runner(ctx, ticket, staff, command)
    return None


def _take(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    _change(ctx, ticket, staff, "assignee", staff.key)


def _merge(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    target = surviving(Ticket.find(int(command.argument)))
    merge(ticket, target, staff.key, ctx.now)
    targets.status_changed(ticket, ctx.settings, ctx.now)  # closed: its own clock stops
    ctx.said.append(f"ticket {ticket.number} merged into {target.number} by {staff.key}")


def _priority(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    if _change(ctx, ticket, staff, "priority", int(command.argument)):
        targets.priority_changed(ticket, ctx.settings, ctx.now)  # new due times, counted from now


def _kind(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    _change(ctx, ticket, staff, "kind", command.argument)


def _assign(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    _change(ctx, ticket, staff, "assignee", command.argument)
    if command.argument != staff.key:
        person = ctx.settings.directory.staff_by_key[command.argument]
        tell_staff(ctx.settings, ticket, [person], "assigned", _first_customer_text(ticket),
                   ctx.now)


def _status(ctx: MailContext, ticket: Ticket, staff: Staff, status: str) -> str | None:
    if status == ticket.status:
        return None
    _change(ctx, ticket, staff, "status", status)
    targets.status_changed(ticket, ctx.settings, ctx.now)  # pending/resolved/closed stop the clock
    resolved_at = ctx.now if status in ("resolved", "closed") else None
    Ticket.update(resolved_at=resolved_at).where(Ticket.number == ticket.number).execute()
    ticket.resolved_at = resolved_at
    return CUSTOMER_TOLD.get(status)


def _cc(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    action, address = command.argument.split(" ", 1)
    here = (Participant.ticket == ticket) & (Participant.email == address)
    if action == "add" and not Participant.select().where(here).exists():
        proposed = Proposed.get_or_none((Proposed.ticket == ticket) & (Proposed.email == address))
        name = proposed.name if proposed else ""
        Participant.create(ticket=ticket, email=address, name=name, role="cc")
        Proposed.delete().where((Proposed.ticket == ticket) & (Proposed.email == address)).execute()
    elif action == "remove":
        Participant.delete().where(here & (Participant.role == "cc")).execute()
    _event(ctx, ticket, f"cc_{action}", f"{address} by {staff.key}")


def _meeting(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    """The argument is office-local time; without one, the meeting was held now."""
    zone = ctx.settings.calendar.zone
    held = datetime.fromisoformat(command.argument).replace(
        tzinfo=zone) if command.argument else ctx.now
    assert ticket.organisation is not None  # checked before any command ran
    log_meeting(ticket.organisation, held, staff.key, ctx.now)
    _event(ctx, ticket, "meeting",
           f"meeting with {ticket.organisation} held {held:%Y-%m-%d %H:%M}, logged by {staff.key}")


def _change(ctx: MailContext, ticket: Ticket, staff: Staff, field: str, value: object) -> bool:
    """Set one ticket field and record it; False when it already had that value."""
    old = getattr(ticket, field)
    if old == value:
        return False
    setattr(ticket, field, value)
    Ticket.update({field: value, "updated_at": ctx.now}).where(
        Ticket.number == ticket.number).execute()
    _event(ctx, ticket, field, f"{old} -> {value} by {staff.key}")
    return True


def _refuse(ctx: MailContext, ticket: Ticket, staff: Staff, reply: StaffReply) -> None:
    """Nothing applied; the reply is kept as an internal note and the sender told what was wrong
    (automatic mail too, so within the cap: a broken script must not get one reply per mail)."""
    _store(ctx, ticket, "note", ctx.stored_text)
    _event(ctx, ticket, "commands_refused", f"from {staff.key}: " + "; ".join(reply.errors))
    ctx.outcome = Outcome.REPLIED
    log.warning("ticket %d: commands from %s refused: %s", ticket.number, staff.key, "; ".join(
        reply.errors))
    if not within_cap(ctx.settings, ctx.now, staff.emails[0], None, ctx.raw_id):
        _event(ctx, ticket, "notice_withheld",
               f"command errors to {staff.key} not sent: over the cap on automatic mail")
        return
    helpdesk = ctx.settings.config.helpdesk
    rendered = ctx.settings.renderer.render(ERRORS_TEMPLATE, {
        "recipient_name": staff.name, "number": ticket.number, "subject": ticket.subject,
        "errors": reply.errors, "helpdesk_name": helpdesk.name,
    })
    mail = ctx.mail
    assert mail is not None
    out = Outgoing(
        from_header=ctx.settings.config.main.outbound.from_,
        to=[(staff.name, staff.emails[0])],
        subject=tagged_subject(helpdesk.tag_prefix, ticket.number, rendered.subject),
        text=rendered.text, html=rendered.html,
        message_id=ctx.settings.reply_addresses.message_id(),
        in_reply_to=mail.message_id,
        auto_submitted="auto-replied", loop_marker=helpdesk.address,
        reply_to=ctx.signed.address if ctx.signed else None,
    )
    outbox.queue(ticket, "command_errors", out, mail_from="")


def _store(ctx: MailContext, ticket: Ticket, direction: str, text: str) -> None:
    """A staff mail kept on the ticket (a note), with its files: never dropped unsaid."""
    mail = ctx.mail
    assert mail is not None
    stored = Message.create(ticket=ticket, raw=ctx.raw_id, direction=direction,
                            from_addr=mail.from_address or "", subject=mail.subject, text=text,
                            message_id=mail.message_id, created_at=ctx.now)
    keep_files(ctx, stored)


def _event(ctx: MailContext, ticket: Ticket, kind: str, detail: str) -> None:
    Event.create(ticket=ticket, raw=ctx.raw_id, kind=kind, detail=detail, created_at=ctx.now)


def _first_customer_text(ticket: Ticket) -> str:
    first = Message.select(Message.text).where((Message.ticket == ticket) & (
        Message.direction == "in")) \
        .order_by(Message.id).first()
    return first.text if first else ""

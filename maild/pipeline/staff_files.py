"""Files and HTML in a staff member's mail: what their answer carries to the customer, what is
refused back to them, and the `#attachments` command that mails them a ticket's files.

An answer's attachments go within the same limits as a notification's (pipeline.carry), each
also within `limits.max_attachment_bytes` and `limits.max_attachments`; one that does not fit is
never dropped in silence: the staff member gets the `attachments_refused` mail saying which and
why, and the ticket's history records it.
"""

from __future__ import annotations

import logging

from maild.config import Staff
from maild.outbound import outbox
from maild.outbound.compose import FilePart
from maild.pipeline.carry import Carried, carry, described, stored_files
from maild.pipeline.caps import within_cap
from maild.pipeline.commands import COMMAND_LINE, Command
from maild.pipeline.context import MailContext, ParsedMail
from maild.pipeline.safe_html import new_html
from maild.store.models import Attachment, Event, Message, Ticket
from maild.store.queries import ticket_attachments

log = logging.getLogger("maild.pipeline")
REFUSED_TEMPLATE = "attachments_refused"
ATTACHMENTS_TEMPLATE = "attachments"


def answer_html(mail: ParsedMail) -> str | None:
    """The HTML of a staff answer: no quoted history, no command lines, made safe."""
    if not mail.html:
        return None
    return new_html(mail.html, leading=lambda line: bool(COMMAND_LINE.match(line)))


def answer_files(ctx: MailContext, ticket: Ticket, staff: Staff) -> tuple[FilePart, ...]:
    """The files of a staff answer that go to the customer; the others refused back."""
    assert ctx.mail is not None
    limits, outbound = ctx.settings.config.main.limits, ctx.settings.config.main.outbound
    parts = _parts(ctx.mail)
    carried = carry(parts[:limits.max_attachments], outbound.attachments_per_mail_bytes,
                    limits.max_attachment_bytes)
    over_count = [p.filename for _, p in parts[limits.max_attachments:]]
    if carried.left or over_count:
        _refuse(ctx, ticket, staff, carried, over_count)
    return carried.files


def _parts(mail: ParsedMail) -> list[tuple[int | None, FilePart]]:
    """A staff mail's files; an image its HTML shows keeps its Content-ID."""
    return [(None, FilePart(p.filename, p.content_type, p.payload,
                            p.content_id if p.inline else None)) for p in mail.attachments]


def _refuse(ctx: MailContext, ticket: Ticket, staff: Staff, carried: Carried,
            over_count: list[str]) -> None:
    reasons = [f"{x.name} ({x.size_text}): {x.why}" for x in carried.left]
    reasons += [f"{name}: more than {ctx.settings.config.main.limits.max_attachments} files"
                for name in over_count]
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="attachments_refused", created_at=ctx.now,
                 detail=f"not sent to the customer with {staff.key}'s answer: "
                        + "; ".join(reasons))
    log.warning("ticket %d: attachments of %s's answer refused: %s", ticket.number, staff.key,
                "; ".join(reasons))
    if not within_cap(ctx.settings, ctx.now, staff.emails[0], None, ctx.raw_id):
        return  # the history has it; a script flooding us gets no mail per mail
    rendered = ctx.settings.renderer.render(REFUSED_TEMPLATE, {
        "recipient_name": staff.name, "number": ticket.number, "subject": ticket.subject,
        "refused": reasons, "sent": [f.filename for f in carried.files],
        "helpdesk_name": ctx.settings.config.helpdesk.name,
    })
    to = [(staff.name, staff.emails[0])]
    outbox.queue_notice(ctx.settings, REFUSED_TEMPLATE, rendered, to, ticket,
                        reply_to=ctx.signed.address if ctx.signed else None,
                        in_reply_to=ctx.mail.message_id if ctx.mail else None)


def keep_files(ctx: MailContext, message: Message) -> None:
    """A staff note's files (or those of a reply that sends nothing), stored with it, within the
    limits a customer's files are stored within."""
    assert ctx.mail is not None
    limits = ctx.settings.config.main.limits
    parts = _parts(ctx.mail)
    carried = carry(parts[:limits.max_attachments], None, limits.max_attachment_bytes)
    for part in carried.files:
        Attachment.create(message=message, filename=part.filename, content_type=part.content_type,
                          size=len(part.payload), content=part.payload, content_id=part.content_id,
                          inline=part.content_id is not None)
    left = [f"{x.name} ({x.size_text}): {x.why}" for x in carried.left]
    left += [p.filename for _, p in parts[limits.max_attachments:]]
    if left:
        Event.create(ticket=message.ticket, raw=ctx.raw_id, kind="attachments_dropped",
                     created_at=ctx.now,
                     detail="not stored with the note (the raw mail keeps them): "
                            + "; ".join(left))


def send_attachments(ctx: MailContext, ticket: Ticket, staff: Staff, command: Command) -> None:
    """`#attachments [ID...]`: the ticket's files (or those named) to the staff member who asked,
    within one mail's limit, the rest named."""
    wanted = {int(i) for i in command.argument.split()}
    rows = [a for a in ticket_attachments(ticket.number) if not wanted or a.id in wanted]
    limit = ctx.settings.config.main.outbound.attachments_per_mail_bytes
    carried = carry(stored_files(rows), limit)
    rendered = ctx.settings.renderer.render(ATTACHMENTS_TEMPLATE, {
        "recipient_name": staff.name, "number": ticket.number, "subject": ticket.subject,
        "files": described(carried), "helpdesk_name": ctx.settings.config.helpdesk.name,
        "unknown": sorted(wanted - {a.id for a in rows}),
    })
    to = [(staff.name, staff.emails[0])]
    files = tuple(FilePart(f.filename, f.content_type, f.payload) for f in carried.files)
    outbox.queue_notice(ctx.settings, ATTACHMENTS_TEMPLATE, rendered, to, ticket,
                        reply_to=ctx.signed.address if ctx.signed else None, files=files)
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="attachments_sent", created_at=ctx.now,
                 detail=f"{len(carried.files)} files to {staff.key}"
                        + (f", {len(carried.left)} named only" if carried.left else ""))

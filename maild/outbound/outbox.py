"""Queueing outgoing mail: one outbox row per mail, and a message on the ticket for what its
customers are sent.

Called inside the transaction that caused the mail, so a ticket never exists without its
acknowledgement queued, and an acknowledgement never without its ticket.

A ticket's messages are its conversation: what the customer wrote, what they were sent
(acknowledgement, answers, status notices) and staff notes. What maild tells staff on its own
(notifications, service-target warnings) is a notice: it is in the outbox, which `tickets show`
lists with each mail's purpose and recipients (`to`), but it is not part of the conversation. A
customer never quotes a notice, so their replies are not compared with notices either (see
`notice_texts` for staff, who do).
"""

from __future__ import annotations

import email
from collections.abc import Sequence
from dataclasses import replace

from maild.outbound.compose import FilePart, Outgoing, compose
from maild.runtime import Settings
from maild.runtime.templates import Rendered
from maild.store.models import Attachment, Message, Outbox, Ticket


def queue(ticket: Ticket | None, purpose: str, out: Outgoing, mail_from: str = "",
          conversation: bool = True) -> int:
    """Store the composed mail for the sender (`mail_from` "" is the null return path <>), and
    with a ticket, unless it is a notice (`conversation` False), as the ticket's outgoing message;
    returns the outbox row's id."""
    content = compose(out)
    row_id = Outbox.add(
        ticket=ticket,
        purpose=purpose,
        mail_from=mail_from,
        recipients="\n".join(out.addresses),
        message_id=out.message_id,
        content=content,
    )
    if ticket is not None and conversation:
        stored = Message.add(
            ticket=ticket,
            direction="out",
            from_addr=out.from_header,
            to_addrs=", ".join(out.addresses),
            subject=out.subject,
            text=out.text,
            html=out.html,
            message_id=out.message_id,
            in_reply_to=out.in_reply_to,
        )
        for part in out.files:  # what the customer was sent is on the ticket too
            Attachment.add(message=stored, filename=part.filename, content_type=part.content_type,
                           size=len(part.payload), content=part.payload, content_id=part.content_id,
                           inline=part.content_id is not None)
    return row_id


def queue_notice(settings: Settings, purpose: str, rendered: Rendered, to: list[tuple[str, str]],
                 ticket: Ticket | None = None, subject: str | None = None,
                 reply_to: str | None = None,
                 in_reply_to: str | None = None, files: tuple[FilePart, ...] = ()) -> int:
    """A mail maild writes on its own to staff or contacts (reminder, alert, warning)."""
    config = settings.config
    out = notice_headers(settings, to, reply_to, in_reply_to)
    return queue(ticket, purpose, replace(out,
                                          subject=(subject if subject is not None
                                                   else rendered.subject),
                                          text=rendered.text, html=rendered.html, files=files),
                 mail_from=config.helpdesk.address, conversation=False)


def notice_headers(settings: Settings, to: list[tuple[str, str]], reply_to: str | None = None,
                   in_reply_to: str | None = None) -> Outgoing:
    """A notice's mail without its subject and text: from the helpdesk, marked auto-generated with
    our loop marker (its bounces come back to the helpdesk: see queue_notice's mail_from)."""
    config = settings.config
    return Outgoing(
        from_header=config.main.outbound.from_,
        to=to,
        subject="",
        text="",
        html=None,
        message_id=settings.reply_addresses.message_id(),
        in_reply_to=in_reply_to,
        auto_submitted="auto-generated",
        loop_marker=config.helpdesk.address,
        reply_to=reply_to,
    )


def notice_texts(ticket: Ticket, recipients: Sequence[str], limit: int = 10) -> list[str]:
    """The text parts of the newest mails on the ticket sent to any of `recipients` (a staff
    member's addresses), newest first: their reply may quote the notification it answers
    without `>`."""
    rows = (Outbox.select(Outbox.content, Outbox.recipients).where(Outbox.ticket == ticket)
            .order_by(Outbox.id.desc()).limit(limit * 4))
    wanted = set(recipients)
    texts = [_text_part(bytes(row.content)) for row in rows if wanted & set(row.recipients.split(
        "\n"))]
    return [text for text in texts if text][:limit]


def _text_part(content: bytes) -> str:
    """The text/plain part of a mail we composed (compose.compose)."""
    message = email.message_from_bytes(content)
    part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), None)
    payload = part.get_payload(decode=True) if part is not None else None
    return payload.decode("utf-8", "replace").replace("\r\n", "\n") if isinstance(payload,
                                                                                  bytes) else ""

"""Step: a delivery status notification (RFC 3464) about a mail maild sent.

A DSN names the mail it reports on by the Message-ID in its returned headers (the
`message/rfc822` or `text/rfc822-headers` part). A permanent failure for one of our outbox mails
is attached to that mail's ticket, marks the outbox mail failed, flags the address, and tells
whoever is responsible; a delay only updates the outbox record. A DSN never opens or reopens a
ticket and is never answered (`screen` already marked it automatic).
"""

from __future__ import annotations

import logging
from email.message import Message as EmailMessage

from maild.config import ADDRESS_RE
from maild.pipeline.context import DeliveryReport, Failure, MailContext
from maild.pipeline.notify import responsible, tell_staff
from maild.pipeline.parse import MSGID_RE
from maild.store.models import BouncedAddress, Event, Message, Outbox, Ticket

log = logging.getLogger("maild.pipeline")
MAX_PARTS = 20  # a DSN has three parts; do not walk a hostile one far


def bounce(ctx: MailContext) -> None:
    assert ctx.mail is not None
    report = delivery_report(ctx.mail.headers)
    if report is None:
        return
    report.outbox = Outbox.get_or_none(
        Outbox.message_id == report.original_id) if report.original_id else None
    ctx.bounce = report
    if report.outbox is not None and report.outbox.ticket_id is not None:
        ctx.ticket = report.outbox.ticket
        ctx.notes.append(f"delivery report on our mail {report.original_id}")
    else:
        ctx.notes.append(
            "delivery report on a mail maild did not send "
            f"({report.original_id or 'no Message-ID'})")


def delivery_report(message: EmailMessage) -> DeliveryReport | None:
    """The DSN's per-recipient results and the Message-ID it reports on, or None if not a DSN."""
    if message.get_content_type() != "multipart/report" or \
            str(message.get_param("report-type", "")).lower() != "delivery-status":
        return None
    parts = list(message.walk())[:MAX_PARTS]
    report = DeliveryReport(original_id=_original_id(parts))
    for part in parts:
        if part.get_content_type() == "message/delivery-status":
            for fields in _recipient_fields(part):
                _classify(report, fields)
    return report


def _recipient_fields(part: EmailMessage) -> list[EmailMessage]:
    """The per-recipient field groups (the first group is per-message)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses each group as a message of headers
        return [p for p in payload if isinstance(p, EmailMessage)][1:]
    return []


def _classify(report: DeliveryReport, fields: EmailMessage) -> None:
    address = str(fields.get("Final-Recipient", "")).rpartition(";")[2].strip().strip("<>").lower()
    action = str(fields.get("Action", "")).strip().lower()
    status = str(fields.get("Status", "")).strip().split(" ")[0][:16]  # RFC 3463: d.ddd.ddd
    diagnostic = " ".join(str(fields.get("Diagnostic-Code", "")).split())[:300]
    if not ADDRESS_RE.match(address):
        return  # no address we could have sent to
    if action == "failed" and status.startswith("5"):
        report.failed.append(Failure(address, status, diagnostic))
    elif action == "delayed" or status.startswith("4"):
        report.delayed.append(Failure(address, status, diagnostic))


def _original_id(parts: list[EmailMessage]) -> str | None:
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(headers, EmailMessage) and headers.get("Message-ID"):
                found = MSGID_RE.search(str(headers["Message-ID"]))
                return found.group(0) if found else None
        if kind == "text/rfc822-headers":
            text = part.get_payload(decode=True) or b""
            for line in text.decode("utf-8", "replace").splitlines():
                if line.lower().startswith("message-id:"):
                    found = MSGID_RE.search(line)
                    return found.group(0) if found else None
    return None


def record(ctx: MailContext) -> None:
    """Write what the report says (inside the mail's transaction); see the module's docstring."""
    report = ctx.bounce
    assert report is not None and report.outbox is not None
    row = report.outbox
    repeated = row.status == "failed" and all(is_bounced(f.address) for f in report.failed)
    if report.failed:
        why = "; ".join(f"{f.address}: {f.status} {f.diagnostic}".strip() for f in report.failed)
        Outbox.update(status="failed", last_error=f"delivery report: {why}").where(
            Outbox.id == row.id).execute()
        for failure in report.failed:
            _flag(failure, ctx)
    elif report.delayed:
        why = "; ".join(f"{f.address}: {f.status} {f.diagnostic}".strip() for f in report.delayed)
        Outbox.update(last_error=f"delivery delayed: {why}").where(Outbox.id == row.id).execute()
    if ctx.ticket is not None and report.failed:
        if repeated:  # a storm of copies: on record, but staff were told with the first
            Event.create(ticket=ctx.ticket, raw=ctx.raw_id, kind="bounce_repeated",
                         created_at=ctx.now,
                         detail=f"another delivery report on {report.original_id}")
        else:
            _attach(ctx, ctx.ticket, report)
    log.warning("delivery report on %s (%s): failed %s, delayed %s", row.message_id, row.purpose,
                [f.address for f in report.failed], [f.address for f in report.delayed])


def _flag(failure: Failure, ctx: MailContext) -> None:
    BouncedAddress.insert(email=failure.address, status=failure.status, detail=failure.diagnostic,
                          bounced_at=ctx.now).on_conflict(
        conflict_target=[BouncedAddress.email],
        update={BouncedAddress.status: failure.status, BouncedAddress.detail: failure.diagnostic,
                BouncedAddress.bounced_at: ctx.now}).execute()


def _attach(ctx: MailContext, ticket: Ticket, report: DeliveryReport) -> None:
    """On the ticket as an internal note and a history entry; whoever is responsible is told."""
    lines = [
        (f"Mail {report.original_id} could not be delivered to {f.address}: "
         f"{f.status} {f.diagnostic}").strip()
             for f in report.failed]
    text = "\n".join(lines)
    assert ctx.mail is not None
    Message.create(ticket=ticket, raw=ctx.raw_id, direction="note",
                   from_addr=ctx.mail.from_address or "",
                   subject=ctx.mail.subject, text=text, message_id=ctx.mail.message_id,
                   created_at=ctx.now)
    Event.create(ticket=ticket, raw=ctx.raw_id, kind="bounced", detail=text, created_at=ctx.now)
    people = responsible(ctx.settings, ticket, ctx.now)
    tell_staff(ctx.settings, ticket, people, "bounce", text, ctx.now, raw_id=ctx.raw_id)


def is_bounced(address: str) -> bool:
    return BouncedAddress.select().where(BouncedAddress.email == address).exists()

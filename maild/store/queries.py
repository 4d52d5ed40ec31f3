"""Read-only views of tickets and mail in the documented `--json` shapes (README, "JSON output"),
and the small reads the pipeline makes by name (caps, participants, what we sent on a ticket)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import fn

from maild.store.models import (Attachment, Event, Message, Outbox, Participant, Proposed, RawMail,
                                Ticket, database, fixed_sql)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "kind": ticket.kind,
        "priority": ticket.priority,
        "queue": ticket.queue,
        "organisation": ticket.organisation,
        "requester": ticket.requester,
        "assignee": ticket.assignee,
        "tags": ticket.tags.split(),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "follows": ticket.follows,
        "merged_into": ticket.merged_into,
    }


def list_tickets(status: str | None = None) -> list[dict[str, Any]]:
    query = Ticket.select().order_by(Ticket.number)
    if status:
        query = query.where(Ticket.status == status)
    return [ticket_summary(t) for t in query]


def ticket_detail(number: int) -> dict[str, Any] | None:
    ticket = Ticket.get_or_none(Ticket.number == number)
    if ticket is None:
        return None
    detail = ticket_summary(ticket)
    detail["participants"] = [
        {"email": p.email, "name": p.name, "role": p.role}
        for p in Participant.select().where(Participant.ticket == ticket).order_by(Participant.id)
    ]
    detail["proposed"] = [
        {"email": p.email, "name": p.name, "reason": p.reason}
        for p in Proposed.select().where(Proposed.ticket == ticket).order_by(Proposed.id)
    ]
    detail["messages"] = [
        {
            "direction": m.direction,
            "from": m.from_addr,
            "to": m.to_addrs,
            "subject": m.subject,
            "text": m.text,
            "message_id": m.message_id,
            "created_at": iso(m.created_at),
        }
        for m in Message.select().where(Message.ticket == ticket).order_by(Message.created_at,
                                                                           Message.id)
    ]
    detail["attachments"] = [attachment_summary(a) for a in ticket_attachments(ticket.number)]
    detail["history"] = [
        {"kind": e.kind, "detail": e.detail, "created_at": iso(e.created_at)}
        for e in Event.select().where(Event.ticket == ticket).order_by(Event.created_at, Event.id)
    ]
    detail["outbox"] = [
        {"message_id": o.message_id, "purpose": o.purpose, "to": o.recipients.split("\n"),
         "status": o.status,
         "attempts": o.attempts, "last_error": o.last_error}
        for o in Outbox.select().where(Outbox.ticket == ticket).order_by(Outbox.id)
    ]
    return detail


def ticket_attachments(number: int) -> list[Attachment]:
    """Every attachment stored on the ticket (customers' mail and answers), oldest first, with
    its message; notes' files are staff-only but listed too (staff are the readers)."""
    return list(Attachment.select(Attachment, Message).join(Message)
                .where(Message.ticket == number).order_by(Attachment.id))


def mail_attachments(raw_id: int) -> list[Attachment]:
    """The attachments stored from one inbound mail, in the mail's order."""
    return list(Attachment.select().join(Message).where(Message.raw == raw_id)
                .order_by(Attachment.id))


def attachment_content(attachment_id: int) -> tuple[str, bytes] | None:
    """One stored attachment's file name and bytes."""
    row = Attachment.get_or_none(Attachment.id == attachment_id)
    return None if row is None else (row.filename, bytes(row.content))


def attachment_summary(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.id, "name": attachment.filename, "type": attachment.content_type,
            "size": attachment.size, "inline": attachment.inline,
            "message": attachment.message.message_id, "direction": attachment.message.direction}


def organisation_history(key: str) -> list[dict[str, Any]]:
    """Reminders sent and skipped, meetings logged: what happened with one organisation."""
    return [{"kind": e.kind, "detail": e.detail, "created_at": iso(e.created_at)}
            for e in Event.select().where(Event.organisation == key).order_by(Event.created_at,
                                                                              Event.id)]


def raw_summary(raw: RawMail) -> dict[str, Any]:
    return {
        "id": raw.id,
        "source": raw.source,
        "size": raw.size,
        "status": raw.status,
        "reason": raw.reason,
        "attempts": raw.attempts,
        "ticket": raw.ticket_id,
        "received_at": iso(raw.received_at),
    }


def raw_detail(raw_id: int, max_header_chars: int = 65_536) -> dict[str, Any] | None:
    """One raw mail for `maild quarantine show`: its summary, header block and history."""
    raw = RawMail.get_or_none(RawMail.id == raw_id)
    if raw is None:
        return None
    content = bytes(raw.content)
    end = content.find(b"\r\n\r\n")
    end = end if end >= 0 else content.find(b"\n\n")
    headers = content[: end if end >= 0 else len(content)].decode("utf-8", "replace")
    return {
        **raw_summary(raw),
        "headers": headers[:max_header_chars],
        "history": [{"kind": e.kind, "detail": e.detail, "created_at": iso(e.created_at)}
                    for e in Event.select().where(Event.raw == raw.id).order_by(Event.id)],
    }


def auto_replies_since(address: str, hour: datetime, day: datetime,
                       purposes: tuple[str, ...] = ("acknowledgement", "redirect")) -> tuple[int,
                                                                                             int]:
    """Automatic answers of these purposes queued for one address since `hour` and since `day`
    (the per-address cap). One fixed statement: it runs for every automatic answer, so no query
    building. A row is counted when the address is its only recipient; the per-ticket cap covers
    notices that also went to others in Cc."""
    p = database.param  # "?" on SQLite, "%s" on PostgreSQL
    listed = ", ".join([p] * len(purposes))
    cursor = database.execute_sql(
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_at >= {p} THEN 1 ELSE 0 END), 0) "
        "FROM outbox "
        f"WHERE recipients = {p} AND created_at >= {p} AND purpose IN ({listed})",
        (hour, address, day, *purposes),
    )
    in_day, in_hour = cursor.fetchone()
    return int(in_hour), int(in_day)


def ticket_auto_mail_since(ticket: int, since: datetime, purposes: tuple[str, ...]) -> int:
    """Automatic mail of these purposes queued on one ticket since then (the per-ticket cap)."""
    listed = ", ".join("?" * len(purposes))
    return int(fixed_sql(
        f"SELECT COUNT(*) FROM outbox WHERE ticket_id = ? AND purpose IN ({listed}) "
        "AND created_at >= ?",
        (ticket, *purposes, since)).fetchone()[0])


def events_since(kind: str, ticket: int, since: datetime) -> int:
    """How often this happened to the ticket since then (reopenings, caps recorded)."""
    return Event.select().where((Event.ticket == ticket) & (Event.kind == kind) & (
        Event.created_at >= since)).count()


def capped_since(address: str, since: datetime) -> bool:
    """Whether the cap on this address was already recorded since then (log and record it once)."""
    return Event.select().where((Event.kind == "auto_reply_capped") & (Event.detail.startswith(
        address + ":"))
                                & (Event.created_at >= since)).exists()


def is_participant(ticket: Ticket, address: str) -> bool:
    """Whether the address takes part in the ticket (its requester or someone copied)."""
    found = fixed_sql("SELECT 1 FROM participant WHERE ticket_id = ? AND email = ?",
                      (ticket.number, address))
    return found.fetchone() is not None


def sent_texts(ticket: Ticket) -> list[str]:
    """The texts of the last ten messages we sent on the ticket, newest first."""
    rows = fixed_sql("SELECT text FROM message WHERE ticket_id = ? AND direction = 'out' "
                     "ORDER BY id DESC LIMIT 10", (ticket.number,))
    return [text for (text,) in rows]


def waiting_since() -> list[tuple[Ticket, datetime]]:
    """Tickets pending on the customer, each with when its wait began: when it was set pending, or
    when staff last answered the customer (an answer while it waits starts the wait again)."""
    found = []
    for ticket in Ticket.select().where(Ticket.status == "pending").order_by(Ticket.number):
        set_at = (Event.select(fn.MAX(Event.created_at))
                  .where((Event.ticket == ticket) & (Event.kind == "status")
                         & Event.detail.contains("-> pending"))
                  .scalar())
        wrote = (Outbox.select(fn.MAX(Outbox.created_at))
                 .where((Outbox.ticket == ticket) & (Outbox.purpose == "answer")).scalar())
        since = max((m for m in (set_at, wrote) if m is not None), default=ticket.updated_at)
        found.append((ticket, since))
    return found


@dataclass(frozen=True)
class Spoken:
    """One message of a ticket's conversation, as a notification quotes it."""

    id: int
    from_addr: str
    direction: str
    created_at: datetime
    text: str


# What customers wrote, staff answers and notes; not maild's own acknowledgements and notices.
# Every mail a ticket gets reads it, so it is written out rather than built by peewee each time.
RECENT_CONVERSATION = (
    "SELECT id, from_addr, direction, created_at, text FROM message "
    "WHERE ticket_id = ? AND (direction != 'out' OR message_id IN "
    "(SELECT message_id FROM outbox WHERE ticket_id = ? AND purpose = 'answer')) "
    "AND (raw_id IS NULL OR raw_id != ?) ORDER BY created_at DESC, id DESC LIMIT ?")


def recent_conversation(ticket: int, limit: int, leave_out_raw: int | None = None) -> list[Spoken]:
    """The ticket's latest messages, newest first, without those of the mail `leave_out_raw`."""
    when = Message.created_at.python_value
    rows = fixed_sql(RECENT_CONVERSATION, (ticket, ticket, leave_out_raw or 0, limit))  # no id 0
    return [Spoken(id, sender, direction, when(created), text)
            for id, sender, direction, created, text in rows.fetchall()]


def ticket_files(ticket: int) -> list[tuple[int, str, int]]:
    """(message id, filename, size) of every attachment stored on the ticket, oldest first."""
    return list(fixed_sql("SELECT a.message_id, a.filename, a.size FROM attachment a "
                          "JOIN message m ON m.id = a.message_id WHERE m.ticket_id = ? "
                          "ORDER BY a.id", (ticket,)).fetchall())

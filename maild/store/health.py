"""Health figures read from the database: for `maild status`, STATUS= lines and the watchdog."""

from __future__ import annotations

from typing import Any

from peewee import fn

from maild.store.models import MailboxCursor, Outbox, RawMail, Ticket, TokenHealth, database, utcnow
from maild.store.queries import iso


def ping_database() -> None:
    database.execute_sql("SELECT 1").fetchone()


def outbox_depth() -> int:
    return Outbox.select().where(Outbox.status == "queued").count()


def outbox_health() -> dict[str, Any]:
    oldest = Outbox.select(fn.MIN(Outbox.created_at)).where(Outbox.status == "queued").scalar()
    deferred = (Outbox.select().where((Outbox.status == "queued") & Outbox.last_error.is_null(
        False))
                .order_by(Outbox.id.desc()).first())
    return {
        "queued": outbox_depth(),
        "oldest_queued_at": iso(oldest),
        "oldest_age_seconds": round((utcnow() - oldest).total_seconds()) if oldest else None,
        "deferred": Outbox.select().where((Outbox.status == "queued") & (
            Outbox.attempts > 0)).count(),
        "failed": Outbox.select().where(Outbox.status == "failed").count(),
        "last_error": deferred.last_error if deferred else None,
    }


def mailbox_health(name: str, folder: str) -> dict[str, Any]:
    row = MailboxCursor.get_or_none((MailboxCursor.mailbox == name) & (
        MailboxCursor.folder == folder))
    failing = bool(row and row.last_error_at and (
        not row.last_ok_at or row.last_error_at > row.last_ok_at))
    return {
        "name": name,
        "folder": folder,
        "ok": bool(row and row.last_ok_at) and not failing,
        "last_ok_at": iso(row.last_ok_at) if row else None,
        "last_error": row.last_error if row and failing else None,
        "last_error_at": iso(row.last_error_at) if row else None,
        "uidvalidity": row.uidvalidity if row else None,
        "last_uid": row.last_uid if row else None,
    }


def token_health(label: str) -> dict[str, Any]:
    row = TokenHealth.get_or_none(TokenHealth.label == label)
    failing = bool(
        row and row.last_error_at and (not row.last_ok_at or row.last_error_at > row.last_ok_at)
    )
    return {
        "name": label,
        "ok": bool(row and row.last_ok_at) and not failing,
        "last_ok_at": iso(row.last_ok_at) if row else None,
        "last_error": row.last_error if row and failing else None,
        "last_error_at": iso(row.last_error_at) if row else None,
    }


def ticket_counts() -> dict[str, int]:
    rows = Ticket.select(Ticket.status, fn.COUNT(Ticket.number).alias("n")).group_by(Ticket.status)
    return {row.status: row.n for row in rows}


def quarantine_count() -> int:
    return RawMail.select().where(RawMail.status == "quarantined").count()

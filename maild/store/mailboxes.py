"""IMAP folder cursors: UIDVALIDITY, the last UID committed, and each mailbox's health."""

from __future__ import annotations

from maild.store.db import transaction
from maild.store.models import Event, MailboxCursor, utcnow


def cursor(mailbox: str, folder: str) -> MailboxCursor:
    with transaction():
        row, _ = MailboxCursor.get_or_create(mailbox=mailbox, folder=folder)
    return row


def advance(row: MailboxCursor, uidvalidity: int, last_uid: int) -> None:
    with transaction():
        MailboxCursor.update(uidvalidity=uidvalidity, last_uid=last_uid, last_ok_at=utcnow()) \
            .where(MailboxCursor.id == row.id).execute()
    row.uidvalidity, row.last_uid = uidvalidity, last_uid


def record_ok(mailbox: str, folder: str) -> None:
    with transaction():
        MailboxCursor.update(last_ok_at=utcnow()).where(
            (MailboxCursor.mailbox == mailbox) & (MailboxCursor.folder == folder)).execute()


def record_error(mailbox: str, folder: str, error: str) -> None:
    with transaction():
        row, _ = MailboxCursor.get_or_create(mailbox=mailbox, folder=folder)
        MailboxCursor.update(last_error=error, last_error_at=utcnow()).where(MailboxCursor.id == row.id).execute()


def record_refusal(mailbox: str, detail: str) -> None:
    """A mail the channel would not take in (too large to fetch): kept on the server, noted here."""
    with transaction():
        Event.create(kind="refused", detail=f"imap {mailbox}: {detail}")

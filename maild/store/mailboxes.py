"""IMAP folder cursors: UIDVALIDITY, the last UID committed, and each mailbox's health."""

from __future__ import annotations

from maild.store.db import release, transaction, try_hold
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
        MailboxCursor.update(last_error=error, last_error_at=utcnow()).where(
            MailboxCursor.id == row.id).execute()


def record_refusal(mailbox: str, detail: str) -> None:
    """A mail the channel would not take in (too large to fetch): kept on the server, noted here."""
    with transaction():
        Event.create(kind="refused", detail=f"imap {mailbox}: {detail}")


def _uid_key(mailbox: str, folder: str, uidvalidity: int, uid: int) -> str:
    return f"imap:{mailbox}:{folder}:{uidvalidity}:{uid}"


def hold_uids(mailbox: str, folder: str, uidvalidity: int, uids: list[int]) -> list[int]:
    """The UIDs this host may take, held until `let_go`. Several hosts watching one mailbox each
    take different mail, and a mail is moved only by its holder, after its commit: two hosts never
    move the same mail at once (which would leave two copies in the processed folder). A host that
    dies lets go of its mail with its connection; the next pass anywhere finds it."""
    keys = {_uid_key(mailbox, folder, uidvalidity, uid): uid for uid in uids}
    return [keys[key] for key in try_hold(list(keys))]


def let_go(mailbox: str, folder: str, uidvalidity: int, uids: list[int]) -> None:
    release([_uid_key(mailbox, folder, uidvalidity, uid) for uid in uids])

"""The raw store: the exact bytes of every inbound mail, committed before anything parses them.

The dedupe key is the channel's scope (which mailbox or listener) plus the SHA-256 of the bytes:
a mail re-delivered after a lost confirmation maps to the row already stored, while two different
mails that share a Message-ID (or have none) are both kept.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from datetime import datetime, timedelta
from collections.abc import Sequence

import peewee

from maild.errors import HeldElsewhere
from maild.store.db import is_sqlite, transaction, try_lock
from maild.store.models import Event, MailCopy, RawMail, Ticket, database, fixed_sql, utcnow

RECEIVED, PROCESSED, IGNORED, QUARANTINED = "received", "processed", "ignored", "quarantined"
DUPLICATE = "duplicate"  # a copy of a mail another raw mail holds (another address or mailbox)


def dedupe_key(content: bytes, scope: str) -> str:
    return f"{scope[:120]}:{hashlib.sha256(content).hexdigest()}"


def save(
    content: bytes,
    source: str,
    scope: str,
    recipients: Sequence[str],
    envelope_from: str | None,
    route_defaults: dict[str, str] | None = None,
) -> tuple[RawMail, bool]:
    """Store the bytes inside the caller's transaction; returns the row and whether it is new.
    Raises HeldElsewhere while another host has the same mail in hand (several hosts fetching one
    mailbox): the lock lasts until that host's transaction ends, when the row is there to see."""
    key = dedupe_key(content, scope)
    if not try_lock(key):
        raise HeldElsewhere(f"mail {key} is being processed by another host")
    # SQLite undoes just a statement that fails, so there the insert is the look-up: a mail seen
    # before (a re-delivery, rare) meets the unique key. PostgreSQL looks first, since a failed
    # insert spoils its transaction, and inserts in a savepoint.
    if not is_sqlite():
        found = fixed_sql("SELECT id FROM rawmail WHERE dedupe_key = ?", (key,)).fetchone()
        if found is not None:
            return RawMail.get_by_id(found[0]), False
    try:
        with nullcontext() if is_sqlite() else database.atomic():
            row = RawMail.create(
                dedupe_key=key,
                source=source,
                recipients="\n".join(recipients),
                envelope_from=envelope_from,
                route_defaults=json.dumps(route_defaults or {}),
                size=len(content),
                sha256=key.rsplit(":", 1)[1],
                content=content,
            )
    except peewee.IntegrityError:  # stored before, or by another process since our look-up
        return RawMail.get(RawMail.dedupe_key == key), False
    return row, True


def claim_copy(key: str, raw_id: int, now: datetime, window: timedelta) -> RawMail | None:
    """Inside the caller's transaction: claim the mail `key` for this raw mail. Returns the raw
    mail that holds it (seen within `window`), or None when this one does now. The insert waits
    on a concurrent holder's transaction, so two hosts never both take it."""
    inserted = fixed_sql("INSERT INTO mailcopy (\"key\", raw_id, seen_at) VALUES (?, ?, ?) "
                         "ON CONFLICT DO NOTHING", (key, raw_id, now))
    if inserted.rowcount == 1:  # nearly every mail: the first of its kind
        return None
    holder = MailCopy.get(MailCopy.key == key)
    if holder.raw_id == raw_id:
        return None
    if holder.seen_at < now - window:  # an old mail sent again: this copy holds it from now on
        taken = MailCopy.update(raw=raw_id, seen_at=now).where(
            (MailCopy.key == key) & (MailCopy.raw == holder.raw_id)).execute()
        if taken:
            return None
        holder = MailCopy.get(MailCopy.key == key)
    return RawMail.get_by_id(holder.raw_id)


def mark_done(raw_id: int, status: str, ticket: Ticket | None, reason: str | None = None) -> None:
    """Record the outcome inside the caller's transaction (the one that made the ticket)."""
    fixed_sql("UPDATE rawmail SET status = ?, ticket_id = ?, reason = ?, processed_at = ?, "
              "attempts = attempts + 1 WHERE id = ?",
              (status, ticket.number if ticket else None, reason, utcnow(), raw_id))


def claim(raw_id: int) -> bool:
    """Inside the caller's transaction: True when the mail still waits to be processed. Written
    as an UPDATE so that it takes the row's write lock: two processes never both process it."""
    return RawMail.update(attempts=RawMail.attempts).where(
        (RawMail.id == raw_id) & (RawMail.status == RECEIVED)).execute() == 1


def quarantine(raw_id: int, reason: str) -> bool:
    """Hold a mail that is still waiting; False when someone else finished it meanwhile."""
    with transaction():
        changed = RawMail.update(
            status=QUARANTINED, reason=reason, processed_at=utcnow(), attempts=RawMail.attempts + 1
        ).where((RawMail.id == raw_id) & (RawMail.status == RECEIVED)).execute()
        if changed:
            Event.create(raw=raw_id, kind="quarantined", detail=reason)
    return bool(changed)


def count_attempt(raw_id: int) -> int:
    """Count a failed attempt that left the mail `received` (a transient error); returns the
    total."""
    with transaction():
        RawMail.update(attempts=RawMail.attempts + 1).where(RawMail.id == raw_id).execute()
        return RawMail.get_by_id(raw_id).attempts


def pending(older_than_seconds: float) -> list[RawMail]:
    """Mail committed but never processed (its process died or the database failed mid-way)."""

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    return list(RawMail.select().where((RawMail.status == RECEIVED) & (
        RawMail.received_at <= cutoff)))


def quarantined(ids: Sequence[int] = ()) -> list[RawMail]:
    query = RawMail.select().where(RawMail.status == QUARANTINED)
    if ids:
        query = query.where(RawMail.id.in_(list(ids)))
    return list(query.order_by(RawMail.id))


def reset_for_retry(raw_id: int) -> None:
    with transaction():
        RawMail.update(status=RECEIVED, reason=None).where(RawMail.id == raw_id).execute()

"""Step: a copy of a mail already in hand is done here, with no second ticket or acknowledgement.

An MTA delivers one mail once per recipient (a pipe, two IMAP mailboxes holding copies), so a
mail to helpdesk@ and info@ comes twice. Copies are the same mail when they carry the same
Message-ID and the same content, less the trace fields each delivery adds (TRACE_FIELDS) and
line endings. Two different mails sharing a Message-ID differ in content: both are kept.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from maild.pipeline.context import MailContext, Outcome
from maild.store import raw as raw_store
from maild.store.models import Event

# What a delivering MTA or LDA writes into each copy; everything else must match.
TRACE_FIELDS = frozenset({"received", "return-path", "delivered-to", "x-original-to"})


def copies(ctx: MailContext) -> None:
    assert ctx.mail is not None
    window_days = ctx.settings.config.main.inbound.copies_window_days
    if not ctx.mail.message_id or window_days == 0:
        return  # without a Message-ID two deliveries cannot be told to be one mail
    key = copy_key(ctx.mail.message_id, ctx.content)
    holder = raw_store.claim_copy(key, ctx.raw_id, ctx.now, timedelta(days=window_days))
    if holder is None:
        return
    detail = f"a copy of raw mail {holder.id}, delivered to {', '.join(ctx.recipients) or '?'}"
    raw_store.mark_done(ctx.raw_id, raw_store.DUPLICATE, holder.ticket, detail)
    Event.create(ticket=holder.ticket_id, raw=ctx.raw_id, kind="copy", detail=detail,
                 created_at=ctx.now)
    ctx.outcome, ctx.finished = Outcome.DUPLICATE, True
    ctx.said.append(f"{ctx.mail.message_id}: {detail}: no second ticket")


def copy_key(message_id: str, content: bytes) -> str:
    """The SHA-256 of the Message-ID and the content without its trace fields."""
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogateescape") + b"\n")
    digest.update(without_trace_fields(content))
    return digest.hexdigest()


def without_trace_fields(content: bytes) -> bytes:
    """The mail with LF line endings and no TRACE_FIELDS in its header."""
    head, blank, body = content.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept: list[bytes] = []
    keep = True
    for line in head.split(b"\n"):
        if not line[:1].isspace():  # a new field; a folded line goes with the field before it
            name = line.partition(b":")[0].strip().lower()
            keep = name.decode("ascii", "replace") not in TRACE_FIELDS
        if keep:
            kept.append(line)
    return b"\n".join(kept) + blank + body

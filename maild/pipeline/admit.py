"""Step: the unknown-sender policy for mail that would open a ticket.

It applies to senders who are neither staff nor designated contacts (people only matched by an
organisation's domain, and strangers), since the charter asks users to go through their
organisation's admin manager. `accept` opens the ticket; `accept_flagged` opens it tagged
`unverified-sender`; `redirect` opens none and answers with how to reach their admin manager,
without any ticket content. The policy is the mailbox's (or listener's), else the helpdesk's.
"""

from __future__ import annotations

from dataclasses import replace

from maild.pipeline.context import MailContext

UNVERIFIED_TAG = "unverified-sender"


def admit(ctx: MailContext) -> None:
    sender = ctx.sender
    if ctx.ticket is not None or ctx.route is None or sender is None:
        return
    if sender.kind == "staff" or sender.designated or ctx.started is not None:
        return  # staff, a designated contact, or a customer a proven staff member wrote for
    policy = ctx.route_defaults.get(
        "unknown_senders") or ctx.settings.config.helpdesk.unknown_senders
    if policy == "accept_flagged":
        ctx.route = replace(ctx.route, tags=(*ctx.route.tags, UNVERIFIED_TAG))
        ctx.notes.append("sender is not a designated contact: flagged")
    elif policy == "redirect":
        ctx.redirect = True
        ctx.notes.append("sender is not a designated contact: redirected to their admin manager")

"""Mail to the customer side of a ticket: a staff answer, or a status change they should know of.

Sent from the helpdesk address (an answer names the staff member, never their address unless
configured), to the requester with the other participants in Cc, as a reply to the customer's
latest message, with the ticket tag and a signed customer Reply-To so that their answer threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import Markup

from maild.config import Staff
from maild.outbound import customer
from maild.outbound.compose import FilePart, display_from
from maild.pipeline.caps import within_cap
from maild.runtime.signing import CUSTOMER
from maild.runtime.subjects import tagged_subject
from maild.runtime.templates import Rendered
from maild.store.models import Event, Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.pipeline")
ANSWER_TEMPLATE = "answer"


def send_answer(settings: Settings, ticket: Ticket, staff: Staff, text: str,
                html: str | None = None, files: Sequence[FilePart] = (),
                first: bool = False) -> None:
    """The answer to the customer: `html` (already made safe) as the alternative to `text`;
    `first`: the ticket's first mail to the customer (`#to`), so no "Re:" in the subject."""
    helpdesk = settings.config.helpdesk
    show_address = settings.config.main.conversations.show_staff_address
    rendered = settings.renderer.render(ANSWER_TEMPLATE, {
        "text": text, "staff_name": staff.name, "staff_address": staff.emails[
            0] if show_address else None,
        "number": ticket.number, "subject": ticket.subject, "helpdesk_name": helpdesk.name,
        "requester_name": ticket.requester_name, "first": first,
        "html": Markup(html) if html else None,
    })
    if html is None:
        rendered = replace(rendered, html=None)
    sender = display_from(f"{staff.name} via {helpdesk.name}", helpdesk.address)
    _queue(settings, ticket, "answer", rendered, sender, automatic=False, files=tuple(files))


def tell_requester(settings: Settings, ticket: Ticket, template: str, now: datetime,
                   raw_id: int | None = None) -> None:
    """A status change that matters to the customer (resolved, reopened), from the template:
    automatic mail, so within the caps (pipeline.caps); a withheld notice is in the history."""
    if ticket.requester and not within_cap(settings, now, ticket.requester, ticket, raw_id):
        Event.create(ticket=ticket, raw=raw_id, kind="notice_withheld", created_at=now,
                     detail=f"{template} notice to {ticket.requester} not sent: "
                            "over the cap on automatic mail")
        log.info("ticket %d: %s notice withheld by the cap", ticket.number, template)
        return
    helpdesk = settings.config.helpdesk
    rendered = settings.renderer.render(template, {
        "number": ticket.number, "subject": ticket.subject, "status": ticket.status,
        "requester_name": ticket.requester_name, "helpdesk_name": helpdesk.name,
        "reopen_days": settings.config.main.conversations.reopen_days,
    })
    _queue(settings, ticket, template, rendered, settings.config.main.outbound.from_,
           automatic=True)


def _queue(settings: Settings, ticket: Ticket, purpose: str, rendered: Rendered, from_header: str,
           automatic: bool, files: tuple[FilePart, ...] = ()) -> None:
    subject = tagged_subject(settings.config.helpdesk.tag_prefix, ticket.number, rendered.subject)
    reply_to = settings.reply_addresses.make(ticket.number, CUSTOMER)
    customer.queue(settings, ticket, purpose, subject, rendered, from_header, reply_to, automatic,
                   files)

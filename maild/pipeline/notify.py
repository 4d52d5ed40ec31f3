"""Step: tell staff at once about a new ticket routed to them or to their role (`notify`).

The assignee chosen by `route_to`, and every staff key or role a matching rule names in `notify`
(e.g. `on_call` for a total outage), get a notification with the ticket's facts and the
customer's text. Staff who are away are skipped (their delegate gets the ticket instead).
Replying to it is for the conversation work; this is the alert.
"""

from __future__ import annotations

import logging

from maild.config import Staff
from maild.outbound import outbox
from maild.outbound.compose import Outgoing, new_message_id
from maild.pipeline.acknowledge import tagged_subject
from maild.pipeline.context import MailContext

log = logging.getLogger("maild.pipeline")
TEMPLATE = "notification"


def notify(ctx: MailContext) -> None:
    if ctx.outcome != "opened" or ctx.route is None:
        return
    staff = _recipients(ctx)
    if not staff:
        return
    ticket, mail, route = ctx.ticket, ctx.mail, ctx.route
    assert ticket is not None and mail is not None
    helpdesk = ctx.settings.config.helpdesk
    rendered = ctx.settings.renderer.render(TEMPLATE, {
        "number": ticket.number, "subject": ticket.subject, "kind": ticket.kind, "priority": ticket.priority,
        "queue": ticket.queue, "organisation": ticket.organisation, "requester": ticket.requester,
        "requester_name": ticket.requester_name, "text": mail.text, "rule": route.rule,
        "assignee": route.assignee, "tags": list(route.tags), "helpdesk_name": helpdesk.name,
    })
    out = Outgoing(
        from_header=ctx.settings.config.main.outbound.from_,
        to=[(s.name, s.emails[0]) for s in staff],
        subject=tagged_subject(helpdesk.tag_prefix, ticket, rendered.subject),
        text=rendered.text,
        html=rendered.html,
        message_id=new_message_id(helpdesk.address.rpartition("@")[2]),
        auto_submitted="auto-generated",
        loop_marker=helpdesk.address,
    )
    outbox.queue(ticket, "notification", out, mail_from=helpdesk.address)
    log.info("ticket %d: notified %s", ticket.number, ", ".join(s.key for s in staff))


def _recipients(ctx: MailContext) -> list[Staff]:
    assert ctx.route is not None
    directory = ctx.settings.directory
    today = ctx.settings.calendar.local_date(ctx.now)
    names = [*([ctx.route.assignee] if ctx.route.assignee else []), *ctx.route.notify]
    chosen: dict[str, Staff] = {}
    for name in names:
        people = [directory.staff_by_key[name]] if name in directory.staff_by_key else \
            [s for s in directory.staff_by_key.values() if name in s.roles]
        for person in people:
            if person.active and person.away_on(today) is None:
                chosen.setdefault(person.key, person)
    return list(chosen.values())

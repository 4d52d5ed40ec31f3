"""Step: tell staff at once what needs them, each through their own signed reply address.

A new ticket or a customer's reply goes to whoever is responsible for the ticket (its assignee,
or whoever covers while they are away, or else the members of its queue); a new ticket also to
every staff key or role a matching rule names in `notify` (e.g. `on_call`). Each notification
carries the customer's text, the ticket's facts, and a Reply-To that is signed for that staff
member and ticket: replying to it is how staff answer and give commands. It carries the
customer's attachments (pipeline.carry) and, as an alternative, their HTML made safe
(pipeline.safe_html). Staff who are away are skipped. A staff member whose address was used
without proof is told.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import Markup

from maild.config import Staff
from maild.outbound import notices, outbox
from maild.outbound.notices import Notice
from maild.pipeline import history
from maild.pipeline.caps import within_cap
from maild.pipeline import canned
from maild.pipeline.carry import Carried, carry, described, stored_files
from maild.pipeline.context import MailContext, Outcome
from maild.pipeline.safe_html import new_html
from maild.runtime.signing import staff_role, start_address
from maild.schedule.digest import present as present_or_delegate
from maild.store.models import Ticket
from maild.store.queries import mail_attachments, ticket_files

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.pipeline")
TEMPLATE = "notification"
IMPERSONATION_TEMPLATE = "impersonation"


def notify(ctx: MailContext) -> None:
    # a bounce or out-of-office in their name proves nothing
    if ctx.impersonated and not ctx.automatic:
        _tell_impersonated(ctx)
    # A customer's cap never hides a ticket from staff: it limits answers to robots only.
    if ctx.ticket is None or ctx.mail is None or ctx.automatic or ctx.thanks_only:
        return
    if ctx.outcome is Outcome.OPENED and ctx.route is not None:
        people, what = _recipients(ctx), "new"
    elif ctx.outcome is Outcome.REPLIED and ctx.sender is not None and ctx.sender.kind != "staff":
        people, what = responsible(ctx.settings, ctx.ticket, ctx.now), "reply"
    else:
        return
    text = ctx.stored_text or ctx.mail.text
    html = new_html(ctx.mail.html) if ctx.mail.html else None
    stored = mail_attachments(ctx.raw_id) if ctx.mail.attachments else []  # most mail: no query
    limit = ctx.settings.config.main.outbound.attachments_per_mail_bytes
    carried = carry(stored_files(stored), limit)
    tell_staff(ctx.settings, ctx.ticket, people, what, text, ctx.now, ctx.said, ctx.proposed,
               ctx.raw_id, html=html, carried=carried)


def tell_staff(settings: Settings, ticket: Ticket, people: list[Staff], what: str, text: str,
               now: datetime, said: list[str] | None = None, proposed: Sequence[str] = (),
               raw_id: int | None = None, html: str | None = None,
               carried: Carried | None = None) -> None:
    """One notification per person (`what`: new, reply, assigned), each with its own signed
    Reply-To. Who was told goes to the log, or onto `said` (a mail's one line) when given.
    `proposed`: Cc'd addresses nobody vouched for, each offered with the `#cc add` line that takes
    it in. Below the text: the ticket's recent conversation, without the mail `raw_id` that brought
    the text.
    `html`: the customer's HTML, already made safe; `carried`: the files of their mail."""
    helpdesk = settings.config.helpdesk
    carried = carried or Carried((), ())
    # A ticket this mail opened has no earlier messages, and no files but the mail's own.
    fresh, files = what == "new", carried.files or carried.left
    on_ticket = [] if fresh and not files else ticket_files(ticket.number)
    facts = {  # the same for everyone told
        "what": what, "number": ticket.number, "subject": ticket.subject, "kind": ticket.kind,
        "priority": ticket.priority, "status": ticket.status, "queue": ticket.queue,
        "organisation": ticket.organisation, "requester": ticket.requester,
        "requester_name": ticket.requester_name, "text": text, "rule": ticket.route_rule,
        "assignee": ticket.assignee, "tags": ticket.tags.split(), "helpdesk_name": helpdesk.name,
        "response_due": _when(settings, ticket.response_due_at),
        "resolution_due": _when(settings, ticket.resolution_due_at), "proposed": list(proposed),
        "answers": canned.names(settings),
        "history": [] if fresh else history.recent(settings, ticket.number, on_ticket, raw_id),
        "attachments": [history.named(name, size) for _, name, size in on_ticket],
        "html": Markup(html) if html else None, "files": described(carried),  # html: sanitised
    }
    for person in people:
        reply_address = settings.reply_addresses.make(ticket.number, staff_role(person.key))
        notices.queue(settings.renderer, Notice(
            purpose="notification", template=TEMPLATE, ticket=ticket.number,
            mail_from=helpdesk.address,
            context={**facts, "recipient_name": person.name, "reply_address": reply_address,
                     "start_address": start_address(settings.reply_addresses, person.key)},
            tag=f"[{helpdesk.tag_prefix}{ticket.number}]",
            out=replace(outbox.notice_headers(settings, [(person.name, person.emails[0])],
                                              reply_to=reply_address), files=carried.files),
            with_html=html is not None,
        ))
    if people and said is not None:
        said.append(f"{what} notification to {', '.join(p.key for p in people)}")
    elif people:
        log.info("ticket %d: %s notification to %s", ticket.number, what, ", ".join(
            p.key for p in people))


def _when(settings: Settings, moment: datetime | None) -> str | None:
    """A due time as staff read it: office-local, with the weekday."""
    return None if moment is None else history.office_time(settings, moment)


def responsible(settings: Settings, ticket: Ticket, now: datetime) -> list[Staff]:
    """The assignee (or their delegate while away), else the ticket's queue."""
    directory = settings.directory
    today = settings.calendar.local_date(now)
    assignee = directory.staff_by_key.get(ticket.assignee or "")
    if assignee is not None:
        present = present_or_delegate(assignee, today, directory.staff_by_key)
        if present is not None:
            return [present]
    members = [directory.staff_by_key[k] for k in settings.config.accounts.queues.get(ticket.queue,
                                                                                      [])]
    return [m for m in members if m.active and m.away_on(today) is None]


def _recipients(ctx: MailContext) -> list[Staff]:
    """Who is responsible for the new ticket, and every staff key or role the rule names in
    `notify`."""
    assert ctx.route is not None and ctx.ticket is not None
    directory = ctx.settings.directory
    today = ctx.settings.calendar.local_date(ctx.now)
    chosen = {person.key: person for person in responsible(ctx.settings, ctx.ticket, ctx.now)}
    for name in ctx.route.notify:
        people = [directory.staff_by_key[name]] if name in directory.staff_by_key else \
            [s for s in directory.staff_by_key.values() if name in s.roles]
        for person in people:
            if person.active and person.away_on(today) is None:
                chosen.setdefault(person.key, person)
    return list(chosen.values())


def _tell_impersonated(ctx: MailContext) -> None:
    """The staff member learns that a mail used their address without proof; it reveals nothing
    more than the subject, which they can look up in the raw store by the date."""
    person = ctx.settings.directory.staff_by_key.get(ctx.impersonated or "")
    if person is None or ctx.mail is None:
        return
    if not within_cap(ctx.settings, ctx.now, person.emails[0], None, ctx.raw_id):
        # forged in bulk: the managers were told once (pipeline.caps), not the person each
        # time
        return
    helpdesk = ctx.settings.config.helpdesk
    rendered = ctx.settings.renderer.render(IMPERSONATION_TEMPLATE, {
        "recipient_name": person.name, "subject": ctx.mail.subject, "helpdesk_name": helpdesk.name,
        "received": ctx.now.strftime("%d %B %Y %H:%M UTC"),
        "ticket": ctx.ticket.number if ctx.ticket else None,
    })
    outbox.queue_notice(ctx.settings, "impersonation", rendered, [(person.name, person.emails[0])])
    log.warning("raw %d: told %s that their address was used without proof", ctx.raw_id, person.key)

"""One cap on every automatic mail maild writes to a person because a mail arrived.

A robot that answers everything, or someone forging mail in bulk, must never get maild to write
without end: acknowledgements, redirects, quarantine notices, resolved/reopened notices,
impersonation warnings and command-error replies all count against one allowance per address (an
hour's and a day's). The allowance depends on who it is: a designated contact of an organisation
gets a much larger one (a person opening ticket after ticket), an address that looks like a
robot's a smaller one, anyone else the default. Going over is logged and recorded once a day per
address, and the customer services managers hear of it once a day; the mail that arrived is kept
as usual either way, and staff are told of it as of any other (the cap never hides a ticket).
Mail to a ticket's customers also counts against the ticket's allowance for the day, whatever the
address (a notice with the customer's colleagues in Cc, or several robots on one ticket); going
over is recorded in the ticket's history once a day.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from maild.outbound import outbox
from maild.store.models import Event, Ticket
from maild.store.queries import (auto_replies_since, capped_since, events_since,
                                 ticket_auto_mail_since)

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.pipeline")
CAPPED_TEMPLATE = "auto_reply_capped"
# Outbox purposes of mail written automatically in answer to an inbound mail (staff
# notifications and scheduled reminders are not answers to anyone, and are not counted).
AUTOMATIC_PURPOSES = ("acknowledgement", "redirect", "quarantined", "resolved", "reopened",
                      "impersonation", "command_errors", "status")
TICKET_PURPOSES = ("acknowledgement", "resolved", "reopened")  # those to a ticket's customers
# Words of a local part that mark a robot's address (screen.py already silences mailer-daemon@,
# noreply@ and the like outright); split at . - _ + so that `alerts-eu@` counts too.
ROBOT_WORDS = frozenset({
    "alert", "alerts", "auto", "automated", "automailer", "autoreply", "autoresponder", "bot",
    "bounce", "bounces", "ci", "cron", "daemon", "jenkins", "mailer", "monitor", "monitoring",
    "nagios", "noreply", "notification", "notifications", "notify", "robot", "root", "system",
    "zabbix",
})
_LOCAL_WORDS = re.compile(r"[.\-_+=]+")
_TOKEN = re.compile(r"[0-9a-f]{16,}")  # VERP and tracking addresses: a long hex or digit run


def within_cap(settings: Settings, now: datetime, address: str, ticket: Ticket | None = None,
               raw_id: int | None = None, ticket_is_new: bool = False) -> bool:
    """True when one more automatic mail to `address` is allowed. `ticket`: the mail goes to that
    ticket's customers (staff-bound notices pass None: they are not customer-facing);
    `ticket_is_new`: the mail being answered opened it just now, so nothing was sent on it yet."""
    if ticket is not None and not _ticket_within_cap(settings, now, ticket, raw_id, ticket_is_new):
        return False
    if not address:
        return True
    per_hour, per_day, who = allowance(settings, address)
    in_hour, in_day = auto_replies_since(address, now - timedelta(hours=1), now - timedelta(days=1),
                                         AUTOMATIC_PURPOSES)
    if in_hour < per_hour and in_day < per_day:
        return True
    if not capped_since(address, now - timedelta(days=1)):
        detail = (f"{address}: over {per_hour} automatic answers an hour or {per_day} a day "
                  f"({who}); no more until it calms down")
        Event.create(ticket=ticket, raw=raw_id, kind="auto_reply_capped", detail=detail,
                     created_at=now)
        log.warning("automatic answers capped: %s", detail)
        _tell_managers(settings, address, detail, ticket)
    return False


def allowance(settings: Settings, address: str) -> tuple[int, int, str]:
    """Automatic answers allowed to `address` an hour and a day, and which allowance it is."""
    limits = settings.config.main.limits
    if address.lower() in settings.directory.contacts:
        return (limits.contact_auto_replies_per_hour, limits.contact_auto_replies_per_day,
                "a designated contact")
    if looks_automatic(address):
        return (limits.robot_auto_replies_per_hour, limits.robot_auto_replies_per_day,
                "an address that looks automatic")
    return (limits.auto_replies_per_hour, limits.auto_replies_per_day,
            "a sender not named in the accounts file")


def looks_automatic(address: str) -> bool:
    """`alerts@`, `jenkins-ci@`, `no_reply@`, `bounce+2f3a...@`: a robot's, by its local part."""
    local = address.lower().rpartition("@")[0]
    words = set(_LOCAL_WORDS.split(local))
    joined = _LOCAL_WORDS.sub("", local)
    return (bool(words & ROBOT_WORDS) or bool(_TOKEN.search(local))
            or joined.startswith(("noreply", "donotreply")))


def _ticket_within_cap(settings: Settings, now: datetime, ticket: Ticket, raw_id: int | None,
                       new: bool) -> bool:
    limit = settings.config.main.limits.auto_replies_per_ticket_per_day
    day = now - timedelta(days=1)
    if (0 if new else ticket_auto_mail_since(ticket.number, day, TICKET_PURPOSES)) < limit:
        return True
    if not events_since("ticket_auto_mail_capped", ticket.number, day):
        detail = (f"over {limit} automatic mails to the ticket's customers in a day; "
                  "no more until tomorrow")
        Event.create(ticket=ticket, raw=raw_id, kind="ticket_auto_mail_capped", detail=detail,
                     created_at=now)
        log.warning("ticket %d: automatic mail capped: %s", ticket.number, detail)
    return False


def _tell_managers(settings: Settings, address: str, detail: str, ticket: Ticket | None) -> None:
    """Once a day per address, the customer services managers hear of it: a robot, or a person
    who may need a call instead of more automatic mail."""
    managers = [s for s in settings.directory.staff_by_key.values()
                if s.active and "customer_services_manager" in s.roles]
    if not managers:
        return
    rendered = settings.renderer.render(CAPPED_TEMPLATE, {
        "address": address, "detail": detail, "helpdesk_name": settings.config.helpdesk.name,
        "ticket": ticket.number if ticket else None,
    })
    outbox.queue_notice(settings, "auto_reply_capped", rendered, [(m.name, m.emails[
        0]) for m in managers])

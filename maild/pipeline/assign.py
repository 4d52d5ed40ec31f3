"""Step: turn a rule's `route_to` into the staff member who gets the ticket, minding absences.

`account_manager` is the organisation's account manager; while they are away, the organisation's
deputy (if not away too), else the delegate named in the absence. A staff key or
`customer_services_manager` is that person, or their delegate while away. The acknowledgement
names who is covering and until when.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from maild.config import Staff
from maild.pipeline.context import Covering, MailContext
from maild.runtime.directory import Directory

MAX_DELEGATION_HOPS = 5


def assign(ctx: MailContext) -> None:
    route = ctx.route
    if ctx.ticket is not None or route is None or route.route_to in (None, "queue"):
        return
    directory = ctx.settings.directory
    today = ctx.settings.calendar.local_date(ctx.now)
    wanted = _wanted(directory, route.route_to, ctx.sender.organisation if ctx.sender else None)
    if wanted is None:
        ctx.notes.append(
            f"route_to {route.route_to}: nobody to route to, left with queue {route.queue}")
        return
    assignee, covering = _available(directory, wanted, today, route.route_to,
                                    ctx.sender.organisation if ctx.sender else None)
    ctx.route = replace(route, assignee=assignee.key, covering=covering)
    ctx.notes.append(f"routed to {assignee.name}" + (
        f", covering for {covering.absent} until {covering.until}"
                                                    if covering else ""))


def _wanted(directory: Directory, target: str, organisation: str | None) -> Staff | None:
    if target == "account_manager":
        org = directory.organisations.get(organisation or "")
        return directory.staff_by_key.get(org.account_manager or "") if org else None
    if target == "customer_services_manager":
        return next((s for s in directory.staff_by_key.values()
                     if "customer_services_manager" in s.roles and s.active), None)
    return directory.staff_by_key.get(target)


def _available(directory: Directory, wanted: Staff, today: date, target: str,
               organisation: str | None) -> tuple[Staff, Covering | None]:
    absence = wanted.away_on(today)
    if absence is None:
        return wanted, None
    candidates = []
    org = directory.organisations.get(organisation or "")
    if target == "account_manager" and org and org.deputy:
        candidates.append(org.deputy)
    person, hops = wanted, 0
    while hops < MAX_DELEGATION_HOPS and (away := person.away_on(today)) and away.delegate:
        candidates.append(away.delegate)
        person, hops = directory.staff_by_key[away.delegate], hops + 1
    for key in candidates:
        cover = directory.staff_by_key[key]
        if cover.active and cover.away_on(today) is None:
            return cover, Covering(absent=wanted.name, until=absence.until, by=cover.name)
    return wanted, None  # nobody available: it waits for them, as before

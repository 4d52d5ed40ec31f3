"""A dry run of identification and routing for one mail (`maild route --explain`): the read-only
steps only, nothing stored, nothing sent. Reports who the sender is, every rule with why it
matched or not, and what would happen."""

from __future__ import annotations

from typing import Any

import peewee

from maild.pipeline.admit import admit
from maild.pipeline.assign import assign
from maild.pipeline.classify import classify
from maild.pipeline.context import MailContext
from maild.pipeline.identify import identify
from maild.pipeline.limits import check_limits
from maild.pipeline.parse import parse
from maild.pipeline.screen import screen
from maild.pipeline.thread import thread
from maild.runtime import Settings
from maild.store.models import utcnow

READ_ONLY_STEPS = (check_limits, parse, screen, identify, thread, classify, admit, assign)


def explain(settings: Settings, content: bytes, recipients: list[str],
            route_defaults: dict[str, str], threading: bool = True) -> dict[str, Any]:
    ctx = MailContext(raw_id=0, content=content, recipients=tuple(recipients), envelope_from=None,
                      route_defaults=route_defaults, settings=settings, now=utcnow())
    for step in READ_ONLY_STEPS:
        if step is thread and not threading:
            ctx.notes.append("no database yet: threading not checked")
            continue
        try:
            step(ctx)
        except peewee.OperationalError as exc:  # a database without tables yet
            ctx.notes.append(f"threading not checked: {exc}")
    return _report(ctx)


def _report(ctx: MailContext) -> dict[str, Any]:
    sender, route = ctx.sender, ctx.route
    assert sender is not None
    tried = {r.name for r in ctx.rule_results}
    stopper = next((r.name for r in reversed(ctx.rule_results) if r.matched), None)
    rules = [{"name": r.name, "matched": r.matched, "why": r.why} for r in ctx.rule_results]
    rules += [{"name": c.rule.name, "matched": False, "why": f"not tried: rule {stopper!r} matched and stops"}
              for c in ctx.settings.rules if c.rule.name not in tried]
    return {
        "sender": {"kind": sender.kind, "address": sender.address, "organisation": sender.organisation,
                   "role": sender.role, "designated": sender.designated},
        "automatic": ctx.automatic,
        "ticket": ctx.ticket.number if ctx.ticket is not None else None,
        "rules": rules,
        "result": _result(ctx) if route is not None or ctx.ticket is not None else None,
        "notes": ctx.notes,
    }


def _result(ctx: MailContext) -> dict[str, Any]:
    route = ctx.route
    if ctx.ticket is not None or route is None:
        return {"outcome": "reply", "ticket": ctx.ticket.number if ctx.ticket else None,
                "acknowledge": None}
    outcome = "ignored" if ctx.automatic else "redirected" if ctx.redirect else "new ticket"
    covering = route.covering
    return {
        "outcome": outcome,
        "kind": route.kind,
        "priority": route.priority,
        "route": {"queue": route.queue, "to": route.route_to, "assignee": route.assignee,
                  "covering": {"absent": covering.absent, "by": covering.by, "until": covering.until.isoformat()}
                  if covering else None},
        "acknowledge": None if ctx.automatic else "redirect" if ctx.redirect else route.acknowledge,
        "notify": list(route.notify),
        "tags": list(route.tags),
        "subject": route.subject,
    }

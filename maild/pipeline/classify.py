"""Step: decide kind, priority, queue, who it goes to, and the acknowledgement of a new ticket.

Rules are tried in order. Every matching rule applies the actions it sets explicitly, a later
rule's value replacing an earlier one (tags and people to notify add up), until a matching rule
says `stop` (the default). What no rule set comes from where the mail arrived (an IMAP mailbox's
queue and kind), then the file's `defaults`. Each rule's verdict and its reason are kept, for
`maild route --explain` and the ticket's history. The rules are compiled in `maild.runtime.routing`.
"""

from __future__ import annotations

from dataclasses import replace

from maild.pipeline.context import MailContext, Route
from maild.runtime.routing import CompiledRule

def classify(ctx: MailContext) -> None:
    if ctx.ticket is not None:
        return  # a reply keeps its ticket's routing
    assert ctx.mail is not None
    d = ctx.settings.config.routing.defaults
    route = Route(kind=d.kind, priority=d.priority, queue=d.queue, acknowledge=d.acknowledge,
                  rule=None)
    route = replace(route, **{k: v for k, v in ctx.route_defaults.items() if k in ("queue",
                                                                                   "kind")})
    for compiled in ctx.settings.rules:
        result = compiled.evaluate(ctx)
        ctx.rule_results.append(result)
        if not result.matched:
            continue
        route = _apply_actions(route, compiled, ctx.mail.subject)
        ctx.notes.append(f"routing rule {compiled.rule.name!r} matched: {result.why}")
        if compiled.rule.then.stop:
            break
    ctx.route = route


def _apply_actions(route: Route, compiled: CompiledRule, subject: str) -> Route:
    then = compiled.rule.then
    changes: dict = {name: getattr(then, name) for name in ("kind", "priority", "queue",
                                                            "acknowledge", "route_to")
                     if name in then.model_fields_set}
    changes["notify"] = tuple(dict.fromkeys([*route.notify, *then.notify]))
    changes["tags"] = tuple(dict.fromkeys([*route.tags, *then.tags]))
    override = compiled.subject_override(subject)
    if override:
        changes["subject"] = override
    return replace(route, rule=compiled.rule.name, **changes)

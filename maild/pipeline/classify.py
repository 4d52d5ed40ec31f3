"""Step: decide kind, priority, queue and acknowledgement of a new ticket from the routing rules.

Rules are tried in order. Every matching rule applies the actions it sets explicitly, a later
rule's value replacing an earlier one, until a matching rule says `stop` (the default). What no
rule set comes from where the mail arrived (an IMAP mailbox's queue and kind), then the file's
`defaults`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from maild.config import Rule, RoutingFile
from maild.pipeline.context import MailContext, Route
from maild.pipeline.subjects import REPLY_PREFIX


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    subject_regex: re.Pattern[str] | None

    def matches(self, ctx: MailContext) -> bool:
        assert ctx.mail is not None and ctx.sender is not None
        m = self.rule.match
        subject = ctx.mail.subject.lower()
        bare = REPLY_PREFIX.sub("", subject)
        sender = ctx.sender.address or ""
        domain = sender.rpartition("@")[2]
        to_addresses = {*ctx.recipients, *(a for _, a in ctx.mail.to + ctx.mail.cc)}
        checks = [
            not m.subject_contains or any(s.lower() in subject for s in m.subject_contains),
            not m.subject_starts_with or any(bare.startswith(s.lower()) for s in m.subject_starts_with),
            self.subject_regex is None or self.subject_regex.search(ctx.mail.subject) is not None,
            not m.from_address or sender in m.from_address,
            not m.from_domain or any(domain == d or domain.endswith("." + d) for d in m.from_domain),
            not m.to_address or bool(to_addresses & set(m.to_address)),
        ]
        return all(checks)

    def subject_override(self, subject: str) -> str | None:
        """The regex's named group `subject`, when it has one: the escalation's real subject."""
        found = self.subject_regex.search(subject) if self.subject_regex else None
        if found and "subject" in found.groupdict() and found.group("subject"):
            return found.group("subject").strip()
        return None


def compile_rules(routing: RoutingFile) -> list[CompiledRule]:
    return [
        CompiledRule(rule, re.compile(rule.match.subject_regex, re.IGNORECASE) if rule.match.subject_regex else None)
        for rule in routing.rules
    ]


def classify(ctx: MailContext) -> None:
    if ctx.ticket is not None:
        return  # a reply keeps its ticket's routing
    assert ctx.mail is not None
    d = ctx.settings.config.routing.defaults
    route = Route(kind=d.kind, priority=d.priority, queue=d.queue, acknowledge=d.acknowledge, rule=None)
    route = replace(route, **{k: v for k, v in ctx.route_defaults.items() if k in ("queue", "kind")})
    for compiled in ctx.settings.rules:
        if not compiled.matches(ctx):
            continue
        route = _apply_actions(route, compiled, ctx.mail.subject)
        ctx.notes.append(f"routing rule {compiled.rule.name!r} matched")
        if compiled.rule.then.stop:
            break
    ctx.route = route


def _apply_actions(route: Route, compiled: CompiledRule, subject: str) -> Route:
    then = compiled.rule.then
    changes = {name: getattr(then, name) for name in ("kind", "priority", "queue", "acknowledge")
               if name in then.model_fields_set}
    override = compiled.subject_override(subject)
    if override:
        changes["subject"] = override
    return replace(route, rule=compiled.rule.name, **changes)

"""Routing rules compiled once per loaded routing file: each rule a list of checks over a mail.

A check answers whether the mail passes one condition, and why, for `maild route --explain` and
the ticket's history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any, Protocol

from maild.config import Rule, RoutingFile
from maild.runtime.directory import Author
from maild.runtime.subjects import bare_subject


class _Mail(Protocol):
    headers: Message
    subject: str
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    text: str
    attachments: list[Any]


class Routable(Protocol):
    """What the checks read of a mail in the pipeline (its MailContext)."""

    mail: _Mail | None
    sender: Author | None
    recipients: tuple[str, ...]
    settings: Any  # Settings: only its config and calendar are read
    now: datetime


@dataclass(frozen=True)
class RuleResult:
    name: str
    matched: bool
    why: str


Check = Callable[[Routable], tuple[bool, str]]


def _any_of(label: str, wanted: list[str], actual: Callable[[Routable], str | set[str]],
            test: Callable[[str, str], bool]) -> Check:
    """A condition that holds when any wanted value passes `test` against the mail's value(s)."""

    def check(ctx: Routable) -> tuple[bool, str]:
        values = actual(ctx)
        values = values if isinstance(values, set) else {values}
        hit = next((w for w in wanted for v in values if test(v, w)), None)
        if hit is None:
            return False, f"not {label} any of {wanted}"
        return True, f"{label} {hit!r}"

    return check


def _regex(label: str, pattern: re.Pattern[str], actual: Callable[[Routable], str]) -> Check:
    def check(ctx: Routable) -> tuple[bool, str]:
        ok = pattern.search(actual(ctx)) is not None
        return ok, f"{label} {'matches' if ok else 'does not match'} /{pattern.pattern}/"

    return check


def _subject(ctx: Routable) -> str:
    return ctx.mail.subject.lower() if ctx.mail else ""


def _bare_subject(ctx: Routable) -> str:
    """As threading and the ticket see it: without `Re:`/`AW:`/`SV:`... and without our `[#N]`."""
    if ctx.mail is None:
        return ""
    return bare_subject(ctx.mail.subject, ctx.settings.config.helpdesk.tag_prefix).lower()


def _sender(ctx: Routable) -> str:
    return (ctx.sender.address or "") if ctx.sender else ""


def _recipients(ctx: Routable) -> set[str]:
    assert ctx.mail is not None
    return {*ctx.recipients, *(a for _, a in ctx.mail.to + ctx.mail.cc)}


def _domain_test(domain_of_sender: str, wanted: str) -> bool:
    domain = domain_of_sender.rpartition("@")[2]
    return domain == wanted or domain.endswith("." + wanted)


def _build_checks(rule: Rule) -> list[Check]:
    m = rule.match
    contains = lambda value, wanted: wanted.lower() in value.lower()  # noqa: E731
    equals = lambda value, wanted: value == wanted  # noqa: E731
    checks: list[Check] = []
    if m.subject_contains:
        checks.append(_any_of("subject contains", m.subject_contains, _subject, contains))
    if m.subject_starts_with:
        checks.append(_any_of("subject starts with", m.subject_starts_with, _bare_subject,
                              lambda v, w: v.startswith(w.lower())))
    if m.subject_regex:
        checks.append(_regex("subject", re.compile(m.subject_regex, re.I),
                             lambda c: c.mail.subject if c.mail else ""))
    if m.from_address:
        checks.append(_any_of("from", m.from_address, _sender, equals))
    if m.from_domain:
        checks.append(_any_of("from domain", m.from_domain, _sender, _domain_test))
    if m.to_address:
        checks.append(_any_of("sent to", m.to_address, _recipients, equals))
    if m.organisation:
        checks.append(_any_of("organisation", m.organisation,
                              lambda c: c.sender.organisation or "", equals))
    if m.sender_kind:
        checks.append(_any_of("sender is", list(m.sender_kind), lambda c: c.sender.kind, equals))
    if m.contact_role:
        checks.append(_any_of("contact role", list(m.contact_role),
                              lambda c: c.sender.role or "", equals))
    for name, pattern in m.header.items():
        checks.append(_regex(f"header {name}", re.compile(pattern, re.I),
                             lambda c, n=name: str(c.mail.headers.get(n, "")) if c.mail else ""))
    if m.body_contains:
        checks.append(_any_of("body contains", m.body_contains,
                              lambda c: c.mail.text if c.mail else "", contains))
    if m.body_regex:
        checks.append(_regex("body", re.compile(m.body_regex, re.I | re.M),
                             lambda c: c.mail.text if c.mail else ""))
    if m.office_hours:
        inside = m.office_hours == "inside"
        checks.append(lambda c: (c.settings.calendar.is_open(c.now) == inside,
                                 f"{'inside' if c.settings.calendar.is_open(c.now) else 'outside'}"
                                 " office hours"))
    if m.has_attachment is not None:
        checks.append(lambda c: (bool(c.mail.attachments) == m.has_attachment,
                                 "has an attachment" if c.mail.attachments
                                 else "has no attachment"))
    return checks


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    checks: list[Check]
    subject_regex: re.Pattern[str] | None

    def evaluate(self, ctx: Routable) -> RuleResult:
        reasons = []
        for check in self.checks:
            ok, why = check(ctx)
            if not ok:
                return RuleResult(self.rule.name, False, why)
            reasons.append(why)
        why = "; ".join(reasons) or "no conditions: matches every mail"
        return RuleResult(self.rule.name, True, why)

    def subject_override(self, subject: str) -> str | None:
        """The regex's named group `subject`, when it has one: the escalation's real subject."""
        found = self.subject_regex.search(subject) if self.subject_regex else None
        if found and "subject" in found.groupdict() and found.group("subject"):
            return found.group("subject").strip()
        return None


def compile_rules(routing: RoutingFile) -> list[CompiledRule]:
    return [
        CompiledRule(rule, _build_checks(rule),
                     re.compile(rule.match.subject_regex, re.I)
                     if rule.match.subject_regex else None)
        for rule in routing.rules
    ]


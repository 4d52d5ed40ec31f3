"""A dry run of one mail (`maild route --explain`): the same steps as delivery, in one database
transaction that is always rolled back, so nothing is stored, queued or logged as done. Reports
who the sender is, every rule with why it matched or not, and what delivery would do."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from peewee import fn

from maild.arrival import Arrival
from maild.errors import Quarantine
from maild.pipeline.acknowledge import REDIRECT_TEMPLATE
from maild.pipeline.context import MailContext, Outcome
from maild.runtime.signing import dry_run_key
from maild.pipeline.steps import run
from maild.runtime import Settings
from maild.store import raw as raw_store
from maild.store.db import transaction
from maild.store.migrations import migrate
from maild.store.models import Outbox, utcnow

OUTCOMES = {Outcome.OPENED: "new ticket", Outcome.REPLIED: "reply", Outcome.IGNORED: "ignored",
            Outcome.REDIRECTED: "redirected", Outcome.DUPLICATE: "copy"}


class _RollBack(Exception):
    """Raised at the end of the dry run so that its transaction never commits."""


def explain(settings: Settings, arrival: Arrival) -> dict[str, Any]:
    report: dict[str, Any] = {}
    try:
        with _quiet(), dry_run_key(settings.config, settings.reply_addresses), transaction():
            migrate()  # an older schema is brought up to date for the run, and back with it
            report = _report(*_dry_run(settings, arrival))
            raise _RollBack()
    except _RollBack:
        pass
    return report


def _dry_run(settings: Settings, arrival: Arrival) -> tuple[MailContext, list[str]]:
    """Store the raw mail and run every step on it, as `Intake.accept` does; a mail delivery
    would quarantine gets its reason in the notes. Also the purposes of the mail it queued."""
    before = Outbox.select(fn.MAX(Outbox.id)).scalar() or 0
    scope = f"{arrival.scope}:{uuid.uuid4()}"  # its own: the dry run is never a copy of a mail in
    raw, _ = raw_store.save(arrival.content, arrival.source, scope, list(arrival.recipients),
                            arrival.envelope_from, dict(arrival.route_defaults))
    ctx = MailContext(raw_id=raw.id, content=arrival.content, recipients=arrival.recipients,
                      envelope_from=arrival.envelope_from,
                      route_defaults=dict(arrival.route_defaults), settings=settings, now=utcnow())
    try:
        run(ctx)
    except Quarantine as exc:
        ctx.outcome = Outcome.QUARANTINED
        ctx.notes.append(exc.reason)
    except Exception as exc:  # noqa: BLE001 - delivery quarantines the mail; say so and why
        ctx.outcome = Outcome.QUARANTINED
        ctx.notes.append(f"step {ctx.step} failed: {type(exc).__name__}: {exc}")
    return ctx, [row.purpose for row in Outbox.select(Outbox.purpose).where(Outbox.id > before)]


@contextmanager
def _quiet() -> Iterator[None]:
    """The steps log what they queued and opened: not true of a run that is rolled back."""
    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(before)


def _report(ctx: MailContext, queued: list[str]) -> dict[str, Any]:
    sender = ctx.sender
    reply = ctx.outcome is Outcome.REPLIED and ctx.ticket is not None
    return {
        "sender": {"kind": sender.kind, "address": sender.address,
                   "organisation": sender.organisation, "role": sender.role,
                   "designated": sender.designated} if sender else None,
        "automatic": ctx.automatic,
        "ticket": ctx.ticket.number if reply and ctx.ticket else None,
        "rules": _rules(ctx),
        "result": _result(ctx, queued),
        "notes": ctx.notes,
    }


def _rules(ctx: MailContext) -> list[dict[str, Any]]:
    tried = {r.name for r in ctx.rule_results}
    stopper = next((r.name for r in reversed(ctx.rule_results) if r.matched), None)
    why_not = f"not tried: rule {stopper!r} matched and stops" if stopper else "not tried"
    rules = [{"name": r.name, "matched": r.matched, "why": r.why} for r in ctx.rule_results]
    return rules + [{"name": c.rule.name, "matched": False, "why": why_not}
                    for c in ctx.settings.rules if c.rule.name not in tried]


def _result(ctx: MailContext, queued: list[str]) -> dict[str, Any]:
    outcome = OUTCOMES.get(ctx.outcome) or (ctx.outcome.value if ctx.outcome else "")
    route = ctx.route
    if outcome == "reply" or route is None:
        return {"outcome": outcome, "ticket": ctx.ticket.number if ctx.ticket else None,
                "acknowledge": None}
    covering = route.covering
    return {
        "outcome": outcome,
        "kind": route.kind,
        "priority": route.priority,
        "route": {"queue": route.queue, "to": route.route_to, "assignee": route.assignee,
                  "covering": {"absent": covering.absent, "by": covering.by,
                               "until": covering.until.isoformat()} if covering else None},
        "acknowledge": _acknowledgement(ctx, queued),
        "notify": list(route.notify),
        "tags": list(route.tags),
        "subject": route.subject,
    }


def _acknowledgement(ctx: MailContext, queued: list[str]) -> str | None:
    """The template of the acknowledgement the run queued, if it queued one (not to automatic
    mail, nor over the cap, nor without a usable From)."""
    if "acknowledgement" in queued and ctx.route is not None:
        return ctx.route.acknowledge
    return REDIRECT_TEMPLATE if REDIRECT_TEMPLATE in queued else None

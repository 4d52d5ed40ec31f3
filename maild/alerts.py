"""Alerts by mail to the admin: a mailbox failing for longer than `mailbox_down_minutes`, an
OAuth2 token command failing (or its fresh token refused) at once, an outbox whose oldest mail
waits longer than `outbox_stuck_minutes`, `quarantine_at` or more mails in quarantine. Each
problem is mailed once when it starts and once when it clears (an Alert row remembers it), and
logged either way, since an alert about a stuck outbox may itself be stuck.

A mail that failed processing too many times in a row is told about once, when it is held: to
the customer services managers and the alert address, since a customer is waiting on it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from maild.config import Config
from maild.outbound import outbox
from maild.store import health
from maild.store.db import transaction
from maild.store.models import Alert
from maild.runtime.tokens import token_users

from maild.runtime import Settings

if TYPE_CHECKING:
    from maild.pipeline.context import ParsedMail

log = logging.getLogger("maild.alerts")
TEMPLATE = "alert"
GAVE_UP_TEMPLATE = "gave_up"


class Alerter:
    def __init__(self) -> None:
        self.first_seen_failing: dict[str, datetime] = {}

    def problems(self, config: Config, now: datetime) -> dict[str, str]:
        rules = config.main.alerts
        assert rules is not None
        found: dict[str, str] = {}
        for mailbox in config.main.inbound.imap:
            state = health.mailbox_health(mailbox.name, mailbox.folder)
            key = f"mailbox:{mailbox.name}"
            if state["last_error"] is None:
                self.first_seen_failing.pop(key, None)
                continue
            since = self.first_seen_failing.setdefault(key, now)
            if now - since >= timedelta(minutes=rules.mailbox_down_minutes):
                found[key] = (f"mailbox {mailbox.name} failing since {since:%Y-%m-%d %H:%M} UTC: "
                              f"{state['last_error']}")
        for label in token_users(config).values():
            token = health.token_health(label)
            if token["last_error"] is not None:  # at once: a revoked grant does not heal by itself
                found[f"token:{label}"] = (
                    f"OAuth2 token for {label} failing since {token['last_error_at']} UTC: "
                    f"{token['last_error']}"
                )
        box = health.outbox_health()
        if box["oldest_age_seconds"] and box[
            "oldest_age_seconds"] >= rules.outbox_stuck_minutes * 60:
            found["outbox"] = (f"outbox stuck: {box['queued']} mails queued, the oldest for "
                               f"{box['oldest_age_seconds'] // 60} minutes; "
                               f"last error: {box['last_error']}")
        held = health.quarantine_count()
        if held >= rules.quarantine_at:
            found["quarantine"] = (f"{held} mails in quarantine "
                                   "(see `maild quarantine`, re-run with `maild retry`)")
        return found

    def check(self, settings: Settings, now: datetime) -> int:
        """Raise new problems and clear recovered ones; returns how many alert mails were queued."""
        config = settings.config
        current = self.problems(config, now)
        open_alerts = {a.key: a for a in Alert.select().where(Alert.cleared_at.is_null())}
        sent = 0
        for key, detail in current.items():
            if key not in open_alerts:
                with transaction():
                    Alert.create(key=key, detail=detail, raised_at=now)
                    _mail(settings, "PROBLEM", detail)
                log.error("alert raised: %s", detail)
                sent += 1
        for key, alert in open_alerts.items():
            if key not in current:
                with transaction():
                    Alert.update(cleared_at=now).where(Alert.id == alert.id).execute()
                    _mail(settings, "RECOVERED", alert.detail)
                log.info("alert cleared: %s", alert.detail)
                sent += 1
        return sent


def _mail(settings: Settings, state: str, detail: str) -> None:
    config = settings.config
    assert config.main.alerts is not None
    helpdesk = config.helpdesk
    rendered = settings.renderer.render(TEMPLATE, {"state": state, "detail": detail,
                                                   "helpdesk_name": helpdesk.name})
    outbox.queue_notice(settings, "alert", rendered, [("", config.main.alerts.to)])


def tell_gave_up(settings: Settings, raw_id: int, mail: ParsedMail | None, attempts: int,
                 reason: str) -> None:
    """Inside the transaction that quarantines the mail."""
    config = settings.config
    to = [(s.name, s.emails[0]) for s in settings.directory.staff_by_key.values()
          if s.active and "customer_services_manager" in s.roles]
    if config.main.alerts is not None and config.main.alerts.to not in {address for _,
                                                                        address in to}:
        to.append(("", config.main.alerts.to))
    log.error("raw mail %d held after %d failed attempts: %s", raw_id, attempts, reason)
    if not to:
        return
    rendered = settings.renderer.render(GAVE_UP_TEMPLATE, {
        "raw_id": raw_id, "attempts": attempts, "reason": reason,
        "helpdesk_name": config.helpdesk.name,
        "sender": mail.from_address if mail else None, "subject": mail.subject if mail else None,
    })
    outbox.queue_notice(settings, "gave_up", rendered, to)

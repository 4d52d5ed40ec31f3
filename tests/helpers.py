"""Plain helpers that several test modules share: driving intake and reading the outbox, a staff
answer as a mail client writes it, waiting for a condition, sending over SMTP, systemd's notify
socket, and a simulated year of account-management reminders."""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import MaildSetup, write_config
from maild.intake import Arrival, Intake, Outcome
from maild.runtime import Settings
from maild.schedule import reminders
from maild.schedule.scheduler import JobSpec, OccurrenceTrigger, job_specs
from maild.store.models import Outbox, Ticket
from mails import mail

CUSTOMER_MAIL = "dana@bath.example.ac.uk"


# ---------------------------------------------------------------- intake and the outbox

def in_process_settings(setup: MaildSetup) -> Settings:
    """The setup's config loaded, its database opened and migrated, for a watcher run in this
    process."""
    from maild.config import load_config
    from maild.store.db import open_store
    from maild.store.migrations import migrate

    settings = Settings.build(load_config(setup.config))
    open_store(settings.config.database)
    migrate()
    return settings


def accept(intake: Intake, message: EmailMessage, to: str = "helpdesk@example.com") -> Outcome:
    envelope_from = message["From"].addresses[0].addr_spec if message["From"].addresses else None
    return intake.accept(Arrival(message.as_bytes(), "test", "test", [to], envelope_from))


def sent(purpose: str) -> list[EmailMessage]:
    """The outbox's mails of one purpose, oldest first."""
    rows = Outbox.select().where(Outbox.purpose == purpose).order_by(Outbox.id)
    return [message_from_bytes(bytes(o.content), policy=policy.default)  # type: ignore[misc]
            for o in rows]


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def open_ticket(intake: Intake, raw: bytes | None = None,
                **headers: str) -> tuple[Ticket, EmailMessage]:
    """A customer's new ticket, and the notification Alice (helpdesk queue) got for it."""
    content = raw or mail(**headers).as_bytes()
    outcome = intake.accept(Arrival(content, "test", "test", ["helpdesk@example.com"],
                                   CUSTOMER_MAIL))
    assert outcome is Outcome.OPENED
    [note] = [n for n in sent("notification") if "alice@example.com" in n["To"]]
    return Ticket.get(), note


def staff_reply(note: EmailMessage, text: str, sender: str = "Alice Engineer <alice@example.com>",
                **headers: str) -> EmailMessage:
    """What Alice's mail client sends when she answers the notification: to its Reply-To,
    quoting it."""
    quoted = "\n".join("> " + line for line in body(note).splitlines())
    attribution = "On Mon, 23 Nov 2026 at 10:02, Test Helpdesk <helpdesk@example.com> wrote:"
    return mail(sender=sender, to=note["Reply-To"], subject="Re: " + note["Subject"],
                body=f"{text}\n\n{attribution}\n{quoted}\n",
                In_Reply_To=note["Message-ID"], **headers)


# ---------------------------------------------------------------- servers and processes

def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> float:
    """Seconds until `predicate()` held; AssertionError when it did not within `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


def send(port: int, message: EmailMessage) -> None:
    """Hand one mail to the SMTP listener on this loopback port."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


class NotifySocket:
    """A stand-in for systemd's end of the protocol: a real AF_UNIX datagram socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []

    def drain(self, seconds: float) -> list[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.messages.append((time.monotonic(), self.sock.recv(4096).decode()))
            except socket.timeout:
                pass
        return [m for _, m in self.messages]

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, message in self.messages:
                if text in message:
                    return message
            self.drain(0.2)
        raise AssertionError(f"no {text!r} within {timeout}s; got {[m for _, m in self.messages]}")


# ---------------------------------------------------------------- a year of reminders

LONDON = ZoneInfo("Europe/London")
YEAR_ACCOUNTS = """\
staff:
  - {key: alice, name: Alice Engineer, emails: [alice@example.com], roles: [helpdesk, on_call]}
  - {key: bob, name: Bob Account, emails: [bob@example.com], roles: [account_manager]}
  - {key: dave, name: Dave Account, emails: [dave@example.com], roles: [account_manager],
     away: [{from: 2027-08-09, until: 2027-08-13}]}
  - {key: carol, name: Carol Services, emails: [carol@example.com],
     roles: [customer_services_manager]}
queues: {helpdesk: [alice], account-management: [bob, dave], customer-services: [carol]}
organisations:
  - key: newco
    name: New College
    domains: [newco.example]
    account_manager: dave
    deputy: bob
    phase: implementation
    live_from: 2027-07-01
    contract_start: 2026-06-15
    reviews: {monthly_meeting: true, quarterly_review: true, annual_review: true}
    contacts:
      - {name: Kim Admin, email: kim@newco.example, role: admin_manager, verified: 2026-06-15}
      - {name: Sam Senior, email: sam@newco.example, role: senior_decision_maker}
  - key: oldco
    name: Old University
    domains: [oldco.example]
    account_manager: bob
    contract_start: 2024-03-01
    contacts:
      - {name: Dana Admin, email: dana@oldco.example, role: admin_manager, verified: 2026-01-10}
      - {name: Pat Deputy, email: pat@oldco.example, role: admin_manager, position: deputy}
      - {name: Sid Senior, email: sid@oldco.example, role: senior_decision_maker}
"""
YEAR_EXTRA = """\
office_hours: {closures: [2027-04-12]}
reminders: {contact_verification_months: 4, misfire_grace_minutes: 1440}
"""


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


YEAR = (london(2027, 1, 1, 0, 0), london(2027, 12, 31, 23, 59))
DOWN = (london(2027, 3, 8, 8, 0), london(2027, 3, 16, 9, 5))


def write_year_config(directory: Path, database: str | None = None) -> Path:
    """The test config with the reminder year's organisations and staff in accounts.yaml."""
    path = write_config(directory, relay_port=None, smtp_port=2525, extra=YEAR_EXTRA,
                        database=database)
    (path.parent / "accounts.yaml").write_text(YEAR_ACCOUNTS)
    return path


def simulate(settings: Settings, start: datetime, end: datetime,
             down: tuple[datetime, datetime] | None = None,
             restart_at: datetime | None = None) -> None:
    """What `maild run` does, minus the waiting: on start a catch-up pass, then each job at the
    time its trigger names. While down nothing runs; coming back is a start."""
    specs = [s for s in job_specs(settings) if isinstance(s.trigger, OccurrenceTrigger)]
    now = start
    times = _boot(settings, specs, now)
    while True:
        spec, at = min(((s, times[s.id]) for s in specs if times[s.id]), key=lambda pair: pair[1])
        if at > end:
            return
        if down and down[0] <= at < down[1]:
            now, down = down[1], None
            times = _boot(settings, specs, now)
            continue
        if restart_at and at >= restart_at:
            now, restart_at = restart_at, None
            settings = Settings.build(settings.config)  # a new process: only the database is kept
            specs = [s for s in job_specs(settings) if isinstance(s.trigger, OccurrenceTrigger)]
            times = _boot(settings, specs, now)
            continue
        now = at
        spec.run(settings, now)
        times[spec.id] = spec.trigger.get_next_fire_time(at, now)


def _boot(settings: Settings, specs: list[JobSpec], now: datetime) -> dict[str, datetime | None]:
    reminders.process_due(settings, now)  # the catch-up job runs at once
    return {s.id: s.trigger.get_next_fire_time(None, now) for s in specs}

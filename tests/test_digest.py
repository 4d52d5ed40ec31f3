"""The daily digest (issue 26, item 3): each staff member's tickets at the start of office hours,
once a day per person, never on a bank holiday, never to someone away (their delegate gets the
items); the scheduler's trigger; and `maild run` sending one on a working morning.
"""

from __future__ import annotations

import smtplib
import threading
import time
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import Daemon, MaildSetup, SmtpSink, build_intake, free_port, write_config
from maild.intake import Arrival, Intake
from maild.runtime.signing import start_address
from maild.pipeline.steps import STEPS
from maild.runtime import Runtime, Settings
from maild.schedule import digest
from maild.schedule.scheduler import DigestTrigger, job_specs
from maild.store.models import Occurrence, Outbox, Ticket
from mails import mail

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 12, 14, 9, 0, tzinfo=LONDON)  # a working Monday
CHRISTMAS = datetime(2026, 12, 25, 9, 0, tzinfo=LONDON)  # a Friday, a bank holiday
BOB_AWAY = datetime(2026, 12, 22, 9, 0, tzinfo=LONDON)  # Bob is away, Dave covers (accounts.yaml)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return build_intake(tmp_path).runtime.settings


def open_tickets(settings: Settings, *subjects: str) -> list[Ticket]:
    intake = Intake(Runtime(settings), STEPS)
    for subject in subjects:
        intake.accept(Arrival(mail(subject=subject).as_bytes(), "test", "test",
                              ["helpdesk@example.com"], None))
    return list(Ticket.select().order_by(Ticket.number))


def digests() -> dict[str, EmailMessage]:
    found = {}
    for row in Outbox.select().where(Outbox.purpose == "digest").order_by(Outbox.id):
        message = message_from_bytes(bytes(row.content), policy=policy.default)
        assert row.recipients not in found, f"two digests for {row.recipients}"
        found[row.recipients] = message
    return found


def text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def test_working_morning_digest_lists_each_persons_tickets_once(settings: Settings) -> None:
    mine, queue, pending, done = open_tickets(settings, "Export fails", "Login slow",
                                              "Waiting on Dana", "Fixed")
    alices = [mine.number, pending.number]
    Ticket.update(assignee="alice").where(Ticket.number.in_(alices)).execute()
    Ticket.update(status="pending").where(Ticket.number == pending.number).execute()
    Ticket.update(status="resolved").where(Ticket.number == done.number).execute()
    overdue = datetime(2026, 12, 11, 12, 0)
    Ticket.update(resolution_due_at=overdue).where(Ticket.number == mine.number).execute()

    assert digest.process_due(settings, MONDAY - timedelta(minutes=1)) == 0  # before opening
    assert digest.process_due(settings, MONDAY) == 2
    assert digest.process_due(settings, MONDAY + timedelta(hours=1)) == 0  # once a day per person

    sent = digests()
    assert set(sent) == {"alice@example.com", "erin@example.com"}  # the helpdesk queue
    alice, erin = text(sent["alice@example.com"]), text(sent["erin@example.com"])
    assert "Export fails   ** OVERDUE **" in alice
    assert "Waiting on Dana" in alice and "Login slow" in alice
    assert alice.index("Login slow") < alice.index("Waiting on Dana")  # overdue first
    assert "Fixed" not in alice
    assert "Login slow" in erin and "Export fails" not in erin  # alice's own are not erin's
    # Opened a week ago, its response target (a working day) passed; the pending one stands still.
    assert "Login slow   ** OVERDUE **" in alice and "Waiting on Dana   **" not in alice
    assert sent["alice@example.com"]["Subject"].endswith(": 3 open, 2 overdue")
    signer = settings.reply_addresses
    assert signer.make(mine.number, "s-alice") in alice
    assert signer.make(queue.number, "s-erin") in erin
    assert start_address(signer, "alice") in alice
    assert sent["alice@example.com"]["Auto-Submitted"] == "auto-generated"


def test_no_digest_on_a_bank_holiday_or_a_weekend(settings: Settings) -> None:
    open_tickets(settings, "Export fails")
    assert digest.process_due(settings, CHRISTMAS) == 0
    saturday = datetime(2026, 12, 12, 9, 30, tzinfo=LONDON)
    back = datetime(2026, 12, 29, 9, 5, tzinfo=LONDON)
    assert digest.process_due(settings, saturday) == 0
    assert digests() == {}
    assert digest.process_due(settings, back) == 2  # back to work


def test_someone_away_gets_none_and_their_delegate_gets_their_tickets(settings: Settings) -> None:
    [ticket] = open_tickets(settings, "Renewal terms")
    (Ticket.update(assignee="bob", queue="account-management")
     .where(Ticket.number == ticket.number).execute())
    digest.process_due(settings, BOB_AWAY)
    sent = digests()
    assert "bob@example.com" not in sent
    assert "Renewal terms" in text(sent["dave@example.com"])
    assert settings.reply_addresses.make(ticket.number, "s-dave") in text(sent["dave@example.com"])


def test_nothing_open_sends_nothing_but_claims_the_day(settings: Settings) -> None:
    assert digest.process_due(settings, MONDAY) == 0
    claims = Occurrence.select().where(Occurrence.kind == "digest")
    assert claims.count() == 5  # every active staff member
    assert digests() == {}


def test_hosts_at_the_same_moment_send_each_digest_once(settings: Settings) -> None:
    open_tickets(settings, "Export fails")
    barrier = threading.Barrier(4)
    results: list[int] = []

    def host() -> None:
        barrier.wait()
        results.append(digest.process_due(settings, MONDAY))

    threads = [threading.Thread(target=host) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 2 and len(digests()) == 2


def test_trigger_fires_at_office_opening_on_working_days_only(settings: Settings) -> None:
    trigger = DigestTrigger(settings)
    at = trigger.get_next_fire_time(None, datetime(2026, 12, 24, 10, 0, tzinfo=LONDON))
    assert at is not None and at.astimezone(LONDON) == datetime(2026, 12, 29, 9, 0, tzinfo=LONDON)
    assert "digest" in {s.id for s in job_specs(settings)}
    assert "digest" in next(s for s in job_specs(settings) if s.id == "reminder:catch-up").kinds


# ---------------------------------------------------------------- in the real daemon

def office_from(moment: datetime, closed_today: bool = False) -> str:
    """Office hours opening at `moment` (local), every day of the week, optionally shut today."""
    closures = f"[{moment:%Y-%m-%d}]" if closed_today else "[]"
    return (f'office_hours: {{days: [mon, tue, wed, thu, fri, sat, sun], '
            f'start: "{moment:%H:%M:%S}", end: "23:59:59", holidays: null, '
            f'closures: {closures}}}\n')


def start_hosts(tmp_path: Path, sink: SmtpSink, extra: str, hosts: int,
                database: str | None = None) -> list[Daemon]:
    daemons = []
    for i in range(hosts):
        port = free_port()
        directory = tmp_path / f"host{i}"
        config = write_config(directory, relay_port=sink.port, smtp_port=port, extra=extra,
                              database=database)
        daemons.append(Daemon(MaildSetup(directory, config, port)))
    return daemons


def run_morning(tmp_path: Path, sink: SmtpSink, closed_today: bool, hosts: int = 1,
                database: str | None = None) -> list[str]:
    """Tickets arrive before opening; the office opens a few seconds later; who got a digest."""
    opening = datetime.now(LONDON) + timedelta(seconds=8 + 8 * hosts)
    if opening.date() != (opening + timedelta(seconds=30)).date():
        pytest.fail("too close to midnight in London for this test: run it again in a minute")
    daemons = start_hosts(tmp_path, sink, office_from(opening, closed_today), hosts, database)
    try:
        for daemon in daemons:
            daemon.start()
        with smtplib.SMTP("127.0.0.1", daemons[0].setup.smtp_port, timeout=10) as client:
            client.send_message(mail(subject="Export fails"))
        if datetime.now(LONDON) >= opening - timedelta(seconds=1):
            pytest.fail("the hosts took too long to start: the office opened before the ticket")
        time.sleep(max(0.0, (opening - datetime.now(LONDON)).total_seconds()) + 6)
        daemons[0].stop()
        daemons[0].start()  # a restart after the digest went: the catch-up pass runs again at once
        time.sleep(3)
    finally:
        for daemon in daemons:
            if daemon.process is not None:
                assert daemon.stop() == 0, daemon.log.read_text()
    return sorted(r.rcpt_tos[0] for r in sink.received
                  if r.message["Subject"].startswith("Your tickets on"))


def test_maild_run_sends_the_digest_once_on_a_working_morning(tmp_path: Path,
                                                              smtp_sink: SmtpSink) -> None:
    got = run_morning(tmp_path, smtp_sink, closed_today=False)
    assert got == ["alice@example.com", "erin@example.com"]
    [alice] = [r for r in smtp_sink.received if r.rcpt_tos == ["alice@example.com"]
               and r.message["Subject"].startswith("Your tickets on")]
    assert "[#1] Export fails" in alice.message.get_body(("plain",)).get_content()


def test_maild_run_sends_no_digest_when_the_office_is_shut(tmp_path: Path,
                                                           smtp_sink: SmtpSink) -> None:
    assert run_morning(tmp_path, smtp_sink, closed_today=True) == []
    assert smtp_sink.to("alice@example.com")  # the notification of the ticket went: the daemon ran


@pytest.mark.postgres_only
def test_two_hosts_on_postgresql_send_each_digest_once(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    import databases

    url = databases.postgres_database()
    assert run_morning(tmp_path, smtp_sink, closed_today=False, hosts=2, database=url) == \
        ["alice@example.com", "erin@example.com"]

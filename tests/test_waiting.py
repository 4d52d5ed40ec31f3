"""Waiting and closing as people expect (issue 25, item 5): a customer's answer takes a ticket out
of `pending` and restarts its clock; a thank-you does not reopen a resolved ticket; a ticket left
pending gets one reminder to the customer and is resolved after a second period, each once, also
with several hosts at the same moment.

The whole pipeline runs over the test database (SQLite, or PostgreSQL with MAILD_TEST_DATABASE);
what maild would send is read back from the outbox; the sweep is run at chosen moments."""

from __future__ import annotations

import smtplib
import threading
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

from conftest import SmtpSink, build_intake, running
from helpers import accept, body, open_ticket, sent, staff_reply, wait_until
from maild.config import load_config
from maild.intake import Intake, Outcome
from maild.runtime import Settings
from maild.runtime.worktime import OfficeClock, iso_utc
from maild.schedule import waiting
from maild.schedule.agenda import agenda
from maild.store.db import open_store, transaction
from maild.store.models import Event, Message, Occurrence, Outbox, Ticket
from maild.store.queries import waiting_since
from mails import mail

CUSTOMER = "dana@bath.example.ac.uk"


def reply_to(message: EmailMessage, text: str) -> EmailMessage:
    """The customer answers a mail we sent them, quoting it, through its Reply-To."""
    quoted = "\n".join("> " + line for line in body(message).splitlines())
    attribution = "On Mon, 7 Dec 2026 at 10:02, Test Helpdesk <helpdesk@example.com> wrote:"
    return mail(to=message["Reply-To"], subject="Re: " + message["Subject"],
                In_Reply_To=message["Message-ID"], body=f"{text}\n\n{attribution}\n{quoted}\n")


def pending_ticket(intake: Intake) -> tuple[Ticket, EmailMessage]:
    """A ticket staff answered with a question and set pending; the answer the customer got."""
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#pending\nWhich browser do you use?"), to=note["Reply-To"])
    assert Ticket.get_by_id(ticket.number).status == "pending"
    [answer] = sent("answer")
    return Ticket.get_by_id(ticket.number), answer


def history(ticket: Ticket) -> list[tuple[str, str]]:
    events = Event.select().where(Event.ticket == ticket.number).order_by(Event.id)
    return [(e.kind, e.detail) for e in events]


def notifications() -> int:
    return Outbox.select().where(Outbox.purpose == "notification").count()


# ---------------------------------------------------------------- the customer answers

def test_a_customer_reply_on_a_pending_ticket_opens_it_and_restarts_its_clock(
        intake: Intake) -> None:
    ticket, answer = pending_ticket(intake)
    assert ticket.paused_since is not None
    due_before = ticket.resolution_due_at
    told = notifications()
    assert accept(intake, reply_to(answer, "Firefox 120 on Windows.")) is Outcome.REPLIED
    ticket = Ticket.get_by_id(ticket.number)
    assert ticket.status == "open" and ticket.paused_since is None
    assert ticket.resolution_due_at >= due_before  # moved on by the time it waited
    assert ("status", f"pending -> open by customer (a reply from {CUSTOMER})") in history(ticket)
    assert notifications() > told  # staff are told of the answer as of any reply


def test_an_out_of_office_does_not_take_a_ticket_out_of_pending(intake: Intake) -> None:
    ticket, answer = pending_ticket(intake)
    away = reply_to(answer, "I am out of the office until Monday.")
    away["Auto-Submitted"] = "auto-replied"
    accept(intake, away)
    assert Ticket.get_by_id(ticket.number).status == "pending"


def test_a_reply_that_only_thanks_keeps_a_resolved_ticket_resolved(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#resolve\nFixed: the report uses the new dates."),
           to=note["Reply-To"])
    [resolved] = sent("resolved")
    told, mails = notifications(), Outbox.select().count()
    thanks = reply_to(resolved, "Thank you very much!\n\nBest regards,\nDana")
    assert accept(intake, thanks) is Outcome.REPLIED
    ticket = Ticket.get_by_id(ticket.number)
    assert ticket.status == "resolved"
    assert Outbox.select().count() == mails and notifications() == told  # nothing sent, nobody told
    assert Message.select().where((Message.ticket == ticket.number) & (Message.direction == "in")
                                  & Message.text.startswith("Thank you very much!")).count() == 1
    [(_, why)] = [(k, d) for k, d in history(ticket) if k == "thanks"]
    assert "only thanks" in why and "not reopened" in why


def test_thanks_with_anything_more_reopens_as_before(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#resolve\nFixed."), to=note["Reply-To"])
    [resolved] = sent("resolved")
    accept(intake, reply_to(resolved, "Thanks, but the export is still wrong."))
    assert Ticket.get_by_id(ticket.number).status == "open"
    assert len(sent("reopened")) == 1


def test_thanks_with_an_attachment_reopens(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#resolve\nFixed."), to=note["Reply-To"])
    [resolved] = sent("resolved")
    thanks = reply_to(resolved, "Thanks!")
    thanks.add_attachment(b"PNG...", maintype="image", subtype="png", filename="still-wrong.png")
    accept(intake, thanks)
    assert Ticket.get_by_id(ticket.number).status == "open"


def test_a_late_thank_you_opens_no_follow_up_ticket(tmp_path: Path) -> None:
    intake = build_intake(tmp_path, extra="conversations: {reopen_days: 0}\n")
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#resolve\nFixed."), to=note["Reply-To"])
    [resolved] = sent("resolved")
    Ticket.update(resolved_at=datetime(2020, 1, 1)).where(Ticket.number == ticket.number).execute()
    accept(intake, reply_to(resolved, "Danke schön!"))
    assert Ticket.select().count() == 1 and Ticket.get_by_id(ticket.number).status == "resolved"
    accept(intake, reply_to(resolved, "It broke again."))
    assert Ticket.select().count() == 2  # anything more than thanks still opens the follow-up


# ---------------------------------------------------------------- the reminder and the resolution

def moments(intake: Intake, ticket: Ticket) -> tuple[datetime, datetime]:
    """When the reminder is due, and the office moment one minute after it."""
    settings = intake.runtime.settings
    [(_, since)] = [(t, s) for t, s in waiting_since() if t.number == ticket.number]
    days = settings.config.main.conversations.pending_reminder_days
    due = OfficeClock(settings.calendar).add_days(since, days)
    return due, settings.calendar.next_open(due + timedelta(minutes=1)).astimezone(timezone.utc)


def test_a_waiting_ticket_gets_one_reminder_then_is_resolved_once(intake: Intake) -> None:
    settings = intake.runtime.settings
    ticket, _ = pending_ticket(intake)
    due, after = moments(intake, ticket)
    assert waiting.sweep(settings, due - timedelta(minutes=1)) == 0
    assert waiting.sweep(settings, after) == 1
    assert waiting.sweep(settings, after + timedelta(hours=1)) == 0  # once
    [reminder] = sent("pending_reminder")
    assert reminder["To"].addresses[0].addr_spec == CUSTOMER
    assert reminder["Auto-Submitted"] == "auto-generated"
    assert f"[#{ticket.number}]" in reminder["Subject"] and "5 working days" in body(reminder)
    assert Ticket.get_by_id(ticket.number).status == "pending"
    resolve_at = OfficeClock(settings.calendar).add_days(after, 5)
    assert waiting.sweep(settings, resolve_at - timedelta(minutes=1)) == 0
    later = settings.calendar.next_open(resolve_at + timedelta(minutes=1))
    assert waiting.sweep(settings, later) == 1
    assert waiting.sweep(settings, later + timedelta(days=3)) == 0
    ticket = Ticket.get_by_id(ticket.number)
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    [closing] = sent("pending_resolved")
    assert "marked it as resolved" in body(closing)
    kinds = [k for k, _ in history(ticket)]
    assert kinds.count("pending_reminder") == 1 and kinds.count("pending_resolved") == 1
    resolved = ("status", "pending -> resolved by maild (no answer from the customer)")
    assert resolved in history(ticket)


def test_the_agenda_lists_what_a_waiting_ticket_has_coming(intake: Intake) -> None:
    settings = intake.runtime.settings
    ticket, _ = pending_ticket(intake)
    due, after = moments(intake, ticket)
    coming = agenda(settings, datetime.now(timezone.utc), 30)
    [item] = [i for i in coming if i["kind"] == "pending_reminder"]
    assert item == {"kind": "pending_reminder", "organisation": "uni-bath", "ticket": ticket.number,
                    "due_at": iso_utc(due), "recipients": [CUSTOMER]}
    waiting.sweep(settings, after)
    [item] = [i for i in agenda(settings, after, 30) if i["ticket"] == ticket.number]
    assert item["kind"] == "pending_resolved"


def test_an_answer_after_the_reminder_keeps_the_ticket_from_being_resolved(intake: Intake) -> None:
    settings = intake.runtime.settings
    ticket, answer = pending_ticket(intake)
    _, after = moments(intake, ticket)
    assert waiting.sweep(settings, after) == 1
    [reminder] = sent("pending_reminder")
    accept(intake, reply_to(reminder, "Sorry for the delay: Firefox 120."))
    assert Ticket.get_by_id(ticket.number).status == "open"
    assert waiting.sweep(settings, after + timedelta(days=30)) == 0
    assert Ticket.get_by_id(ticket.number).status == "open" and sent("pending_resolved") == []


def test_a_staff_answer_while_waiting_starts_the_wait_again(intake: Intake) -> None:
    settings = intake.runtime.settings
    ticket, _ = pending_ticket(intake)
    first_due, _ = moments(intake, ticket)
    [note] = [n for n in sent("notification") if "alice@example.com" in n["To"]]
    accept(intake, staff_reply(note, "Also: does it happen in Chrome?"), to=note["Reply-To"])
    second_due, _ = moments(intake, ticket)
    assert second_due >= first_due


def test_several_hosts_sweeping_at_once_send_one_reminder(intake: Intake) -> None:
    settings = intake.runtime.settings
    ticket, _ = pending_ticket(intake)
    _, after = moments(intake, ticket)
    barrier = threading.Barrier(4)
    results: list[int] = []

    def host() -> None:
        barrier.wait()
        results.append(waiting.sweep(settings, after))

    threads = [threading.Thread(target=host) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 1
    assert len(sent("pending_reminder")) == 1
    assert Occurrence.select().where(Occurrence.kind == "pending_reminder").count() == 1


def test_no_reminder_when_turned_off(tmp_path: Path) -> None:
    intake = build_intake(tmp_path, extra="conversations: {pending_reminder_days: 0}\n")
    ticket, _ = pending_ticket(intake)
    later = datetime(2027, 6, 1, 10, tzinfo=timezone.utc)
    assert waiting.sweep(intake.runtime.settings, later) == 0
    assert Ticket.get_by_id(ticket.number).status == "pending"


# ---------------------------------------------------------------- through `maild run`

OPEN_ALWAYS = ("office_hours: {days: [mon, tue, wed, thu, fri, sat, sun], start: '00:00', "
               "end: '23:59', holidays: null}\nservice_targets: {sweep_seconds: 0.3}\n")


def backdate(config: Path, ticket: int, kind: str, days: int) -> None:
    """Move the ticket's wait (its status event, or the reminder's claim) `days` into the past,
    as if that much time had gone by, in the daemon's own database."""
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    model = Event if kind == "status" else Occurrence
    with transaction():
        for row in model.select().where((model.ticket == ticket) & (model.kind == kind)):
            (model.update(created_at=row.created_at - timedelta(days=days))
             .where(model.id == row.id).execute())


def test_the_daemon_reminds_then_resolves_a_waiting_ticket_once(tmp_path: Path,
                                                                smtp_sink: SmtpSink) -> None:
    with running(tmp_path, smtp_sink, OPEN_ALWAYS) as setup:
        with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:
            client.send_message(mail(subject="Exports are empty"))
            [note] = smtp_sink.wait_to("alice@example.com", 1)
            client.send_message(staff_reply(note.message, "#pending"),
                                to_addrs=[str(note.message["Reply-To"])])
            [number] = [t["number"] for t in setup.json("tickets")]
            wait_until(lambda: setup.json("ticket", str(number))["status"] == "pending")
            backdate(setup.config, number, "status", 8)
            [reminder] = wait_for_subject(smtp_sink, "Waiting for your answer")
            assert CUSTOMER in reminder.rcpt_tos
            backdate(setup.config, number, "pending_reminder", 8)
            [closing] = wait_for_subject(smtp_sink, "Resolved (no answer received)")
            assert CUSTOMER in closing.rcpt_tos
            time.sleep(1.5)  # several more sweeps: nothing is sent twice
        detail = setup.json("ticket", str(number))
    assert detail["status"] == "resolved"
    kinds = [h["kind"] for h in detail["history"]]
    assert kinds.count("pending_reminder") == 1 and kinds.count("pending_resolved") == 1
    subjects = [str(r.message["Subject"]) for r in smtp_sink.to(CUSTOMER)]
    assert sum("Waiting for your answer" in s for s in subjects) == 1
    assert sum("Resolved (no answer received)" in s for s in subjects) == 1


def wait_for_subject(sink: SmtpSink, words: str, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in sink.received if words in str(r.message["Subject"])]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no mail with {words!r} in its subject within {timeout}s")


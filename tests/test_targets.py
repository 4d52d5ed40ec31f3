"""Service targets: due times over weekends and bank holidays, the clock stopped while pending,
warnings and escalations once each, P1 around the clock. Real SQLite, an explicit clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import build_intake
from maild.runtime import Settings
from maild.schedule import targets
from maild.runtime.worktime import naive_utc
from maild.store.models import Event, Occurrence, Outbox, Ticket

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return build_intake(tmp_path).runtime.settings


def open_ticket(settings: Settings, now: datetime, priority: int,
                assignee: str | None = "erin") -> Ticket:
    ticket = Ticket(subject="Placements vanish", kind="incident", priority=priority,
                    queue="helpdesk",
                    organisation="uni-bath", requester="dana@bath.example.ac.uk", assignee=assignee,
                    created_at=naive_utc(now))
    targets.ticket_opened(ticket, settings, now)
    Ticket.insert_row(ticket)
    return Ticket.get_by_id(ticket.number)


def set_status(settings: Settings, ticket: Ticket, status: str, now: datetime) -> Ticket:
    Ticket.update(status=status).where(Ticket.number == ticket.number).execute()
    ticket = Ticket.get_by_id(ticket.number)
    targets.status_changed(ticket, settings, now)
    return Ticket.get_by_id(ticket.number)


def mails() -> list[tuple[str, list[str]]]:
    return [(o.purpose, o.recipients.split("\n")) for o in Outbox.select().order_by(Outbox.id)]


@pytest.mark.parametrize(("opened", "priority", "response", "resolution"), [
    # Friday before the summer bank holiday: 1.5 hours on Friday, then Tuesday.
    (london(2026, 8, 28, 16, 0), 2, london(2026, 9, 1, 11, 30), london(2026, 9, 3, 16, 0)),
    # Saturday: the clock starts on Monday morning; one working day is Monday, ten end on
    # Friday week.
    (london(2026, 11, 28, 10, 0), 3, london(2026, 11, 30, 17, 30), london(2026, 12, 11, 17, 30)),
    # Over Christmas and the substitute Boxing Day: 23 Dec 12:00 + 3 working days.
    (london(2026, 12, 23, 12, 0), 2, london(2026, 12, 23, 16, 0), london(2026, 12, 30, 12, 0)),
    # Over the spring clock change: Friday 16:00 GMT + 4 office hours is Monday 11:30 BST.
    (london(2026, 3, 27, 16, 0), 2, london(2026, 3, 30, 11, 30), london(2026, 4, 1, 16, 0)),
    # P1 is worked around the clock: 15 minutes, even on a Sunday night; no resolution target.
    (london(2026, 11, 29, 23, 50), 1, london(2026, 11, 30, 0, 5), None),
    # P4: recorded, no target.
    (london(2026, 11, 24, 10, 0), 4, None, None),
])
def test_due_times(settings: Settings, opened: datetime, priority: int, response: datetime | None,
                   resolution: datetime | None) -> None:
    ticket = open_ticket(settings, opened, priority)
    assert ticket.response_due_at == (naive_utc(response) if response else None)
    assert ticket.resolution_due_at == (naive_utc(resolution) if resolution else None)


def test_pending_time_is_not_counted(settings: Settings) -> None:
    ticket = open_ticket(settings, london(2026, 11, 23, 10, 0), 2)  # Monday
    assert ticket.resolution_due_at == naive_utc(london(2026, 11, 26, 10, 0))
    # answered: response met
    ticket = set_status(settings, ticket, "open", london(2026, 11, 23, 11, 0))
    # asked the customer
    ticket = set_status(settings, ticket, "pending", london(2026, 11, 23, 12, 0))
    assert ticket.paused_since == naive_utc(london(2026, 11, 23, 12, 0))
    assert targets.deadlines(settings) == []  # a paused clock owes nothing
    # The customer answers on Friday evening: Monday 12:00 to Friday 17:30 stood still, 4 days
    # 5.5 hours.
    ticket = set_status(settings, ticket, "open", london(2026, 11, 27, 19, 0))
    assert ticket.paused_seconds == int((4 * 8.5 + 5.5) * 3600)
    # Thursday 10:00 + 39.5 hours
    assert ticket.resolution_due_at == naive_utc(london(2026, 12, 2, 15, 30))
    # Resolved and reopened a working day later: another 8.5 hours stood still.
    ticket = set_status(settings, ticket, "resolved", london(2026, 11, 30, 12, 0))
    ticket = set_status(settings, ticket, "open", london(2026, 12, 1, 12, 0))
    assert ticket.resolution_due_at == naive_utc(london(2026, 12, 3, 15, 30))


def test_warning_then_escalation_once_each_in_office_hours(settings: Settings) -> None:
    # response due 17:30, warn at 16:30
    ticket = open_ticket(settings, london(2026, 11, 23, 13, 30), 2)
    assert targets.sweep(settings, london(2026, 11, 23, 16, 29)) == 0
    assert targets.sweep(settings, london(2026, 11, 23, 16, 31)) == 1
    assert targets.sweep(settings, london(2026, 11, 23, 16, 45)) == 0
    assert mails() == [("sla_warning", ["erin@example.com"])]
    # Missed at closing time: the escalation waits for the office to open.
    assert targets.sweep(settings, london(2026, 11, 23, 17, 30)) == 0
    assert targets.sweep(settings, london(2026, 11, 24, 3, 0)) == 0
    assert targets.sweep(settings, london(2026, 11, 24, 9, 0)) == 1
    assert mails()[1] == ("sla_breach", ["carol@example.com"])
    for minute in range(1, 30):  # a minute sweep, and a restart: nothing twice
        targets.sweep(settings, london(2026, 11, 24, 9, minute))
    assert len(mails()) == 2
    [warning, breach] = Outbox.select().order_by(Outbox.id)
    assert b"Subject: [#1] Response target due Monday 23 November 2026 at 17:30 (P2)" in bytes(
        warning.content)
    assert b"Subject: [#1] MISSED response target (P2)" in bytes(breach.content)
    history = [(e.kind, e.detail) for e in Event.select().where(Event.ticket == ticket).order_by(
        Event.id)]
    assert history == [("sla_warning:response",
                        "response target due 2026-11-23 17:30: warning to erin"),
                       ("sla_breach:response",
                        "response target due 2026-11-23 17:30: breach to carol")]
    assert targets.breaches(settings, london(2026, 11, 24, 9, 30)) == 1


def test_p1_pages_on_call_at_once_day_or_night(settings: Settings) -> None:
    # Saturday night, nobody assigned
    open_ticket(settings, london(2026, 11, 28, 3, 0), 1, assignee=None)
    assert targets.sweep(settings, london(2026, 11, 28, 3, 11)) == 0
    assert targets.sweep(settings, london(2026, 11, 28, 3, 12)) == 1  # 75% of 15 minutes
    assert targets.sweep(settings, london(2026, 11, 28, 3, 16)) == 1
    assert targets.sweep(settings, london(2026, 11, 28, 3, 17)) == 0
    # the queue, on call
    assert mails() == [("sla_warning", ["alice@example.com", "erin@example.com"]),
                       ("sla_breach", ["carol@example.com", "alice@example.com"])]


def test_a_late_sweep_escalates_without_a_stale_warning(settings: Settings) -> None:
    ticket = open_ticket(settings, london(2026, 11, 23, 10, 0), 2)
    # both owed: only the escalation
    assert targets.sweep(settings, london(2026, 11, 23, 15, 0)) == 1
    assert mails() == [("sla_breach", ["carol@example.com"])]
    kinds = {(o.kind, o.status) for o in Occurrence.select().where(Occurrence.ticket == ticket)}
    assert kinds == {("sla_warning:response", "superseded"), ("sla_breach:response", "sent")}


def test_response_met_when_the_ticket_leaves_new(settings: Settings) -> None:
    ticket = open_ticket(settings, london(2026, 11, 23, 10, 0), 2)
    set_status(settings, ticket, "open", london(2026, 11, 23, 11, 0))
    assert [(d.target, d.notice) for d in targets.deadlines(settings)] == [("resolution",
                                                                            "warning"),
                                                                           ("resolution", "breach")]
    assert targets.sweep(settings, london(2026, 11, 24, 9, 0)) == 0


def test_a_new_priority_is_a_new_promise(settings: Settings) -> None:
    ticket = open_ticket(settings, london(2026, 11, 23, 10, 0), 3)
    targets.sweep(settings, london(2026, 11, 24, 16, 0))  # P3 response (1 working day) missed
    assert [p for p, _ in mails()] == ["sla_breach"]
    Ticket.update(priority=1).where(Ticket.number == ticket.number).execute()
    ticket = Ticket.get_by_id(ticket.number)
    targets.priority_changed(ticket, settings, london(2026, 11, 24, 16, 5))
    ticket = Ticket.get_by_id(ticket.number)
    assert ticket.response_due_at == naive_utc(london(2026, 11, 24, 16, 20))
    assert targets.sweep(settings, london(2026, 11, 24, 16, 5)) == 1  # on call paged at once
    assert targets.sweep(settings, london(2026, 11, 24, 16, 21)) == 1
    assert mails() == [("sla_breach", ["carol@example.com"]), ("sla_page", ["alice@example.com"]),
                       ("sla_breach", ["carol@example.com", "alice@example.com"])]

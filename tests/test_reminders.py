"""Account-management reminders over a whole simulated year, driven by the scheduler's own
triggers and an explicit clock: exact dates and recipients, a restart mid-year, a week of
downtime, and nothing ever sent twice. Real SQLite; the outbox rows are what would be sent."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import DOWN, LONDON, YEAR, YEAR_ACCOUNTS, london, simulate, write_year_config
from maild.config import load_config
from maild.runtime import Settings
from maild.schedule import reminders
from maild.schedule.scheduler import job_specs
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Event, Occurrence, Outbox, Ticket


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings.build(load_config(write_year_config(tmp_path)))
    open_store(settings.config.database)
    migrate()
    return settings


def sent(kind: str, organisation: str) -> list[tuple[date, list[str]]]:
    rows = Occurrence.select().where((Occurrence.kind == kind) & (
        Occurrence.subject == organisation)
                                     & (Occurrence.status == "sent")).order_by(Occurrence.due_at)
    return [(r.due_at.replace(tzinfo=timezone.utc).astimezone(LONDON).date(), r.recipients.split(
        "\n")) for r in rows]


def dates(kind: str, organisation: str) -> list[date]:
    return [d for d, _ in sent(kind, organisation)]


def mondays(first: date, last: date) -> list[date]:
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def test_a_year_of_reminders(settings: Settings) -> None:
    simulate(settings, *YEAR, down=DOWN, restart_at=london(2027, 7, 1, 12, 0))

    # Weekly check-ins for the implementation phase (until 30 June), 09:30 on Mondays; a bank
    # holiday Monday moves to Tuesday; 8 March was missed in the downtime, 15 March sent late.
    moved = {date(2027, 3, 29): date(2027, 3, 30), date(2027, 5, 3): date(2027, 5, 4),
             date(2027, 5, 31): date(2027, 6, 1),
             date(2027, 4, 12): date(2027, 4, 13)}  # and a closure
    expected = [moved.get(d, d) for d in mondays(date(2027, 1, 4), date(2027, 6, 28)) if d != date(
        2027, 3, 8)]
    assert dates("checkin", "newco") == expected and len(expected) == 25
    assert {tuple(to) for _, to in sent("checkin", "newco")} == {("dave@example.com",)}
    assert dates("checkin", "oldco") == []
    late = Occurrence.get(Occurrence.kind == "checkin", Occurrence.occurs == "2027-03-15")
    assert late.created_at == datetime(2027, 3, 16, 9, 5)  # on coming back, within the day's grace

    # Monthly meetings once live: the first working day of the week of the month's second Monday.
    second_mondays = [date(2027, m, d) for m, d in [(1, 11), (2, 8), (3, 8), (4, 12), (5, 10), (
        6, 14), (7, 12),
                                                     (8, 9), (9, 13), (10, 11), (11, 8), (12, 13)]]
    closure = {date(2027, 4, 12): date(2027, 4, 13)}  # a closure day moves it to the Tuesday
    assert dates("monthly_meeting", "oldco") == [closure.get(
        d, d) for d in second_mondays if d.month != 3]
    assert dates("monthly_meeting", "newco") == second_mondays[6:]
    assert all(settings.calendar.is_working_day(d) for d in dates("monthly_meeting", "oldco"))
    newco_monthly = dict(sent("monthly_meeting", "newco"))
    assert newco_monthly[date(2027, 8, 9)] == ["bob@example.com"]  # Dave away: the deputy
    assert newco_monthly[date(2027, 9, 13)] == ["dave@example.com"]

    # Annual review: a notice six weeks before the anniversary, and one on the day.
    assert sent("annual_review_notice", "oldco") == [(date(2027, 1, 18), ["bob@example.com"])]
    assert sent("annual_review", "oldco") == [(date(2027, 3, 1), ["bob@example.com",
                                                                  "sid@oldco.example"])]
    assert sent("annual_review_notice", "newco") == [(date(2027, 5, 4), ["dave@example.com"])]
    assert sent("annual_review", "newco") == [(date(2027, 6, 15), ["dave@example.com",
                                                                   "sam@newco.example"])]

    # Quarterly reviews where the contract has them (the fourth quarter's is the annual one).
    # 15 March missed
    assert dates("quarterly_review", "newco") == [date(2027, 9, 15), date(2027, 12, 15)]
    assert dates("quarterly_review", "oldco") == []

    # Contact verification every 4 months from the contract start, to the admin managers.
    assert sent("contact_verification", "oldco") == [
        (d, ["dana@oldco.example", "pat@oldco.example", "bob@example.com"])
        for d in (date(2027, 3, 1), date(2027, 7, 1), date(2027, 11, 1))]
    assert dates("contact_verification", "newco") == [date(2027, 2, 15), date(2027, 6, 15), date(
        2027, 10, 15)]

    # The downtime: what was later than the grace is skipped, and each manager told once.
    skipped = {(o.kind, o.subject, o.occurs) for o in Occurrence.select().where(
        Occurrence.status == "skipped")}
    assert skipped == {("checkin", "newco", "2027-03-08"), ("quarterly_review", "newco",
                                                            "2027-03-15"),
                       ("monthly_meeting", "oldco", "2027-03-08")}
    reports = {o.recipients: bytes(o.content) for o in Outbox.select().where(
        Outbox.purpose == "reminder_skipped")}
    assert set(reports) == {"dave@example.com", "bob@example.com"}
    assert b"Missed while maild was down: 2 reminders" in reports["dave@example.com"]
    history = [e.kind for e in Event.select().where(Event.organisation == "newco").order_by(
        Event.id)]
    assert "checkin_skipped" in history and history.count("checkin") == 25

    # Exactly once: one outbox row per sent occurrence, plus the two reports.
    claims = Occurrence.select().where(Occurrence.status == "sent",
                                       Occurrence.kind != "horizon").count()
    assert Outbox.select().count() == claims + 2
    simulate(settings, *YEAR)  # the year again on the same database: a second host, or restarts
    assert Outbox.select().count() == claims + 2


def test_monthly_reminder_carries_last_months_tickets(settings: Settings) -> None:
    for day, subject, status in [(date(2027, 1, 5), "Login slow", "resolved"), (date(
        2027, 1, 20), "Report wrong", "open"),
                                 (date(2027, 2, 1), "Next month", "open")]:
        Ticket.create(subject=subject, kind="incident", priority=3, queue="helpdesk",
                      organisation="oldco",
                      requester="dana@oldco.example", status=status, created_at=datetime.combine(
                          day, datetime.min.time()))
    simulate(settings, london(2027, 2, 1, 0, 0), london(2027, 2, 8, 12, 0))
    [mail] = Outbox.select().where(Outbox.purpose == "monthly_meeting")
    text = bytes(mail.content).decode()
    assert "Their tickets in January 2027: 2 opened (P3: 2), 1 still open." in text
    assert "#1 P3 resolved: Login slow" in text and "Next month" not in text


def test_meeting_notes_reminder_a_day_later_moved_off_the_weekend(settings: Settings) -> None:
    reminders.process_due(settings, london(2027, 1, 1, 0, 0))  # maild ran before the meeting
    reminders.log_meeting("oldco", london(2027, 1, 8, 14, 0), "bob@example.com", london(2027, 1, 8,
                                                                                        16, 0))
    [due] = [r for r in reminders.plan(settings, date(2027, 1, 8), date(
        2027, 1, 12)) if r.kind == "meeting_notes"]
    # Friday 14:00 + 24 hours is Saturday: Monday morning
    assert due.due_at == london(2027, 1, 11, 9, 0)
    notes = ("meeting_notes",)
    assert reminders.process_due(settings, london(2027, 1, 10, 12, 0), notes) == 0
    assert reminders.process_due(settings, london(2027, 1, 11, 9, 1), notes) == 1
    assert reminders.process_due(settings, london(2027, 1, 11, 9, 2), notes) == 0
    [mail] = Outbox.select().where(Outbox.purpose == "meeting_notes")
    assert mail.recipients == "bob@example.com"
    assert b"Meeting notes due: Old University, Friday 08 January 2027 at 14:00" in bytes(
        mail.content)


def test_two_hosts_at_the_same_moment_send_once(settings: Settings) -> None:
    reminders.process_due(settings, london(2027, 1, 11, 8, 0))
    now = london(2027, 1, 11, 9, 0)  # oldco's monthly meeting reminder and newco's check-in are due
    barrier = threading.Barrier(4)
    results: list[int] = []

    def host() -> None:
        barrier.wait()
        results.append(reminders.process_due(settings, now))

    threads = [threading.Thread(target=host) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 1  # the check-in is at 09:30: only the monthly reminder is due
    assert Outbox.select().count() == 1


def test_plan_lists_who_gets_what_when(settings: Settings) -> None:
    reminders.process_due(settings, london(2027, 1, 1, 0, 0))
    upcoming = [r.as_json() for r in reminders.upcoming(settings, london(2027, 1, 1, 0, 0), 14)]
    assert upcoming == [
        {"kind": "checkin", "organisation": "newco", "ticket": None,
         "due_at": "2027-01-04T09:30:00Z",
         "recipients": ["dave@example.com"]},
        {"kind": "monthly_meeting", "organisation": "oldco", "ticket": None,
         "due_at": "2027-01-11T09:00:00Z",
         "recipients": ["bob@example.com"]},
        {"kind": "checkin", "organisation": "newco", "ticket": None,
         "due_at": "2027-01-11T09:30:00Z",
         "recipients": ["dave@example.com"]},
    ]


def test_stable_job_ids(settings: Settings) -> None:
    ids = sorted(spec.id for spec in job_specs(settings))
    assert ids == ["digest",
                   "reminder:annual_review:newco", "reminder:annual_review:oldco",
                   "reminder:catch-up",
                   "reminder:checkin:newco", "reminder:contact_verification:newco",
                   "reminder:contact_verification:oldco", "reminder:meeting_notes",
                   "reminder:monthly_meeting:newco",
                   "reminder:monthly_meeting:oldco", "reminder:quarterly_review:newco", "sla:sweep",
                   "waiting:sweep"]


def test_jobs_follow_the_accounts_file_on_reload(settings: Settings) -> None:
    from maild.runtime import Runtime
    from maild.schedule.scheduler import Scheduler

    async def unused(*args: object) -> None:
        raise AssertionError("no job runs in this test")

    runtime = Runtime(settings)
    scheduler = Scheduler(runtime, unused, lambda: None, clock=lambda: london(2027, 1, 1, 0, 0))
    scheduler.rebuild()
    before = {job.id for job in scheduler.apscheduler.get_jobs()}
    assert "reminder:checkin:newco" in before and "reminder:monthly_meeting:oldco" in before
    accounts = settings.config.path.parent / "accounts.yaml"
    accounts.write_text(YEAR_ACCOUNTS
                        .replace("    phase: implementation\n    live_from: 2027-07-01\n", "")
                        .replace("monthly_meeting: true, ", "monthly_meeting: false, "))
    assert runtime.reload()
    scheduler.rebuild()
    after = {job.id for job in scheduler.apscheduler.get_jobs()}
    assert before - after == {"reminder:checkin:newco", "reminder:monthly_meeting:newco"}
    assert after - before == set()


# ---------------------------------------------------------------- `maild reminders`

def _moments(setup, number: int) -> dict[str, datetime]:  # noqa: ANN001
    import databases
    [row] = databases.query(setup.config,
                            "SELECT sla_since, response_due_at, created_at FROM ticket "
                            "WHERE number = ?",
                            (number,))
    return {name: value if isinstance(value, datetime) else datetime.fromisoformat(value)
            for name, value in zip(("sla_since", "response_due_at", "created_at"), row)}


def test_reminders_command_lists_service_target_notices_and_account_reminders(
        offline_setup) -> None:  # noqa: ANN001
    import databases
    from conftest import ROOT
    outage = (ROOT / "tests" / "data" / "routing" / "outage-subject.eml").read_bytes()
    assert offline_setup.cli("deliver", input=outage).stdout == b"opened\n"
    # The outage came in 20 minutes ago: its P1 response target (15 minutes, any hour; warned at
    # 75%) is missed already, so both notices are owed now.
    moments = _moments(offline_setup, 1)
    databases.query(offline_setup.config,
                    "UPDATE ticket SET sla_since = ?, response_due_at = ?, created_at = ? "
                    "WHERE number = 1", [(m - timedelta(minutes=20)).isoformat(
                        sep=" ") for m in moments.values()])
    moments = _moments(offline_setup, 1)
    assert moments["response_due_at"] - moments["sla_since"] == timedelta(minutes=15)

    items = offline_setup.json("reminders", "--days", "62")
    assert [i["due_at"] for i in items] == sorted(i["due_at"] for i in items)
    ticket = [i for i in items if i["ticket"] == 1]
    utc = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    assert ticket == [
        {"kind": "sla_warning:response", "organisation": "uni-bath", "ticket": 1, "overdue": True,
         "due_at": utc(moments["sla_since"] + timedelta(minutes=11, seconds=15)),
         # the helpdesk queue; Alice is on call too
         "recipients": ["alice@example.com", "erin@example.com"]},
        {"kind": "sla_breach:response", "organisation": "uni-bath", "ticket": 1, "overdue": True,
         "due_at": utc(moments["response_due_at"]), "recipients": ["carol@example.com",
                                                                   "alice@example.com"]},
    ]
    accounts = [i for i in items if i["ticket"] is None]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert all(now <= i["due_at"] for i in accounts)
    checkins = [i for i in accounts if i["kind"] == "checkin"]
    # only it is in its implementation phase
    assert {i["organisation"] for i in checkins} == {"brookes"}
    assert 8 <= len(checkins) <= 10 and all(i["recipients"][
        0] == "dave@example.com" for i in checkins)
    monthly = [i for i in accounts if i["kind"] == "monthly_meeting"]
    # live: Bath alone
    assert {i["organisation"] for i in monthly} == {"uni-bath"} and len(monthly) in (2, 3)

    soon = offline_setup.json("reminders", "--days", "1")
    assert [i for i in soon if i["ticket"] == 1] == ticket
    assert all(i in items for i in soon) and len(soon) < len(items)
    text = offline_setup.cli("reminders", "--days", "1").stdout.decode()
    assert "sla_breach:response" in text and "ticket #1" in text and "owed now" in text

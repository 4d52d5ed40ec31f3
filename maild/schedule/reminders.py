"""Account-management reminders: when each is due, to whom, and sending each exactly once.

`occurrences` is a pure function of (accounts, calendar, reminder settings, meetings, date range):
the whole plan, which the scheduler's triggers, `maild reminders` and the tests all read. Per
organisation (the charter's contact schedule):

- `checkin`: weekly (day and time from config) while the organisation is in implementation;
- `monthly_meeting`: once live, a reminder to arrange it in the second week of the month (the week
  of its second Monday), on that week's first working day, with last month's ticket summary and
  the account review pack (`maild.report.pack`: HTML with a plain-text alternative);
- `quarterly_review`: where the contract has one, 3, 6 and 9 months after each anniversary;
- `annual_review_notice` some weeks before the contract anniversary (with the pack for the contract
  year so far), `annual_review` on the day;
- `contact_verification`: to the admin managers every N months from the contract start, listing
  the contacts on record;
- `meeting_notes`: a day after a meeting staff logged (`log_meeting`).

A reminder whose day is not a working day moves to the next working day. Its occurrence key is
(kind, organisation, its own date before the move). `process_due` sends what is due in one
transaction per occurrence (claim + outbox); what is later than the misfire grace is recorded as
skipped instead, and each account manager gets one mail listing what they missed.
"""

from __future__ import annotations

import calendar as months
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import peewee

from maild import defaults
from maild.config import Organisation, Reminders, Staff
from maild.runtime.directory import Directory
from maild.report.pack import contract_year, last_month, pack
from maild.runtime.calendar import BusinessCalendar
from maild.schedule.claims import Claim, addresses, claim_and_send, insert_claim, queue_mail, record
from maild.runtime.worktime import as_utc, iso_utc, naive_utc
from maild.store.db import transaction
from maild.store.models import Event, Meeting, Occurrence, Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings

log = logging.getLogger("maild.schedule")
KINDS = ("checkin", "monthly_meeting", "quarterly_review", "annual_review_notice", "annual_review",
         "contact_verification", "meeting_notes")
LABELS = {"checkin": "weekly check-in", "monthly_meeting": "monthly meeting",
          "quarterly_review": "quarterly review",
          "annual_review_notice": "annual service review notice",
          "annual_review": "annual service review",
          "contact_verification": "contact details check", "meeting_notes": "meeting notes"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# an Occurrence key: when reminders were first processed
HORIZON = ("horizon", "reminders", "first-pass")


@dataclass(frozen=True)
class Reminder:
    kind: str
    organisation: str  # key
    occurs: str  # ISO date (or time, for meeting notes) of the occurrence itself, before any move
    due_at: datetime  # aware, office time zone: when it is sent
    to: tuple[tuple[str, str], ...]  # (name, address)
    # extra facts for the template (the meeting, the review date)
    detail: tuple[tuple[str, Any], ...] = ()

    @property
    def claim(self) -> Claim:
        return Claim(kind=self.kind, subject=self.organisation, occurs=self.occurs,
                     due_at=naive_utc(self.due_at),
                     organisation=self.organisation)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "organisation": self.organisation, "ticket": None,
                "due_at": iso_utc(self.due_at),
                "recipients": [address for _, address in self.to]}


@dataclass(frozen=True)
class LoggedMeeting:
    organisation: str
    held_at: datetime  # naive UTC
    logged_by: str  # address


# ---------------------------------------------------------------- the plan (pure)

def occurrences(directory: Directory, calendar: BusinessCalendar, config: Reminders, first: date,
                last: date,
                meetings: Iterable[LoggedMeeting] = (), kinds: Iterable[str] = KINDS,
                organisation: str | None = None) -> list[Reminder]:
    """Every reminder due (after moving to a working day) from `first` to `last` inclusive,
    by time."""
    wanted = set(kinds)
    plan = Planner(directory, calendar, config)
    found = [r for org in directory.organisations.values() if organisation in (None, org.key)
             for r in plan.for_organisation(org, first, last) if r.kind in wanted]
    if "meeting_notes" in wanted:
        found += [plan.meeting_notes(m) for m in meetings if organisation in (None, m.organisation)
                  and m.organisation in directory.organisations]
    return sorted((r for r in found if first <= r.due_at.date() <= last), key=lambda r: (r.due_at,
                                                                                         r.kind))


class Planner:
    """Nominal dates per kind, moved to working days, with their recipients."""

    # a nominal date this far before `first` may still move into range
    MOVE_MARGIN = timedelta(days=21)

    def __init__(self, directory: Directory, calendar: BusinessCalendar, config: Reminders) -> None:
        self.directory, self.calendar, self.config = directory, calendar, config

    def for_organisation(self, org: Organisation, first: date, last: date) -> Iterator[Reminder]:
        start = first - self.MOVE_MARGIN
        for day in _days(start, last):
            if day.weekday() == WEEKDAYS.index(self.config.checkin.day) and org.phase_on(
                day) == "implementation":
                yield self._make("checkin", org, day, self.config.checkin.at)
            if org.reviews.monthly_meeting and day == _second_monday(day) and org.phase_on(
                day) == "live":
                yield self._make("monthly_meeting", org, day)
        if org.contract_start is not None:
            yield from self._contract(org, org.contract_start, start, last)
        anchor = org.contract_start or date(2000, 1, 1)
        step = self.config.contact_verification_months
        for n in _month_steps(anchor, step, start, last):
            yield self._make("contact_verification", org, _add_months(anchor, n))

    def _contract(self, org: Organisation, begun: date, start: date, last: date) -> Iterator[
        Reminder]:
        notice = timedelta(weeks=self.config.annual_notice_weeks)
        for n in _month_steps(begun, 3, start, last + notice):
            day = _add_months(begun, n)
            # the fourth quarter's review is the annual one
            if n % 12 and org.reviews.quarterly_review:
                yield self._make("quarterly_review", org, day)
            if n % 12 == 0 and org.reviews.annual_review:
                yield self._make("annual_review_notice", org, day - notice, review=day)
                yield self._make("annual_review", org, day, review=day)

    def _make(self, kind: str, org: Organisation, day: date, at: time | None = None,
              **detail: Any) -> Reminder:
        moved = self.calendar.next_working_day(day)
        due = datetime.combine(moved, at or self.config.send_at, tzinfo=self.calendar.zone)
        return Reminder(kind, org.key, day.isoformat(), due, tuple(self._recipients(kind, org,
                                                                                    moved)),
                        tuple(detail.items()))

    def meeting_notes(self, meeting: LoggedMeeting) -> Reminder:
        org = self.directory.organisations[meeting.organisation]
        due = self.calendar.next_open(as_utc(meeting.held_at) + timedelta(
            hours=self.config.meeting_notes_hours))
        staff = self.directory.staff.get(meeting.logged_by)
        to = [(staff.name if staff else "", meeting.logged_by), *self._recipients("meeting_notes",
                                                                                  org, due.date())]
        return Reminder("meeting_notes", org.key, meeting.held_at.isoformat(timespec="seconds"),
                        due,
                        tuple(dict((a, (n, a)) for n, a in to).values()),
                        (("held", as_utc(meeting.held_at)), ("logged_by", meeting.logged_by)))

    def _recipients(self, kind: str, org: Organisation, day: date) -> list[tuple[str, str]]:
        manager = self.account_manager(org, day)
        staff = addresses([manager]) if manager else []
        if kind == "contact_verification":
            return [(c.name, c.email) for c in org.admin_managers()] + staff
        if kind == "annual_review":
            return staff + [(c.name, c.email) for c in org.senior_decision_makers()]
        return staff

    def account_manager(self, org: Organisation, day: date) -> Staff | None:
        """The account manager, or while they are away the deputy, else their named delegate."""
        people = self.directory.staff_by_key
        manager = people.get(org.account_manager or "")
        if manager is None:
            return None
        away = manager.away_on(day)
        cover = [people.get(org.deputy or ""), people.get(away.delegate or "") if away else None]
        available = [p for p in cover if p is not None and p.active and p.away_on(day) is None]
        return available[0] if away and available else manager


def _days(first: date, last: date) -> Iterator[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _second_monday(day: date) -> date:
    first_monday = 1 + (7 - date(day.year, day.month, 1).weekday()) % 7
    return date(day.year, day.month, first_monday + 7)


def _add_months(day: date, n: int) -> date:
    """The same day of the month `n` months later (the month's last day when it is shorter)."""
    year, month = divmod(day.month - 1 + n, 12)
    year += day.year
    return date(year, month + 1, min(day.day, months.monthrange(year, month + 1)[1]))


def _month_steps(anchor: date, step: int, first: date, last: date) -> Iterator[int]:
    """Multiples n of `step` (n > 0) with anchor + n months within [first, last]."""
    n = step
    while (day := _add_months(anchor, n)) <= last:
        if day >= first:
            yield n
        n += step


# ---------------------------------------------------------------- doing it, once

def log_meeting(organisation: str, held_at: datetime, logged_by: str, now: datetime) -> Meeting:
    """Record a meeting with an organisation (staff's `#meeting` command, inside its transaction):
    the meeting-notes reminder becomes an occurrence `meeting_notes_hours` later."""
    meeting = Meeting.create(organisation=organisation, held_at=naive_utc(held_at),
                             logged_by=logged_by,
                             logged_at=naive_utc(now))
    Event.create(organisation=organisation, kind="meeting_logged", created_at=naive_utc(now),
                 detail=f"meeting held {naive_utc(held_at):%Y-%m-%d %H:%M} UTC, "
                        f"logged by {logged_by}")
    return meeting


def plan(settings: Settings, first: date, last: date, kinds: Iterable[str] = KINDS,
         organisation: str | None = None) -> list[Reminder]:
    """`occurrences` with the meetings logged in the database."""
    since = datetime.combine(first, time()) - timedelta(days=7)
    meetings = [LoggedMeeting(m.organisation, m.held_at, m.logged_by)
                for m in Meeting.select().where(Meeting.held_at >= since)]
    return occurrences(settings.directory, settings.calendar, settings.config.main.reminders, first,
                       last,
                       meetings, kinds, organisation)


def process_due(settings: Settings, now: datetime, kinds: Iterable[str] = KINDS,
                organisation: str | None = None) -> int:
    """Send every reminder due by `now` and not yet claimed; returns the mails queued."""
    config = settings.config.main.reminders
    if not config.enabled:
        return 0
    horizon = _horizon(now)
    first = max(horizon, as_utc(now) - timedelta(days=defaults.REMINDER_LOOKBACK_DAYS))
    due = [r for r in plan(settings, settings.calendar.local_date(first),
                           settings.calendar.local_date(now),
                           kinds, organisation)
           if first <= as_utc(r.due_at) <= as_utc(now)]
    claimed = _claimed(due)
    grace = timedelta(minutes=config.misfire_grace_minutes)
    sent, missed = 0, []
    for reminder in (r for r in due if (r.kind, r.organisation, r.occurs) not in claimed):
        if as_utc(now) - as_utc(reminder.due_at) > grace:
            missed.append(reminder)
        else:
            sent += _send(settings, reminder, now)
    return sent + _report_missed(settings, missed, now)


def _horizon(now: datetime) -> datetime:
    """When reminders were first processed here: nothing due before it is sent or reported
    (a fresh install does not announce a year of missed reminders)."""
    record(Claim(*HORIZON, due_at=naive_utc(now)), "sent", naive_utc(now))
    row = Occurrence.get((Occurrence.kind == HORIZON[0]) & (Occurrence.subject == HORIZON[1]))
    return as_utc(row.due_at)


def _claimed(reminders: list[Reminder]) -> set[tuple[str, str, str]]:
    if not reminders:
        return set()
    rows = Occurrence.select(Occurrence.kind, Occurrence.subject, Occurrence.occurs).where(
        Occurrence.subject.in_({r.organisation for r in reminders}) & Occurrence.kind.in_({
            r.kind for r in reminders})
        & Occurrence.occurs.in_({r.occurs for r in reminders}))
    return {(r.kind, r.subject, r.occurs) for r in rows}


def _send(settings: Settings, reminder: Reminder, now: datetime) -> int:
    org = settings.directory.organisations[reminder.organisation]
    context = _context(settings, reminder, org, now)
    history = f"{LABELS[reminder.kind]} ({reminder.occurs}) sent to " + ", ".join(a for _,
                                                                                  a in reminder.to)
    return int(claim_and_send(settings, reminder.claim, reminder.kind, context, list(reminder.to),
                              history,
                              naive_utc(now)))


def _context(settings: Settings, reminder: Reminder, org: Organisation, now: datetime) -> dict[str,
                                                                                               Any]:
    local = reminder.due_at.astimezone(settings.calendar.zone)
    manager = settings.directory.staff_by_key.get(org.account_manager or "")
    detail = dict(reminder.detail)
    context: dict[str, Any] = {
        "organisation": org.name, "organisation_key": org.key, "date": f"{local:%A %d %B %Y}",
        "recipient_name": " and ".join(n for n, _ in reminder.to if n) or org.name,
        "account_manager": manager.name if manager else "your account manager",
        "contacts": _contacts(org, local.date(),
                              settings.config.main.reminders.contact_verification_months),
        "main_contacts": [_contact(c) for c in org.admin_managers()],
        "senior_contacts": [_contact(c) for c in org.senior_decision_makers()],
        "months": settings.config.main.reminders.contact_verification_months,
        "hours": f"{settings.config.main.reminders.meeting_notes_hours:g}",
        "month": f"{local:%B %Y}",
    }
    if "review" in detail:
        context["review_date"] = f"{detail['review']:%A %d %B %Y}"
    if "held" in detail:
        context[
            "held"] = f"{detail['held'].astimezone(settings.calendar.zone):%A %d %B %Y at %H:%M}"
        context["logged_by"] = detail["logged_by"]
    if reminder.kind == "monthly_meeting":
        context["summary"] = month_summary(settings, org.key, local.date())
        period = last_month(local.date())
        context["pack"] = pack(settings, org.key, period, now, f"{period.first:%B %Y}")
    if reminder.kind == "annual_review_notice":
        period = contract_year(detail["review"], local.date())
        context["pack"] = pack(settings, org.key, period, now,
                               f"the contract year from {period.first:%d %B %Y} "
                               f"(to {period.last:%d %B %Y} so far)")
    return context


def _contact(contact: Any) -> dict[str, Any]:
    return {"name": contact.name, "email": contact.email, "role": contact.role,
            "position": contact.position,
            "primary_user": contact.primary_user, "verified": contact.verified}


def _contacts(org: Organisation, today: date, months_between: int) -> list[dict[str, Any]]:
    stale_before = _add_months(today, -months_between)
    return [{**_contact(c), "stale": c.verified is None or c.verified < stale_before}
            for c in org.contacts if c.active]


def month_summary(settings: Settings, organisation: str, today: date) -> dict[str, Any]:
    """The organisation's tickets opened in the month before `today`'s month (office time zone)."""
    this_month = today.replace(day=1)
    last_month = _add_months(this_month, -1)
    bounds = [naive_utc(datetime.combine(d, time(), tzinfo=settings.calendar.zone)) for d in (
        last_month, this_month)]
    tickets = list(Ticket.select().where((Ticket.organisation == organisation) & (
        Ticket.created_at >= bounds[0])
                                         & (Ticket.created_at < bounds[1])).order_by(Ticket.number))
    by_priority: dict[int, int] = defaultdict(int)
    for ticket in tickets:
        by_priority[ticket.priority] += 1
    return {"month": f"{last_month:%B %Y}", "count": len(tickets), "by_priority": sorted(
        by_priority.items()),
            "still_open": sum(t.status not in ("resolved", "closed") for t in tickets),
            "tickets": [{"number": t.number, "subject": t.subject, "status": t.status,
                         "priority": t.priority}
                        for t in tickets]}


def _report_missed(settings: Settings, missed: list[Reminder], now: datetime) -> int:
    """Record each missed reminder as skipped, and tell each account manager once, in one
    transaction per manager: the claims and the mail commit together or not at all."""
    by_manager: dict[tuple[str, str], list[Reminder]] = defaultdict(list)
    planner = Planner(settings.directory, settings.calendar, settings.config.main.reminders)
    for reminder in missed:
        manager = planner.account_manager(settings.directory.organisations[reminder.organisation],
                                          settings.calendar.local_date(now))
        if manager is not None:
            by_manager[addresses([manager])[0]].append(reminder)
    queued = 0
    for to, reminders in by_manager.items():
        try:
            with transaction():
                for reminder in reminders:
                    _skip(reminder, now)
                queue_mail(settings, "reminder_skipped", "reminder_skipped", {
                    "recipient_name": to[0], "grace": _duration(
                        settings.config.main.reminders.misfire_grace_minutes),
                    "missed": [{"due": f"{r.due_at:%a %d %b %Y %H:%M}", "what": LABELS[r.kind],
                                "organisation": settings.directory.organisations[
                                    r.organisation].name}
                               for r in reminders]}, [to])
        except peewee.IntegrityError:
            continue  # another host reported them first
        queued += 1
        log.warning("%d missed reminders skipped and reported to %s", len(reminders), to[1])
    return queued


def _skip(reminder: Reminder, now: datetime) -> None:
    insert_claim(reminder.claim, "skipped", [], naive_utc(now))
    Event.create(organisation=reminder.organisation, kind=f"{reminder.kind}_skipped",
                 created_at=naive_utc(now),
                 detail=f"{LABELS[reminder.kind]} ({reminder.occurs}) due "
                        f"{as_utc(reminder.due_at):%Y-%m-%d %H:%M} "
                        "UTC missed while maild was down; the account manager was told")


def _duration(minutes: float) -> str:
    return f"{minutes / 60:g} hours" if minutes >= 60 else f"{minutes:g} minutes"


def upcoming(settings: Settings, now: datetime, days: int) -> list[Reminder]:
    """Reminders due from now to `days` ahead that nobody has handled yet."""
    today = settings.calendar.local_date(now)
    found = [r for r in plan(settings, today, today + timedelta(days=days)) if as_utc(
        r.due_at) >= as_utc(now)]
    claimed = _claimed(found)
    return [r for r in found if (r.kind, r.organisation, r.occurs) not in claimed]

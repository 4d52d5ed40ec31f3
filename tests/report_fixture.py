"""A month of service, April 2026, played through the real pipeline at chosen moments (the intake's
clock seam): customers' mails and staff replies with #commands through their signed addresses,
across a weekend, Good Friday and Easter Monday, a night-time P1, priority changes, a ticket
waiting on the customer, and tickets either side of the period's first midnight (BST).

Times are Europe/London. The hand-computed figures are in tests/test_report.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import write_config
from maild.config import load_config
from maild.intake import Arrival, Intake, Outcome
from maild.pipeline.steps import STEPS
from maild.runtime.signing import staff_role
from maild.runtime import Runtime, Settings
from maild.runtime.worktime import naive_utc
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Ticket
from mails import mail

LONDON = ZoneInfo("Europe/London")
STAFF = {"alice": "Alice Engineer <alice@example.com>", "erin": "Erin Engineer <erin@example.com>",
         "carol": "Carol Services <carol@example.com>"}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


class Month:
    """The intake with a settable clock, and the tickets opened so far by a short name."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings = Settings.build(load_config(write_config(tmp_path, relay_port=None,
                                                                smtp_port=2525)))
        open_store(self.settings.config.database)
        migrate()
        self.now = london(2026, 3, 1, 0, 0)
        self.intake = Intake(Runtime(self.settings), STEPS, clock=lambda: naive_utc(self.now))
        self.numbers: dict[str, int] = {}

    def at(self, moment: datetime) -> Month:
        self.now = moment
        return self

    def customer(self, name: str, sender: str, subject: str, body: str = "Please help.") -> None:
        """A new ticket from a customer; remembered as `name`."""
        self._accept(mail(sender=sender, subject=subject, body=body), "helpdesk@example.com",
                     Outcome.OPENED)
        self.numbers[name] = Ticket.select().order_by(Ticket.number.desc()).get().number

    def customer_reply(self, name: str, sender: str, body: str) -> None:
        number = self.numbers[name]
        reply_to = self.settings.reply_addresses.make(number, "c")
        self._accept(mail(sender=sender, subject=f"Re: [#{number}] ...", body=body), reply_to,
                     Outcome.REPLIED)

    def staff(self, name: str, who: str, text: str) -> None:
        """A staff reply through the address signed for them and that ticket: #commands, then an
        answer."""
        number = self.numbers[name]
        to = self.settings.reply_addresses.make(number, staff_role(who))
        self._accept(mail(sender=STAFF[who], to=to, subject=f"Re: [#{number}] ...", body=text), to,
                     Outcome.REPLIED)

    def _accept(self, message: object, to: str, expected: Outcome) -> None:
        sender = message["From"].addresses[0].addr_spec  # type: ignore[index]
        outcome = self.intake.accept(Arrival(message.as_bytes(),  # type: ignore[attr-defined]
                                             "test", "test", [to], sender))
        assert outcome is expected, (self.now, message["Subject"], outcome)  # type: ignore[index]


def april(tmp_path: Path) -> Month:
    """Ten tickets; their numbers follow the order they were opened (#1 to #10)."""
    m = Month(tmp_path)
    steps: list[tuple[datetime, Callable[[], None]]] = [
        # #1 the last evening of March (BST): outside an April report.
        (london(2026, 3, 31, 23, 30), lambda: m.customer("before", "u1@bath.example.ac.uk",
                                                         "Before the period")),
        # #2 half an hour into April (still 31 March in UTC): inside it. Answered, never resolved.
        (london(2026, 4, 1, 0, 30), lambda: m.customer("calendar", "u2@bath.example.ac.uk",
                                                       "Calendar sync drops events")),
        (london(2026, 4, 1, 10, 0), lambda: m.staff("before", "alice",
                                                    "#resolve\nFixed, sorry for the trouble.")),
        (london(2026, 4, 1, 10, 0), lambda: m.staff("calendar", "alice", "We are looking at it.")),
        # #3 raised to P2 an hour after it came in; answered; resolved over the Easter weekend.
        (london(2026, 4, 2, 14, 0), lambda: m.customer("report", "u3@bath.example.ac.uk",
                                                       "Placement report shows the wrong dates")),
        (london(2026, 4, 2, 15, 0), lambda: m.staff("report", "alice", "#priority 2")),
        (london(2026, 4, 2, 16, 0), lambda: m.staff("report", "alice", "A fix is on its way.")),
        (london(2026, 4, 7, 11, 0), lambda: m.staff("report", "alice",
                                                    "#resolve\nThe fix is live.")),
        # #4 a feature request: the account manager's.
        (london(2026, 4, 7, 9, 30), lambda: m.customer("feature", "u4@bath.example.ac.uk",
                                                       "Feature request: export to Excel")),
        # #5 opened on a Saturday; waits on the customer Monday to Wednesday.
        (london(2026, 4, 11, 10, 0), lambda: m.customer("export", "u5@bath.example.ac.uk",
                                                        "Timetable export fails")),
        (london(2026, 4, 13, 14, 0), lambda: m.staff("export", "erin",
                                                     "#pending\nWhich browser do you use?")),
        (london(2026, 4, 15, 9, 50), lambda: m.customer_reply("export", "u5@bath.example.ac.uk",
                                                              "Firefox.")),
        (london(2026, 4, 15, 10, 0), lambda: m.staff("export", "erin", "#reopen")),
        (london(2026, 4, 17, 12, 0), lambda: m.staff("export", "erin",
                                                     "#resolve\nFixed in today's release.")),
        # #6 lowered to P4: not an incident for the report, but a ticket in the weekly chart.
        (london(2026, 4, 14, 10, 0), lambda: m.customer("banner", "u6@bath.example.ac.uk",
                                                        "Colour of the banner")),
        (london(2026, 4, 14, 10, 30), lambda: m.staff("banner", "alice", "#priority 4")),
        # #7 Brookes, P1 on a Sunday night: the clock runs around the clock.
        (london(2026, 4, 19, 22, 0), lambda: m.customer("outage", "lee@brookes.example.ac.uk",
                                                        "Nobody can log in")),
        (london(2026, 4, 19, 22, 40), lambda: m.staff("outage", "alice", "We are on it.")),
        (london(2026, 4, 20, 1, 30), lambda: m.staff("outage", "alice",
                                                     "#resolve\nService restored.")),
        # #8 an escalation to the customer services manager, resolved by her.
        (london(2026, 4, 20, 9, 0), lambda: m.customer(
            "escalation", "sam@bath.example.ac.uk",
            "For the attention of the Customer Services Manager - Repeated outages")),
        (london(2026, 4, 22, 15, 0), lambda: m.staff("escalation", "carol",
                                                     "#resolve\nWe agreed a service credit.")),
        # #9 raised to P2 at once on a Friday afternoon; both targets missed.
        (london(2026, 4, 24, 16, 0), lambda: m.customer("invoices", "u9@bath.example.ac.uk",
                                                        "Invoices missing from the export")),
        (london(2026, 4, 24, 16, 0), lambda: m.staff("invoices", "alice", "#priority 2")),
        (london(2026, 4, 27, 14, 0), lambda: m.staff("invoices", "alice", "Found it.")),
        (london(2026, 4, 30, 17, 0), lambda: m.staff("invoices", "alice",
                                                     "#resolve\nAll invoices are back.")),
        # #10 never answered.
        (london(2026, 4, 29, 9, 0), lambda: m.customer("search", "u10@bath.example.ac.uk",
                                                       "Search is slow")),
    ]
    # Played in the order written (the ticket numbers follow it); each at its own moment.
    for moment, step in steps:
        m.at(moment)
        step()
    return m

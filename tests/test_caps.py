"""Caps on automatic mail (G7.7, RELIABILITY L3): every automatic mail maild writes because a mail
arrived counts against one allowance per address, mail to a ticket's customers also against the
ticket's, automatic mail gets no notice at all, and reopening is rate-limited.

The whole pipeline runs over the test database; what maild would send is read back from the outbox.
"""

from __future__ import annotations

from pathlib import Path

from conftest import build_intake
from helpers import accept, open_ticket, sent, staff_reply
from maild.intake import Intake, Outcome
from maild.store.models import Event, Message, Outbox, Ticket
from mails import mail

ALICE = "alice@example.com"
GENEROUS = "auto_replies_per_hour: 100, auto_replies_per_day: 100"


def customer_reply(ticket: Ticket, body: str = "Still wrong for me.") -> object:
    return mail(subject=f"Re: [#{ticket.number}] Placement report shows the wrong dates", body=body)


def to(address: str, purposes: tuple[str, ...]) -> int:
    return Outbox.select().where((Outbox.recipients == address) & Outbox.purpose.in_(list(
        purposes))).count()


def test_automatic_mail_to_one_tickets_customers_is_capped_per_day(tmp_path: Path) -> None:
    intake = build_intake(tmp_path,
                          extra=f"limits: {{{GENEROUS}, reopens_per_ticket_per_day: 100}}\n")
    ticket, note = open_ticket(intake)  # the acknowledgement: 1
    for _ in range(4):  # resolved, reopened, resolved, reopened: 5; then nothing more today
        accept(intake, staff_reply(note, "#resolve"), to=note["Reply-To"])
        assert accept(intake, customer_reply(ticket)) is Outcome.REPLIED
    # the cap withholds mail, not the reopening
    assert Ticket.get_by_id(ticket.number).status == "open"
    assert Outbox.select().where((Outbox.ticket == ticket.number)
                                 & Outbox.purpose.in_(["acknowledgement", "resolved",
                                                       "reopened"])).count() == 5
    [capped] = Event.select().where(Event.kind == "ticket_auto_mail_capped")
    assert capped.ticket_id == ticket.number
    assert Event.select().where(Event.kind == "notice_withheld").count() == 4  # of the 9 notices


def test_a_ticket_allowance_of_none_acknowledges_no_new_ticket(tmp_path: Path) -> None:
    """The acknowledgement of a ticket the mail has just opened does not look the ticket's
    allowance up (nothing was sent on it yet), but still keeps to an allowance of 0."""
    intake = build_intake(tmp_path,
                          extra=f"limits: {{{GENEROUS}, auto_replies_per_ticket_per_day: 0}}\n")
    assert accept(intake, mail(subject="Placement report shows the wrong dates")) is Outcome.OPENED
    [ticket] = Ticket.select()
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 0
    [capped] = Event.select().where(Event.kind == "ticket_auto_mail_capped")
    assert capped.ticket_id == ticket.number


def test_resolved_notice_counts_against_the_per_address_cap(tmp_path: Path) -> None:
    # Dana is a designated contact: her allowance is the contacts' one.
    intake = build_intake(tmp_path, extra="limits: {contact_auto_replies_per_hour: 3}\n")
    first, note = open_ticket(intake)
    for i in range(2):
        accept(intake, mail(subject=f"Another question {i}"))
    assert len(sent("acknowledgement")) == 3
    accept(intake, staff_reply(note, "#resolve"), to=note["Reply-To"])
    assert Ticket.get_by_id(first.number).status == "resolved"
    assert sent("resolved") == []
    withheld = Event.get(Event.kind == "notice_withheld")
    assert withheld.ticket_id == first.number and "resolved notice" in withheld.detail


def test_automatic_mail_in_a_staff_members_name_tells_them_nothing(intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    bounce_like = mail(sender="Alice Engineer <alice@example.com>",
                       subject=f"Re: [#{ticket.number}] Placement",
                       body="I am out of the office until Monday.", Auto_Submitted="auto-replied")
    accept(intake, bounce_like)
    assert sent("impersonation") == []


def test_forged_mail_in_bulk_gets_the_staff_member_at_most_the_cap(intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    for i in range(8):
        forged = mail(sender="Alice Engineer <alice@example.com>",
                      subject=f"Re: [#{ticket.number}] forged {i}",
                      body="#close")
        accept(intake, forged)
    # Each forged mail opens a ticket (acknowledged to Alice's address) and warns Alice: together
    # at most auto_replies_per_hour (5), then the customer services manager hears of it once.
    assert to(ALICE, ("acknowledgement", "impersonation")) == 5
    assert 0 < to(ALICE, ("impersonation",)) < 8
    assert [m["Subject"] for m in sent("auto_reply_capped")] == [
        f"Automatic answers stopped for {ALICE}"]


def test_command_error_replies_are_capped(intake: Intake) -> None:
    _, note = open_ticket(intake)
    for i in range(8):
        accept(intake, staff_reply(note, f"#priority {9 + i}"), to=note["Reply-To"])
    # every one on record
    assert Event.select().where(Event.kind == "commands_refused").count() == 8
    assert len(sent("command_errors")) == 5
    assert Event.select().where(Event.kind == "notice_withheld").count() == 3


def test_reopening_by_customer_mail_is_rate_limited(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    for _ in range(4):
        accept(intake, staff_reply(note, "#resolve"), to=note["Reply-To"])
        assert accept(intake, customer_reply(ticket, "Still wrong, again.")) is Outcome.REPLIED
    # Three reopenings a day (limits.reopens_per_ticket_per_day); the fourth reply is stored on
    # the ticket, which stays resolved, and the history says why.
    assert Ticket.get_by_id(ticket.number).status == "resolved"
    assert Event.select().where((Event.ticket == ticket.number) & (Event.kind == "reopened")).count(
        ) == 3
    assert Message.select().where((Message.ticket == ticket.number) & (Message.direction == "in")
                                  & (Message.text == "Still wrong, again.")).count() == 4
    last = Event.select().where(Event.kind == "reply").order_by(Event.id.desc()).get()
    assert "not reopened: reopened 3 times in a day already" in last.detail


# ---------------------------------------------------------------- the cap counts robots, not people

def notified(subject_part: str) -> int:
    return sum(1 for n in sent("notification")
               if subject_part in n["Subject"] and "alice@example.com" in n["To"])


def test_a_capped_senders_tickets_all_reach_staff(intake: Intake) -> None:
    for i in range(8):
        jammed = mail(sender="Sam <sam@example.org>", subject=f"Printer {i} jammed")
        assert accept(intake, jammed) is Outcome.OPENED
    assert to("sam@example.org", ("acknowledgement",)) == 5  # a stranger's allowance
    assert notified("Printer") == 8  # but staff hear of every ticket
    assert len(sent("auto_reply_capped")) == 1


def test_a_designated_contact_gets_each_distinct_ticket_acknowledged(intake: Intake) -> None:
    for i in range(12):  # Dana is named in accounts.yaml: 30 an hour
        assert accept(intake, mail(subject=f"Finding {i} from the test session")) is Outcome.OPENED
    assert to("dana@bath.example.ac.uk", ("acknowledgement",)) == 12
    assert notified("Finding") == 12 and sent("auto_reply_capped") == []


def test_an_address_that_looks_automatic_gets_one_answer_a_day(intake: Intake) -> None:
    for i in range(3):
        accept(intake, mail(sender="Monitoring <alerts-eu@example.org>", subject=f"Disk full {i}"))
    assert to("alerts-eu@example.org", ("acknowledgement",)) == 1
    assert notified("Disk full") == 3
    [capped] = Event.select().where(Event.kind == "auto_reply_capped")
    assert "looks automatic" in capped.detail


def test_a_designated_contacts_replies_still_count_toward_the_tickets_cap(tmp_path: Path) -> None:
    """The contact's larger allowance is per address; one ticket's customers still get at most
    auto_replies_per_ticket_per_day (here 2) automatic mails a day."""
    intake = build_intake(tmp_path, extra="limits: {auto_replies_per_ticket_per_day: 2, "
                                   "reopens_per_ticket_per_day: 9}\n")
    ticket, note = open_ticket(intake)  # the acknowledgement: 1
    for _ in range(2):
        accept(intake, staff_reply(note, "#resolve"), to=note["Reply-To"])  # 2, then withheld
        accept(intake, customer_reply(ticket))
    notices = ["acknowledgement", "resolved", "reopened"]
    assert Outbox.select().where((Outbox.ticket == ticket.number)
                                 & Outbox.purpose.in_(notices)).count() == 2
    assert Event.select().where(Event.kind == "ticket_auto_mail_capped").count() == 1

"""Staff and customers do the rest by mail (issue 26): forwards, `#to`, `#merge`, `#take`,
canned answers, and customers asking for the state of their tickets.

The whole pipeline runs over the test database (SQLite, or PostgreSQL in the second pass); what
maild would send is read back from the outbox.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import ROOT, build_intake
from helpers import body, sent
from maild.intake import Arrival, Intake, Outcome
from maild.pipeline.caps import allowance
from maild.pipeline.forwards import find_forward, inline_forward
from maild.runtime.signing import CUSTOMER, start_address
from maild.store.models import Attachment, Event, Message, Outbox, Participant, Ticket
from mails import mail

FORWARDS = Path(__file__).parent / "data" / "forwards"
DANA = "dana@bath.example.ac.uk"


def start_of(intake: Intake, key: str = "alice") -> str:
    return start_address(intake.runtime.settings.reply_addresses, key)


def accept(intake: Intake, message: EmailMessage | bytes, to: str = "helpdesk@example.com",
           envelope_from: str | None = None) -> Outcome:
    content = message if isinstance(message, bytes) else message.as_bytes()
    if envelope_from is None and isinstance(message, EmailMessage):
        envelope_from = message["From"].addresses[0].addr_spec
    return intake.accept(Arrival(content, "test", "test", [to], envelope_from))


ALICE = "Alice Engineer <alice@example.com>"


def staff_mail(text: str, sender: str = ALICE, **headers: str) -> EmailMessage:
    subject = headers.pop("subject", "Fwd: Timetable export fails")
    return mail(sender=sender, subject=subject, body=text, **headers)


def customer_ticket(intake: Intake, subject: str = "Placement report shows the wrong dates"
                    ) -> tuple[Ticket, EmailMessage]:
    """A customer's ticket and the notification Alice got for it."""
    assert accept(intake, mail(subject=subject)) is Outcome.OPENED
    ticket = Ticket.select().order_by(Ticket.number.desc()).first()
    [note] = [n for n in sent("notification")
              if "alice@example.com" in n["To"] and f"[#{ticket.number}]" in n["Subject"]]
    return ticket, note


def reply_to(note: EmailMessage, text: str, sender: str = ALICE) -> EmailMessage:
    return mail(sender=sender, to=note["Reply-To"], subject="Re: " + note["Subject"], body=text,
                In_Reply_To=note["Message-ID"])


# ---------------------------------------------------------------- finding the forwarded mail

def test_neomutt_inline_forward_is_found_with_its_sender_date_subject_and_the_staff_note() -> None:
    found = inline_forward((FORWARDS / "neomutt-inline.txt").read_text())
    assert found is not None
    assert (found.from_name, found.from_address) == ("Dana Admin", DANA)
    assert found.subject == "Timetable export fails for all departments"
    assert found.sent_at is not None and found.sent_at.isoformat() == "2026-12-04T16:12:09+00:00"
    assert found.text.startswith("Hi Alice,") and found.text.endswith("Dana")  # no end marker
    assert found.note == "Dana asked me directly; this is for the helpdesk."


def test_outlook_forward_with_sent_in_words_is_found() -> None:
    message = message_from_bytes((FORWARDS / "outlook.eml").read_bytes(), policy=policy.default)
    found = find_forward(body(message), message)
    assert found is not None and not found.attached
    assert found.from_address == "lee@brookes.example.ac.uk"
    assert found.subject == "Room bookings vanish overnight"
    assert found.sent_at is not None and (found.sent_at.day, found.sent_at.hour) == (4, 17)
    assert found.note.startswith("Logging this for Lee") and "bookings made after 4pm" in found.text


@pytest.mark.parametrize("text", [
    "Begin forwarded message:\n\nFrom: Dana Admin <dana@bath.example.ac.uk>\nSubject: Export\n"
    "Date: 4 December 2026 at 16:12:09 GMT\nTo: Alice <alice@example.com>\n\nHello\n",
    "-------- Forwarded Message --------\nSubject: Export\nDate: Fri, 4 Dec 2026 16:12:09 +0000\n"
    "From: Dana Admin <dana@bath.example.ac.uk>\nTo: alice@example.com\n\nHello\n",
    "-----Original Message-----\nFrom: Dana Admin [mailto:dana@bath.example.ac.uk]\n"
    "Sent: 04 December 2026 16:12\nTo: Alice\nSubject: Export\n\nHello\n",
], ids=["apple-mail", "thunderbird", "outlook-classic"])
def test_other_clients_forward_markers(text: str) -> None:
    found = inline_forward("FYI\n\n" + text)
    assert found is not None and found.from_address == DANA and found.subject == "Export"
    assert found.text == "Hello" and found.note == "FYI"


def test_a_reply_quoting_someone_is_no_forward() -> None:
    assert inline_forward("Thanks.\n\nOn Fri, Dana wrote:\n> From: nobody\n> hello\n") is None
    assert inline_forward("From: the team, with regards\nSubject to change.\n") is None


# ---------------------------------------------------------------- starting tickets

@pytest.mark.parametrize("how", ["inline", "attached"])
def test_proven_forward_opens_the_ticket_for_the_customer_assigned_to_the_forwarder(
        intake: Intake, how: str) -> None:
    if how == "inline":
        message = staff_mail((FORWARDS / "neomutt-inline.txt").read_text())
    else:
        message = staff_mail("Dana asked me directly; this is for the helpdesk.")
        original = (FORWARDS / "customer.eml").read_bytes()
        message.add_attachment(message_from_bytes(original, policy=policy.default))
    assert accept(intake, message, to=start_of(intake)) is Outcome.OPENED
    ticket = Ticket.get()
    assert (ticket.requester, ticket.requester_name) == (DANA, "Dana Admin")
    assert ticket.organisation == "uni-bath"
    assert ticket.subject == "Timetable export fails for all departments"
    assert ticket.assignee == "alice"
    messages = list(Message.select().where(Message.ticket == ticket).order_by(Message.id))
    first = messages[0]
    assert first.direction == "in" and first.from_addr == DANA and "stops at 40%" in first.text
    assert first.created_at.isoformat() == "2026-12-04T16:12:09"  # the customer's own date
    notes = [m for m in messages if m.direction == "note"]
    assert [n.text for n in notes] == ["Dana asked me directly; this is for the helpdesk."]
    [ack] = sent("acknowledgement")
    assert ack["To"] == f"Dana Admin <{DANA}>"
    assert [n["To"] for n in sent("notification")] == ["Alice Engineer <alice@example.com>"]
    assert "started" in [e.kind for e in Event.select().where(Event.ticket == ticket)]


def test_forward_with_assign_goes_to_that_person_and_commands_run(intake: Intake) -> None:
    text = "#assign erin\n#priority 2\n\n" + (FORWARDS / "neomutt-inline.txt").read_text()
    assert accept(intake, staff_mail(text), to=start_of(intake)) is Outcome.OPENED
    ticket = Ticket.get()
    assert (ticket.assignee, ticket.priority, ticket.requester) == ("erin", 2, DANA)
    assert [n["To"] for n in sent("notification")] == ["Erin Engineer <erin@example.com>"]


def test_outlook_forward_proven_by_dkim_from_the_trusted_server(tmp_path: Path) -> None:
    intake = build_intake(tmp_path, extra="conversations: {trusted_authserv_id: mx.example.com}\n")
    content = (b"Authentication-Results: mx.example.com; dkim=pass header.d=example.com\r\n"
               b"Received: from mail.example.com by mx.example.com;"
               b" Mon, 7 Dec 2026 09:41:04 +0000\r\n"
               + (FORWARDS / "outlook.eml").read_bytes())
    assert accept(intake, content, envelope_from="erin@example.com") is Outcome.OPENED
    ticket = Ticket.get()
    assert ticket.requester == "lee@brookes.example.ac.uk"
    assert (ticket.assignee, ticket.organisation) == ("erin", "brookes")
    assert ticket.subject == "Room bookings vanish overnight"


def test_unproven_forward_is_a_customer_mail_and_the_staff_member_is_told(intake: Intake) -> None:
    """From alice@ to the plain helpdesk address, no trusted result: anyone could have sent it."""
    forward = staff_mail((FORWARDS / "neomutt-inline.txt").read_text())
    assert accept(intake, forward) is Outcome.OPENED
    ticket = Ticket.get()
    assert ticket.requester == "alice@example.com"  # the From, as for any customer
    assert not [m for m in Outbox.select() if DANA in m.recipients]  # nothing to the address named
    [told] = sent("impersonation")
    assert told["To"] == "Alice Engineer <alice@example.com>"


def test_to_opens_a_ticket_for_that_customer_and_sends_the_staff_text(intake: Intake) -> None:
    text = "#to pat@bath.example.ac.uk\n\nHello Pat,\n\nyour new licences are ready.\n\nAlice"
    outcome = accept(intake, staff_mail(text, subject="Your licences"), to=start_of(intake))
    assert outcome is Outcome.OPENED
    ticket = Ticket.get()
    assert ticket.requester == "pat@bath.example.ac.uk"
    assert (ticket.organisation, ticket.assignee) == ("uni-bath", "alice")
    assert ticket.status == "open" and ticket.first_response_at is not None
    [answer] = sent("answer")
    assert answer["To"] == "Pat Deputy <pat@bath.example.ac.uk>"
    assert answer["Subject"] == "[#1] Your licences"  # a first mail, no "Re:"
    assert "your new licences are ready" in body(answer) and "#to" not in body(answer)
    assert answer["Reply-To"].startswith("helpdesk+t1.c.")
    assert sent("acknowledgement") == []
    assert [m.direction for m in Message.select().where(Message.ticket == ticket)] == ["out"]


def test_to_without_proof_sends_nothing_to_that_address(intake: Intake) -> None:
    text = "#to victim@elsewhere.example\n\nPlease pay this invoice."
    accept(intake, staff_mail(text, subject="Invoice"))
    assert not [m for m in Outbox.select() if "victim@elsewhere.example" in m.recipients]
    assert Ticket.get().requester == "alice@example.com"
    assert len(sent("impersonation")) == 1


def test_someone_elses_start_address_proves_nothing(intake: Intake) -> None:
    text = "#to victim@elsewhere.example\n\nPlease pay this invoice."
    accept(intake, staff_mail(text, sender="Erin Engineer <erin@example.com>", subject="Invoice"),
           to=start_of(intake, "alice"))
    assert not [m for m in Outbox.select() if "victim@elsewhere.example" in m.recipients]


def test_bad_start_commands_start_nothing_and_the_staff_member_is_told(intake: Intake) -> None:
    text = "#to not-an-address\n#merge 3\n\nHello"
    assert accept(intake, staff_mail(text, subject="Hello"), to=start_of(intake)) is Outcome.IGNORED
    assert Ticket.select().count() == 0
    [told] = sent("command_errors")
    assert told["To"] == "Alice Engineer <alice@example.com>"
    assert "#to not-an-address: expected #to ADDRESS" in body(told)
    assert "#merge: only in a reply" in body(told)


def test_forwarding_a_colleagues_mail_makes_no_staff_requester(intake: Intake) -> None:
    text = ("----- Forwarded message from Erin Engineer <erin@example.com> -----\n\n"
            "From: Erin Engineer <erin@example.com>\nSubject: x\n\nhi\n")
    assert accept(intake, staff_mail(text), to=start_of(intake)) is Outcome.IGNORED
    assert "erin@example.com: a staff or helpdesk address" in body(sent("command_errors")[0])


# ---------------------------------------------------------------- reshaping tickets

def test_take_assigns_the_ticket_to_the_sender(intake: Intake) -> None:
    ticket, note = customer_ticket(intake)
    accept(intake, reply_to(note, "#take"))
    assert Ticket.get_by_id(ticket.number).assignee == "alice"
    assert "assignee" in [e.kind for e in Event.select().where(Event.ticket == ticket)]


def test_merge_folds_everything_in_and_later_replies_to_either_land_on_the_survivor(
        intake: Intake) -> None:
    first, _ = customer_ticket(intake, "Exports fail")
    attached = mail(subject="Exports fail again", body="Screenshot attached.")
    attached.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="shot.png")
    assert accept(intake, attached) is Outcome.OPENED
    second = Ticket.select().order_by(Ticket.number.desc()).first()
    accept(intake, mail(sender="Pat Deputy <pat@bath.example.ac.uk>",
                        subject=f"Re: [#{second.number}] x", body="Same here."))
    [note2] = [n for n in sent("notification") if f"[#{second.number}]" in n["Subject"]][:1]
    [ack2] = [a for a in sent("acknowledgement") if f"[#{second.number}]" in a["Subject"]]

    accept(intake, reply_to(note2, f"#merge {first.number}"))

    merged = Ticket.get_by_id(second.number)
    assert (merged.status, merged.merged_into) == ("closed", first.number)
    on_first = list(Message.select().where(Message.ticket == first.number))
    assert any("Screenshot attached." in m.text for m in on_first)
    assert Attachment.select().join(Message).where(Message.ticket == first.number).count() == 1
    people = {p.email for p in Participant.select().where(Participant.ticket == first.number)}
    assert {DANA, "pat@bath.example.ac.uk"} <= people
    kinds = [e.kind for e in Event.select().where(Event.ticket == first.number)]
    assert "merged" in kinds and kinds.count("opened") == 2  # the merged ticket's history too

    # The customer answers the merged ticket's acknowledgement: through its signed address ...
    by_address = mail(to=ack2["Reply-To"], subject=ack2["Subject"], body="Any news?")
    assert accept(intake, by_address, to=ack2["Reply-To"]) is Outcome.REPLIED
    # ... and by its Message-ID alone.
    by_reference = mail(subject="Re: exports", body="Still failing.",
                        In_Reply_To=ack2["Message-ID"])
    assert accept(intake, by_reference) is Outcome.REPLIED
    texts = [m.text for m in Message.select().where(Message.ticket == first.number)]
    assert "Any news?" in texts and "Still failing." in texts
    assert not Message.select().where(Message.ticket == second.number).exists()


def test_merge_into_a_missing_ticket_or_itself_is_refused(intake: Intake) -> None:
    ticket, note = customer_ticket(intake)
    accept(intake, reply_to(note, "#merge 99"))
    accept(intake, reply_to(note, f"#merge {ticket.number}"))
    errors = [body(m) for m in sent("command_errors")]
    assert "#merge 99: no such ticket" in errors[0] and "that is this ticket" in errors[1]
    assert Ticket.get_by_id(ticket.number).merged_into is None


# ---------------------------------------------------------------- canned answers

def test_answer_sends_the_canned_text_with_the_staff_text_on_top(intake: Intake) -> None:
    ticket, note = customer_ticket(intake)
    assert "Canned answers: need-more-details, password-reset" in body(note)
    assert start_of(intake) in body(note)
    accept(intake, reply_to(note, "Hello Dana, sorry for the trouble.\n#answer password-reset\n"))
    [answer] = sent("answer")
    text = body(answer)
    assert text.index("sorry for the trouble") < text.index('choose "Forgotten password"')
    assert f"follow the link we send to {DANA}" in text and f"(ticket {ticket.number})" in text
    assert "Dear Dana," in text and "#answer" not in text


def test_admins_own_canned_answers_are_found_in_the_configured_templates(tmp_path: Path) -> None:
    import shutil

    templates = tmp_path / "config" / "templates"
    intake_dir = tmp_path / "setup"
    shutil.copytree(ROOT / "maild" / "templates", templates)
    (templates / "answers" / "licence-renewal").mkdir()
    (templates / "answers" / "licence-renewal" / "text.txt").write_text(
        "Your licence for {{ customer.organisation }} renews on 1 January"
        " ({{ ticket.subject }}).\n")
    intake = build_intake(intake_dir, extra=f"templates: {templates}\n")
    _, note = customer_ticket(intake)
    assert "licence-renewal" in body(note)
    accept(intake, reply_to(note, "#answer licence-renewal"))
    assert "Your licence for University of Bath renews" in body(sent("answer")[0])


def test_unknown_canned_answer_sends_nothing_and_names_the_known_ones(intake: Intake) -> None:
    _, note = customer_ticket(intake)
    accept(intake, reply_to(note, "#answer nosuch"))
    assert sent("answer") == []
    assert "#answer nosuch: no such canned answer (there are: need-more-details, password-reset)" \
        in body(sent("command_errors")[0])


# ---------------------------------------------------------------- status requests

def test_status_lists_the_senders_open_tickets_only(intake: Intake) -> None:
    accept(intake, mail(subject="Exports fail"))
    accept(intake, mail(sender="Lee Project <lee@brookes.example.ac.uk>",
                        subject="Lee's own problem"))
    accept(intake, mail(subject="Closed one"))
    Ticket.update(status="resolved").where(Ticket.subject == "Closed one").execute()
    before = Ticket.select().count()
    assert accept(intake, mail(subject="status", body="")) is Outcome.ANSWERED
    assert Ticket.select().count() == before
    [answer] = sent("status")
    assert answer["To"] == f"Dana Admin <{DANA}>" and answer["Auto-Submitted"] == "auto-replied"
    text = body(answer)
    assert "[#1] Exports fail" in text
    assert "Lee's own problem" not in text and "Closed one" not in text
    assert "received, not yet answered; last: acknowledged" in text


def test_an_admin_manager_sees_the_organisations_tickets(intake: Intake) -> None:
    accept(intake, mail(sender="Sam Senior <sam@bath.example.ac.uk>", subject="Sam's ticket"))
    accept(intake, mail(sender="Lee Project <lee@brookes.example.ac.uk>", subject="Brookes ticket"))
    accept(intake, mail(subject="Status"))  # Dana is an admin manager of uni-bath
    text = body(sent("status")[0])
    assert "Sam's ticket" in text and "University of Bath" in text and "Brookes ticket" not in text
    accept(intake, mail(sender="Sam Senior <sam@bath.example.ac.uk>", subject="status"))
    assert "Sam's ticket" in body(sent("status")[1])  # his own, as a senior decision maker


def test_the_configured_status_address_answers_whatever_the_subject(tmp_path: Path) -> None:
    intake = build_intake(tmp_path,
                          extra="conversations: {status_address: helpdesk+status@example.com}\n")
    accept(intake, mail(subject="Exports fail"))
    assert accept(intake, mail(subject="where are we?", to="helpdesk+status@example.com"),
                  to="helpdesk+status@example.com") is Outcome.ANSWERED
    assert "Exports fail" in body(sent("status")[0])
    assert not Event.select().where(Event.kind == "refused_address").exists()


def test_status_answers_stay_under_the_cap_on_automatic_mail(intake: Intake) -> None:
    stranger = "Someone <someone@elsewhere.example>"
    per_hour, _, _ = allowance(intake.runtime.settings, "someone@elsewhere.example")
    for _ in range(per_hour + 3):
        assert accept(intake, mail(sender=stranger, subject="status")) is Outcome.ANSWERED
    assert len(sent("status")) == per_hour


def test_automatic_mail_asking_for_status_gets_nothing(intake: Intake) -> None:
    accept(intake, mail(subject="status", Auto_Submitted="auto-replied"))
    assert sent("status") == []


def test_customer_reply_address_still_threads_after_status(intake: Intake) -> None:
    ticket, _ = customer_ticket(intake)
    signed = intake.runtime.settings.reply_addresses.make(ticket.number, CUSTOMER)
    assert accept(intake, mail(subject="status", to=signed), to=signed) is Outcome.REPLIED

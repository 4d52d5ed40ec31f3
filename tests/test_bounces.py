"""Delivery status notifications (RFC 3464) about mail maild sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build_intake
from helpers import open_ticket, send, sent, staff_reply
from maild.intake import Arrival, Intake, Outcome
from maild.store.models import BouncedAddress, Event, Outbox, Ticket
from mails import mail


def dsn(original_id: str, recipient: str, action: str, status: str,
        headers_part: str = "text/rfc822-headers") -> bytes:
    """A DSN as Postfix writes it, returning the headers of the mail it reports on."""
    returned = (
        f"From: Alice Engineer via Test Helpdesk <helpdesk@example.com>\r\nTo: {recipient}\r\n"
                f"Subject: [#1] Re: Placement report\r\nMessage-ID: {original_id}\r\n")
    if headers_part == "message/rfc822":
        returned += "\r\nThe answer.\r\n"
    return (
        "From: MAILER-DAEMON@mx.bath.example.ac.uk (Mail Delivery System)\r\n"
        "To: helpdesk@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.bath.example.ac.uk>\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.bath.example.ac.uk\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: "
        "Recipient address rejected: User unknown\r\n"
        f"\r\n--B\r\nContent-Type: {headers_part}\r\n\r\n{returned}\r\n--B--\r\n"
    ).encode()


def deliver_dsn(intake: Intake, content: bytes) -> Outcome:
    return intake.accept(Arrival(content, "test", "test", ["helpdesk@example.com"], ""))


@pytest.fixture
def answered(tmp_path: Path) -> tuple[Intake, Outbox]:
    """Ticket 1 (Dana, Pat in Cc), answered and resolved by Alice: the answer is the mail that
    bounces."""
    intake = build_intake(tmp_path)
    open_ticket(intake, Cc="Pat Deputy <pat@bath.example.ac.uk>")
    answer_as_alice(intake, "#resolve\nThe answer.")
    return intake, Outbox.get(Outbox.purpose == "answer")


def answer_as_alice(intake: Intake, text: str) -> None:
    [note] = [n for n in sent("notification") if "alice@example.com" in n["To"]][:1]
    intake.accept(Arrival(staff_reply(note, text).as_bytes(), "test", "test", [note["Reply-To"]],
                          "alice@example.com"))


@pytest.mark.parametrize("headers_part", ["text/rfc822-headers", "message/rfc822"])
def test_permanent_failure_is_attached_flags_the_address_and_tells_staff(
        answered: tuple[Intake, Outbox], headers_part: str) -> None:
    intake, answer = answered
    outcome = deliver_dsn(intake, dsn(answer.message_id, "pat@bath.example.ac.uk", "failed",
                                      "5.1.1", headers_part))
    assert outcome is Outcome.REPLIED
    ticket = Ticket.get()
    assert ticket.status == "resolved"  # never reopened by a bounce
    row = Outbox.get_by_id(answer.id)
    assert row.status == "failed" and "5.1.1" in row.last_error
    assert BouncedAddress.get().email == "pat@bath.example.ac.uk"
    assert Event.get(Event.kind == "bounced").ticket_id == ticket.number
    told = [n for n in sent("notification") if n["Subject"].startswith("[#1] Undeliverable")]
    assert sorted(n["To"] for n in told) == ["Alice Engineer <alice@example.com>",
                                             "Erin Engineer <erin@example.com>"]
    assert "could not be delivered to pat@bath.example.ac.uk: 5.1.1" in told[0].get_body((
        "plain",)).get_content()
    # none for the DSN
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 1

    # The next answer leaves the undeliverable Cc out; once Pat writes again, Pat is back.
    answer_as_alice(intake, "Another answer.")
    assert sent("answer")[-1]["Cc"] is None
    intake.accept(Arrival(mail(sender="Pat <pat@bath.example.ac.uk>",
                               subject="Re: [#1] Placement report",
                       body="My mailbox works again.").as_bytes(), "test", "test", [
                           "helpdesk@example.com"],
                  "pat@bath.example.ac.uk"))
    assert BouncedAddress.select().count() == 0


def test_temporary_failure_only_updates_the_outbox_record(answered: tuple[Intake, Outbox]) -> None:
    intake, answer = answered
    assert deliver_dsn(intake, dsn(answer.message_id, "dana@bath.example.ac.uk", "delayed",
                                   "4.4.1")) \
        is Outcome.REPLIED
    row = Outbox.get_by_id(answer.id)
    assert row.status != "failed" and "delayed" in row.last_error
    assert BouncedAddress.select().count() == 0 and not Event.select().where(
        Event.kind == "bounced").exists()


def test_report_on_a_mail_we_never_sent_opens_nothing(answered: tuple[Intake, Outbox]) -> None:
    intake, _ = answered
    tickets = Ticket.select().count()
    assert deliver_dsn(intake, dsn("<forged@elsewhere.example>", "dana@bath.example.ac.uk",
                                   "failed", "5.1.1")) \
        is Outcome.IGNORED
    assert Ticket.select().count() == tickets and BouncedAddress.select().count() == 0


def test_bounce_storm_over_smtp_opens_nothing_answers_nothing_and_tells_staff_once(
        setup, daemon, smtp_sink) -> None:  # noqa: ANN001
    import smtplib

    send(setup.smtp_port, mail())
    [ack] = smtp_sink.replies(1)
    storm = [dsn(ack.message["Message-ID"], "dana@bath.example.ac.uk", "failed", "5.1.1")] * 100 + \
        [dsn(f"<unknown-{i}@elsewhere.example>", "dana@bath.example.ac.uk", "failed",
             "5.1.1") for i in range(100)]
    with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=30) as client:
        for i, content in enumerate(storm):  # each copy made unique, as a real storm's would be
            client.sendmail("", ["helpdesk@example.com"], content.replace(b"<dsn-1@",
                                                                          f"<dsn-{i}@".encode()))
    detail = setup.json("ticket", "1")
    kinds = [e["kind"] for e in detail["history"]]
    assert (kinds.count("bounced"), kinds.count("bounce_repeated")) == (1, 99)
    assert len(setup.json("tickets")) == 1
    smtp_sink.wait_to("erin@example.com", 2, timeout=3)
    assert len(smtp_sink.replies(2, timeout=1)) == 1  # still only the one acknowledgement
    told = [r for r in smtp_sink.received if "Undeliverable" in r.message["Subject"]]
    # once each
    assert sorted(r.rcpt_tos[0] for r in told) == ["alice@example.com", "erin@example.com"]

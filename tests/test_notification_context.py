"""Context in every notification (issue 25, item 3): below the new text, the ticket's last few
messages (who, when, first lines), newest first, and its attachments' names.

The whole pipeline runs over the test database; notifications are read back from the outbox."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from conftest import Daemon, MaildSetup, SmtpSink, build_intake
from helpers import accept, body, open_ticket, sent, staff_reply
from maild.intake import Intake
from mails import mail


def with_screenshot(text: str) -> EmailMessage:
    message = mail(body=text)
    message.add_attachment(b"\x89PNG" + b"0" * 2400, maintype="image", subtype="png",
                           filename="report.png")
    return message


def latest_note(to: str = "alice@example.com") -> str:
    return body([n for n in sent("notification") if to in n["To"]][-1])


def conversation(intake: Intake) -> EmailMessage:
    """A ticket with a screenshot, a staff answer, an internal note, then a customer reply."""
    first = with_screenshot("The report shows 2025 dates.\nSince this morning.\n"
                            "For every student.\nIn every faculty.")
    _, note = open_ticket(intake, raw=first.as_bytes())
    accept(intake, staff_reply(note, "Which browser do you use?"), to=note["Reply-To"])
    accept(intake, staff_reply(note, "#note\nLooks like the cache again."), to=note["Reply-To"])
    [answer] = sent("answer")
    reply = mail(to=answer["Reply-To"], subject="Re: " + answer["Subject"],
                 In_Reply_To=answer["Message-ID"], body="Firefox 120, and it still fails.")
    accept(intake, reply)
    return note


def test_a_reply_notification_shows_the_earlier_conversation_newest_first(intake: Intake) -> None:
    conversation(intake)
    text = latest_note()
    new, _, earlier = text.partition("Earlier on this ticket (newest first):")
    assert "Firefox 120, and it still fails." in new and "Firefox 120" not in earlier  # once
    note = earlier.index("alice@example.com (internal note)")
    answer = earlier.index("Alice Engineer via Test Helpdesk (answer)\n"
                           "  | Which browser do you use?\n\n")
    first = earlier.index("dana@bath.example.ac.uk\n")
    assert note < answer < first  # newest first, the opening mail last
    assert "| Looks like the cache again." in earlier and "| Which browser do you use?" in earlier
    assert "| The report shows 2025 dates." in earlier and "| For every student." in earlier
    assert "In every faculty." not in earlier and "  | ...\n" in earlier  # first lines only
    assert "attached: report.png (2 kB)" in earlier
    assert "Thank you for raising" not in earlier  # maild's own notices are left out
    assert "Attachments on this ticket: report.png (2 kB)" in text


def test_a_new_ticket_notification_names_its_attachments_and_has_no_history(intake: Intake) -> None:
    open_ticket(intake, raw=with_screenshot("See the screenshot.").as_bytes())
    text = latest_note()
    assert "Earlier on this ticket" not in text
    assert "Attachments on this ticket: report.png (2 kB)" in text


def test_how_many_earlier_messages_is_a_setting(tmp_path: Path) -> None:
    intake = build_intake(tmp_path, extra="conversations: {notification_history: 1}\n")
    conversation(intake)
    earlier = latest_note().partition("Earlier on this ticket (newest first):")[2]
    assert "Looks like the cache again." in earlier and "Which browser" not in earlier


def test_no_history_when_turned_off(tmp_path: Path) -> None:
    intake = build_intake(tmp_path, extra="conversations: {notification_history: 0}\n")
    conversation(intake)
    assert "Earlier on this ticket" not in latest_note()


def test_a_notification_as_received_through_maild_run(setup: MaildSetup, daemon: Daemon,
                                                      smtp_sink: SmtpSink) -> None:
    """The customer's screenshot, a staff answer and the customer's reply through the listener and
    the relay: Alice's notification of the reply, as her mail client gets it, holds the history."""
    with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:
        client.send_message(with_screenshot("The report shows 2025 dates.\nSince this morning."))
        [note] = smtp_sink.wait_to("alice@example.com", 1)
        answer = staff_reply(note.message, "Which browser do you use?")
        client.send_message(answer, to_addrs=[str(note.message["Reply-To"])])
        [to_customer] = [r for r in smtp_sink.wait_to("dana@bath.example.ac.uk", 2)
                         if "Which browser" in str(r.message.get_body(("plain",)).get_content())]
        reply = mail(to=str(to_customer.message["Reply-To"]), body="Firefox 120.",
                     subject="Re: " + str(to_customer.message["Subject"]),
                     In_Reply_To=str(to_customer.message["Message-ID"]))
        client.send_message(reply)
        received = smtp_sink.wait_to("alice@example.com", 2)[-1].message
    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    new, _, earlier = text.partition("Earlier on this ticket (newest first):")
    assert "Firefox 120." in new
    assert earlier.index("(answer)\n  | Which browser do you use?") < earlier.index("| The report")
    assert "attached: report.png (2 kB)" in earlier
    assert "Attachments on this ticket: report.png (2 kB)" in text
